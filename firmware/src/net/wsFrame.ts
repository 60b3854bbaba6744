// RFC 6455 frames as pure functions over byte strings (what Espruino sockets carry): an
// incremental reader fed socket chunks, and writers for server (unmasked) and client (masked)
// frames. Payloads are copied into one typed array per frame and unmasked a 32-bit word at a
// time, so a message costs no per-byte string building on the board.

export const OP_CONTINUATION = 0;
export const OP_TEXT = 1;
export const OP_BINARY = 2;
export const OP_CLOSE = 8;
export const OP_PING = 9;
export const OP_PONG = 10;

export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_PROTOCOL_ERROR = 1002;
export const CLOSE_UNSUPPORTED_DATA = 1003;
export const CLOSE_NO_STATUS = 1005;
export const CLOSE_ABNORMAL = 1006;
export const CLOSE_TOO_BIG = 1009;
export const CLOSE_INTERNAL_ERROR = 1011;

/** A control frame's payload limit, and so of a close reason (2 bytes go to the code). */
const CONTROL_MAX = 125;

/** Converts between byte strings and bytes: E.toUint8Array/E.toString on the board, latin1 in Node. */
export interface ByteCodec {
  fromString(s: string): Uint8Array;
  toString(b: Uint8Array): string;
}

/** What a reader reports, in the order the frames arrive. */
export interface FrameEvents {
  /** A whole text message (fragments joined). */
  text(message: string): void;
  ping(payload: string): void;
  pong(payload: string): void;
  /** The peer's close frame; 1005 when it carried no code. */
  close(code: number, reason: string): void;
  /** The peer broke the protocol; answer with a close frame of `code` and drop the connection. */
  fail(code: number, reason: string): void;
}

/** Close codes a peer may send (RFC 6455 §7.4: 1004–1006 and 1015 are never on the wire). */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/** The payload of a close frame: the code, then the reason cut to fit a control frame. */
export function closePayload(code: number, reason: string): string {
  return String.fromCharCode(code >> 8, code & 255) + reason.substring(0, CONTROL_MAX - 2);
}

function header(opcode: number, length: number, masked: boolean): string {
  const first = String.fromCharCode(0x80 | opcode);
  const m = masked ? 0x80 : 0;
  if (length < 126) return first + String.fromCharCode(m | length);
  if (length < 65536) return first + String.fromCharCode(m | 126, length >> 8, length & 255);
  return first + String.fromCharCode(m | 127, 0, 0, 0, 0, (length >>> 24) & 255, (length >> 16) & 255, (length >> 8) & 255, length & 255);
}

/** A final, unmasked frame, as a server sends it. */
export function serverFrame(opcode: number, payload: string): string {
  return header(opcode, payload.length, false) + payload;
}

/** A word-aligned copy of `bytes` with room to unmask it a 32-bit word at a time. */
function aligned(length: number): Uint8Array {
  return new Uint8Array((length + 3) & ~3);
}

/** XORs `data` (length a multiple of 4) with the 4-byte mask, word by word. */
function applyMask(data: Uint8Array, mask: Uint8Array): void {
  const m = new Uint8Array(4);
  m.set(mask);
  const key = new Uint32Array(m.buffer)[0];
  const words = new Uint32Array(data.buffer, data.byteOffset, data.length >> 2);
  for (let i = 0; i < words.length; i++) words[i] ^= key;
}

/** A final frame masked with `maskKey` (4 random bytes), as a client must send it. */
export function clientFrame(opcode: number, payload: string, maskKey: Uint8Array, bytes: ByteCodec): string {
  const n = payload.length;
  const data = aligned(n);
  data.set(bytes.fromString(payload));
  applyMask(data, maskKey);
  return header(opcode, n, true) + bytes.toString(maskKey) + bytes.toString(data.subarray(0, n));
}

export interface FrameReaderOptions {
  /** Largest message (all fragments together) accepted; more closes with 1009. */
  maxMessageBytes: number;
  /** Frames come from a client, so they must be masked (a server's must not be). */
  fromClient: boolean;
  bytes: ByteCodec;
}

export interface FrameReader {
  push(chunk: string): void;
  /** Stops reading (the connection is closing); later chunks are ignored. */
  stop(): void;
}

/**
 * Reads frames from socket chunks of any size. Only text messages are accepted: binary frames
 * fail with 1003, oversize messages with 1009, anything malformed with 1002. After a close
 * frame or a failure it reads nothing more. (A closure, not a class: its state then minifies
 * to one-letter names, which matters in a 24 KB bundle.)
 */
