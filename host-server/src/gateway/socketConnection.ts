// A Socket.io socket as a Connection, so the book counts and limits it like a `ws` peer.
import type { Socket } from 'socket.io';
import type { Connection, ConnectionBook } from '../ws/connection.js';

interface EngineInternals {
  writeBuffer?: Array<{ data?: unknown }>;
  transport?: { socket?: { bufferedAmount?: number } };
}

export class SocketConnection implements Connection {
  readonly route = 'gateway';
  readonly received: { inc(): void };

  constructor(readonly socket: Socket, book: ConnectionBook) {
    ({ received: this.received } = book.opened(this));
  }

  get open(): boolean {
    return this.socket.connected;
  }

  /** Packets Engine.IO holds for the client (a long-polling client takes them on its next poll) plus the WebSocket's own buffer. */
  queuedBytes(): number {
    const conn = this.socket.conn as unknown as EngineInternals;
    let n = conn.transport?.socket?.bufferedAmount ?? 0;
    for (const p of conn.writeBuffer ?? []) {
      const d = p.data;
      n += typeof d === 'string' ? d.length : d instanceof Uint8Array ? d.byteLength : 0;
    }
    return n;
  }

  close(): void {
    this.socket.disconnect(true);
  }
}
