// One WebSocket connection as the server's features see it: sends that never let a slow
// consumer grow memory, liveness for the heartbeat, and counters (kept in the ConnectionBook
// shared with the Socket.io gateway).
import * as wsModule from 'ws';
import type { WebSocket } from 'ws';
import type { Socket } from 'node:net';
import type { Connection, ConnectionBook } from './connection.js';
import { corkForTurn } from './turnCork.js';

export { CLOSE_SLOW_CONSUMER } from './connection.js';

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

export class Peer implements Connection {
  alive = true;
  readonly openedAt = Date.now();
  readonly received: { inc(): void };
  private readonly sent: { inc(): void };

  constructor(
    readonly ws: WebSocket,
    readonly route: string,
    private readonly book: ConnectionBook,
  ) {
    ws.on('pong', () => (this.alive = true));
    ({ received: this.received, sent: this.sent } = book.opened(this));
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  queuedBytes(): number {
    return this.ws.bufferedAmount;
  }

  /** Sends text; a peer whose unsent data passes the limit is dropped instead. */
  send(text: string): boolean {
    if (!this.open) return false;
    if (this.book.overLimit(this, text.length)) {
      this.book.dropSlow(this);
      // A consumer that stopped reading will not read a close frame either.
      setTimeout(() => this.ws.terminate(), 1000).unref();
      return false;
    }
    corkForTurn((this.ws as unknown as { _socket?: Socket })._socket);
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
    if (this.book.overLimit(this, p.text.length)) return this.send(p.text);
    const sender = (this.ws as unknown as { _sender?: FrameSender })._sender;
    // ws's sender state 0: nothing queued (no compression here), so the frame can go out now.
    if (sender && sender._state === 0 && typeof sender.sendFrame === 'function') {
      corkForTurn((this.ws as unknown as { _socket?: Socket })._socket);
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
