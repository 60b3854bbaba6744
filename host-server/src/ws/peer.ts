// One WebSocket connection as the server's features see it: sends that never let a slow
// consumer grow memory, liveness for the heartbeat, and counters.
import type { WebSocket } from 'ws';
import type { Metrics } from '../metrics.js';

export const CLOSE_SLOW_CONSUMER = 1008;

export class Peer {
  alive = true;
  readonly openedAt = Date.now();

  constructor(
    readonly ws: WebSocket,
    readonly route: string,
    private readonly metrics: Metrics,
    private readonly maxBufferedBytes: number,
  ) {
    ws.on('pong', () => (this.alive = true));
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  /** Sends text; a peer whose unsent data passes the limit is dropped instead. */
  send(text: string): boolean {
    if (!this.open) return false;
    if (this.ws.bufferedAmount + text.length > this.maxBufferedBytes) {
      this.metrics.inc('espfleet_ws_dropped_total', { route: this.route, reason: 'slow_consumer' });
      this.ws.close(CLOSE_SLOW_CONSUMER, 'send buffer limit exceeded');
      // A consumer that stopped reading will not read a close frame either.
      setTimeout(() => this.ws.terminate(), 1000).unref();
      return false;
    }
    this.ws.send(text);
    this.metrics.inc('espfleet_ws_messages_out_total', { route: this.route });
    return true;
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.CLOSED) return;
    this.ws.close(code, reason);
  }
}
