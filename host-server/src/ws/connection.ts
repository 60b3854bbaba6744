// A client connection whatever carries it — a `ws` peer on the plain WebSocket paths or a
// Socket.io socket on the device gateway — and the one book of open connections that counts
// them, their messages and the ones dropped, and enforces the send-buffer limit, for every
// transport alike.
import type { Metrics } from '../metrics.js';

export const CLOSE_SLOW_CONSUMER = 1008;

export interface Connection {
  /** The feature it belongs to: `charger`, `sensors`, `signaling`, `gateway`, … */
  readonly route: string;
  readonly open: boolean;
  /** Bytes written to it that the client has not taken yet. */
  queuedBytes(): number;
  close(code: number, reason: string): void;
}

export interface ConnectionCounters {
  received: { inc(): void };
  sent: { inc(): void };
}

export class ConnectionBook {
  private readonly live = new Set<Connection>();
  private readonly counters = new Map<string, ConnectionCounters>();

  constructor(
    private readonly metrics: Metrics,
    /** A connection whose unsent data passes this is dropped as a slow consumer. */
    readonly maxBufferedBytes: number,
  ) {
    metrics.gauge('espfleet_ws_connections', 'Open WebSocket and Socket.io connections', () => this.live.size);
    metrics.describe('espfleet_ws_connections_total', 'WebSocket and Socket.io connections accepted, by route');
    metrics.describe('espfleet_ws_messages_in_total', 'WebSocket messages received');
    metrics.describe('espfleet_ws_messages_out_total', 'WebSocket messages sent');
    metrics.describe('espfleet_ws_dropped_total', 'Connections dropped by the server (slow consumer, dead peer)');
  }

  opened(c: Connection): ConnectionCounters {
    this.live.add(c);
    this.metrics.inc('espfleet_ws_connections_total', { route: c.route });
    // One pair of counters per route, shared by its connections (not two objects per connection).
    let counters = this.counters.get(c.route);
    if (!counters) {
      counters = {
        received: this.metrics.counter('espfleet_ws_messages_in_total', { route: c.route }),
        sent: this.metrics.counter('espfleet_ws_messages_out_total', { route: c.route }),
      };
      this.counters.set(c.route, counters);
    }
    return counters;
  }

  closed(c: Connection): void {
    this.live.delete(c);
  }

  count(route?: string): number {
    let n = 0;
    for (const c of this.live) if (!route || c.route === route) n++;
    return n;
  }

  /** Would `more` bytes push this connection past the limit? */
  overLimit(c: Connection, more = 0): boolean {
    return c.queuedBytes() + more > this.maxBufferedBytes;
  }

  /** Closes a connection that stopped reading; counted as a drop. */
  dropSlow(c: Connection): void {
    this.dropped(c, 'slow_consumer');
    c.close(CLOSE_SLOW_CONSUMER, 'send buffer limit exceeded');
  }

  dropped(c: Connection, reason: 'slow_consumer' | 'dead_peer'): void {
    this.metrics.inc('espfleet_ws_dropped_total', { route: c.route, reason });
  }

  /** Drops every connection of `route` past the limit (for transports that queue inside a library). */
  sweep(route: string): void {
    for (const c of this.live) if (c.route === route && this.overLimit(c)) this.dropSlow(c);
  }
}
