// One open WebSocket connection over an Espruino socket, shared by the server's peers and the
// client: reads frames, answers pings and close frames, and writes through a bounded send
// buffer so that a peer that stops reading loses its own messages and never holds up others.
import { CLOSE_ABNORMAL, CLOSE_NO_STATUS, OP_CLOSE, OP_PONG, OP_TEXT, closePayload, frameReader, type FrameReaderOptions } from './wsFrame.js';

export interface WsLinkOptions extends FrameReaderOptions {
  /** Bytes that may wait in the socket's send buffer; a send past it is dropped. */
  maxBufferedBytes: number;
  /** Builds a frame as this side must send it (servers plain, clients masked). */
  frame(opcode: number, payload: string): string;
}

export interface WsLinkEvents {
  text(message: string): void;
  /** Once: the connection is over, with the close code (1006 when it dropped without one). */
  closed(code: number, reason: string): void;
}

export interface WsLink {
  readonly open: boolean;
  push(chunk: string): void;
  /** Queues a frame unless the send buffer is over its limit (one frame always fits an empty buffer). */
  write(opcode: number, payload: string): boolean;
  send(text: string): boolean;
  /**
   * Sends a close frame (`code` 0: one without a code, the answer to an empty close), ends the
   * socket once what is queued is sent, and reports `reported`.
   */
  close(code: number, reason: string, reported: number): void;
  /** Ends the socket without a close frame (a peer that stopped answering), reporting 1006. */
  abort(reason: string): void;
  /** Whether anything arrived since the last call. */
  heardSinceLastCheck(): boolean;
}

export function wsLink(sock: NetSocket, opts: WsLinkOptions, events: WsLinkEvents): WsLink {
  /** Bytes written since the socket last reported its send buffer empty. */
  let queued = 0;
  let done = false;
  let heard = true;

  const finish = (code: number, reason: string) => {
    if (done) return;
    done = true;
    reader.stop();
    events.closed(code, reason);
  };
  /** Writes, or finishes the link when the socket is already gone (write throws then). */
  const put = (data: string, end: boolean): boolean => {
    try {
      if (data) sock.write(data);
      if (end) sock.end();
      return true;
    } catch {
      finish(CLOSE_ABNORMAL, 'socket closed');
      return false;
    }
  };
  const write = (opcode: number, payload: string): boolean => {
    if (done) return false;
    const frame = opts.frame(opcode, payload);
    if (queued > 0 && queued + frame.length > opts.maxBufferedBytes) return false;
    if (!put(frame, false)) return false;
    queued += frame.length;
    return true;
  };
  const close = (code: number, reason: string, reported: number) => {
    if (done) return;
    reader.stop();
    put(opts.frame(OP_CLOSE, code ? closePayload(code, reason) : ''), true);
    finish(reported, reason);
  };
  const reader = frameReader(opts, {
    text: (m) => {
      if (!done) events.text(m);
    },
    ping: (payload) => {
      write(OP_PONG, payload);
    },
    pong: () => {},
    close: (code, reason) => close(code === CLOSE_NO_STATUS ? 0 : code, reason, code),
    fail: (code, reason) => close(code, reason, code),
  });
  sock.on('drain', () => {
    queued = 0;
  });
  sock.on('close', () => finish(CLOSE_ABNORMAL, 'connection lost'));

  return {
    get open() {
      return !done;
    },
    push: (chunk) => {
      heard = true;
      reader.push(chunk);
    },
    write,
    send: (text) => write(OP_TEXT, text),
    close,
    abort: (reason) => {
      if (done) return;
      put('', true);
      finish(CLOSE_ABNORMAL, reason);
    },
    heardSinceLastCheck: () => {
      const h = heard;
      heard = false;
      return h;
    },
  };
}