export function frameReader(opts: FrameReaderOptions, on: FrameEvents): FrameReader {
  const head = new Uint8Array(14);
  let headLen = 0;
  let headNeed = 2;
  let opcode = 0;
  let fin = false;
  let masked = false;
  let payload: Uint8Array | null = null;
  let payloadLen = 0;
  let filled = 0;
  let parts: string[] = [];
  let partsBytes = 0;
  let inMessage = false;
  let done = false;

  const stop = () => {
    done = true;
    payload = null;
    parts = [];
  };
  const fail = (code: number, reason: string) => {
    stop();
    on.fail(code, reason);
  };

  /** Checks the first two header bytes; fails the reader and returns true on a violation. */
  const refuseStart = (reserved: number, len7: number): boolean => {
    const op = opcode;
    let problem = '';
    let code = CLOSE_PROTOCOL_ERROR;
    if (reserved) problem = 'reserved bits set';
    else if (op > OP_BINARY && op < OP_CLOSE || op > OP_PONG) problem = 'unknown opcode ' + op;
    else if (masked !== opts.fromClient) problem = masked ? 'masked frame from the server' : 'unmasked frame from a client';
    else if (op >= OP_CLOSE && (!fin || len7 > CONTROL_MAX)) problem = 'control frame fragmented or too long';
    else if (op === OP_BINARY) {
      problem = 'binary frames are not accepted';
      code = CLOSE_UNSUPPORTED_DATA;
    } else if (op === OP_CONTINUATION && !inMessage) problem = 'continuation frame without a message';
    else if (op === OP_TEXT && inMessage) problem = 'new message inside a fragmented one';
    if (problem) fail(code, problem);
    return problem !== '';
  };

  const endData = (text: string, n: number) => {
    if (!fin) {
      parts.push(text);
      partsBytes += n;
      inMessage = true;
      return;
    }
    let message = text;
    if (inMessage) {
      parts.push(text);
      message = parts.join('');
      parts = [];
      partsBytes = 0;
      inMessage = false;
    }
    on.text(message);
  };

  const endFrame = (p: Uint8Array) => {
    const n = payloadLen;
    if (masked) applyMask(p, head.subarray(headNeed - 4, headNeed));
    const text = n ? opts.bytes.toString(p.subarray(0, n)) : '';
    payload = null;
    headLen = 0;
    headNeed = 2;
    if (opcode === OP_TEXT || opcode === OP_CONTINUATION) return endData(text, n);
    if (opcode === OP_PING) return on.ping(text);
    if (opcode === OP_PONG) return on.pong(text);
    // A close frame: a code of two bytes, or nothing; one byte is malformed.
    if (n === 1) return fail(CLOSE_PROTOCOL_ERROR, 'close frame with a one-byte payload');
    const code = n ? (text.charCodeAt(0) << 8) | text.charCodeAt(1) : CLOSE_NO_STATUS;
    if (n && !isValidCloseCode(code)) return fail(CLOSE_PROTOCOL_ERROR, 'invalid close code ' + code);
    stop();
    on.close(code, text.substring(2));
  };

  /** Called with 2 header bytes, then again once the extended length and mask are in. */
  const readHead = () => {
    const h = head;
    if (headNeed === 2) {
      fin = (h[0] & 0x80) !== 0;
      opcode = h[0] & 15;
      masked = (h[1] & 0x80) !== 0;
      if (refuseStart(h[0] & 0x70, h[1] & 127)) return;
      const len7 = h[1] & 127;
      headNeed = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
      if (headNeed > 2) return;
    }
    const len7 = h[1] & 127;
    let length = len7;
    if (len7 === 126) {
      length = (h[2] << 8) | h[3];
      if (length < 126) return fail(CLOSE_PROTOCOL_ERROR, 'frame length not minimally encoded');
    } else if (len7 === 127) {
      // Above 2^32 cannot fit any limit: refuse on the high word before reading the low one.
      if (h[2] | h[3] | h[4] | h[5]) return fail(CLOSE_TOO_BIG, 'message too big');
      length = h[6] * 16777216 + ((h[7] << 16) | (h[8] << 8) | h[9]);
    }
    // Control frames may come between fragments; only data frames add to the message.
    if ((opcode < OP_CLOSE ? partsBytes : 0) + length > opts.maxMessageBytes) return fail(CLOSE_TOO_BIG, 'message too big');
    payloadLen = length;
    filled = 0;
    payload = aligned(length);
    if (length === 0) endFrame(payload);
  };

  return {
    stop,
    push: (chunk) => {
      if (done || chunk.length === 0) return;
      const data = opts.bytes.fromString(chunk);
      let pos = 0;
      while (pos < data.length && !done) {
        const into = payload;
        if (into === null) {
          const n = Math.min(headNeed - headLen, data.length - pos);
          head.set(data.subarray(pos, pos + n), headLen);
          headLen += n;
          pos += n;
          if (headLen === headNeed) readHead();
        } else {
          const n = Math.min(payloadLen - filled, data.length - pos);
          into.set(data.subarray(pos, pos + n), filled);
          filled += n;
          pos += n;
          if (filled === payloadLen) endFrame(into);
        }
      }
    },
  };
}
