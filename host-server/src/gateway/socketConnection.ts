// A Socket.io socket as a Connection, so the book counts and limits it like a `ws` peer.
import type { Socket as NetSocket } from 'node:net';
import type { Socket } from 'socket.io';
import type { Connection, ConnectionBook } from '../ws/connection.js';

interface EngineInternals {
  writeBuffer?: Array<{ data?: unknown }>;
  transport?: { name?: string; socket?: { bufferedAmount?: number; _socket?: NetSocket } };
}

type Transport = NonNullable<EngineInternals['transport']> & { send(packets: unknown[]): void };

/**
 * Packets Engine.IO sends together (those that queued while the previous write was on its way,
 * e.g. a burst of events) leave in one system call instead of one each: the WebSocket
 * transport's send is wrapped in a cork of its TCP socket.
 */
function coalesce(t: Transport | undefined): void {
  const sock = t?.name === 'websocket' ? t.socket?._socket : undefined;
  if (!t || !sock) return;
  const send = t.send.bind(t);
  t.send = (packets) => {
    if (packets.length < 2) return send(packets);
    sock.cork();
    try {
      send(packets);
    } finally {
      sock.uncork();
    }
  };
}

export class SocketConnection implements Connection {
  readonly route = 'gateway';
  readonly received: { inc(): void };

  constructor(readonly socket: Socket, book: ConnectionBook) {
    ({ received: this.received } = book.opened(this));
    const conn = socket.conn as unknown as EngineInternals & { once(e: 'upgrade', f: () => void): void };
    coalesce(conn.transport as Transport);
    conn.once('upgrade', () => coalesce(conn.transport as Transport));
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
