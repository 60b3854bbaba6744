// One WebSocket connection as the server's features see it: sends that never let a slow
// consumer grow memory, liveness for the heartbeat, and counters.
import * as wsModule from 'ws';
import type { WebSocket } from 'ws';
import type { Metrics } from '../metrics.js';

export const CLOSE_SLOW_CONSUMER = 1008;

/** A text message framed once, to be written to many connections (fan-out). */
export interface Prepared {
  text: string;
  frame: Buffer[];
}

interface FrameSender {
  _state: number;
  sendFrame(list: Buffer[], cb?: () => void): void;
}

export function prepare(text: string): Prepared {
  const data = Buffer.from(text);
  // ws exports its Sender (the ESM build names it); @types/ws does not declare it.
  const { Sender } = wsModule as unknown as { Sender: { frame(d: Buffer, o: object): Buffer[] } };
  const frame = Sender.frame(data, {
    fin: true,
    rsv1: false,
    opcode: 1,
    mask: false,
    readOnly: false,
  });
  return { text, frame };
}

export class Peer {
  alive = true;
  readonly openedAt = Date.now();
  private readonly sent: { inc(): void };

  constructor(
    readonly ws: WebSocket,
    readonly route: string,
    private readonly metrics: Metrics,
    private readonly maxBufferedBytes: number,
  ) {
    ws.on('pong', () => (this.alive = true));
    this.sent = metrics.counter('espfleet_ws_messages_out_total', { route });
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
    this.sent.inc();
    return true;
  }

  /**
   * Sends a prepared message: its frame bytes are written as they are, so a broadcast frames
   * once rather than once per subscriber. Falls back to send() while ws has work queued.
   */
  sendPrepared(p: Prepared): boolean {
    if (!this.open) return false;
    if (this.ws.bufferedAmount + p.text.length > this.maxBufferedBytes) return this.send(p.text);
    const sender = (this.ws as unknown as { _sender?: FrameSender })._sender;
    // ws's sender state 0: nothing queued (no compression here), so the frame can go out now.
    if (sender && sender._state === 0 && typeof sender.sendFrame === 'function') {
      sender.sendFrame(p.frame);
      this.sent.inc();
      return true;
    }
    return this.send(p.text);
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.CLOSED) return;
    this.ws.close(code, reason);
  }
}
