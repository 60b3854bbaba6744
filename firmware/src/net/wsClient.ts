// The firmware's WebSocket client over Espruino's `net` (ws:// only): the upgrade request with
// a random key, the server's answer checked, then masked text frames through a WsLink.
// `close` is reported exactly once per connectWs call; reconnecting is the app's job.
import { CLOSE_ABNORMAL, clientFrame } from './wsFrame.js';
import { headReader, checkUpgradeResponse, makeKey, parseWsUrl, upgradeRequest } from './wsHandshake.js';
import { wsLink, type WsLink } from './wsLink.js';
import { espruinoBytes } from './espruinoBytes.js';

export interface WsClientHandlers {
  open(): void;
  message(text: string): void;
  /** Once: the close code (1006 when the socket dropped without a close frame, or never connected). */
  close(code: number, reason: string): void;
}

export interface WsConnection {
  /** False when not open or the send buffer is full (the message is dropped). */
  send(text: string): boolean;
  close(code: number, reason: string): void;
  readonly open: boolean;
}

export interface WsClientOptions {
  maxMessageBytes: number;
  /** Bytes that may wait to be sent. Default 8192. */
  maxBufferedBytes?: number;
  /** Time from connect to an accepted upgrade. Default 10000 ms. */
  handshakeTimeoutMs?: number;
}

function maskKey(): Uint8Array {
  const k = new Uint8Array(4);
  for (let i = 0; i < 4; i++) k[i] = Math.floor(Math.random() * 256);
  return k;
}

function maskedFrame(opcode: number, payload: string): string {
  return clientFrame(opcode, payload, maskKey(), espruinoBytes);
}

export function connectWs(url: string, opts: WsClientOptions, h: WsClientHandlers): WsConnection {
  let link: WsLink | null = null;
  let sock: NetSocket | null = null;
  let finished = false;
  let timer = 0;
  const finish = (code: number, reason: string) => {
    if (finished) return;
    finished = true;
    if (timer) clearTimeout(timer);
    h.close(code, reason);
  };
  /** Fails before the upgrade: the socket (if any) is ended and the close reported as 1006. */
  const fail = (reason: string) => {
    if (sock) {
      try {
        sock.end();
      } catch {
        // Already closed.
      }
    }
    finish(CLOSE_ABNORMAL, reason);
  };

  const conn: WsConnection = {
    send: (text) => (link ? link.send(text) : false),
    close: (code, reason) => {
      if (link) link.close(code, reason, code);
      else if (!finished) {
        if (sock) sock.end();
        finish(code, reason);
      }
    },
    get open() {
      return link !== null && link.open;
    },
  };

  const target = parseWsUrl(url);
  if ('error' in target) {
    const reason = target.error;
    setTimeout(() => finish(CLOSE_ABNORMAL, reason), 0);
    return conn;
  }
  const key = makeKey(Math.random);
  const crypto = require('crypto');
  const sha1 = (s: string) => crypto.SHA1(s);
  const head = headReader();
  try {
    sock = require('net').connect({ host: target.host, port: target.port }, () => {
      if (sock) sock.write(upgradeRequest(target.host, target.port, target.path, key));
    });
  } catch (e) {
    const reason = 'cannot connect: ' + (e as { message: string }).message;
    setTimeout(() => finish(CLOSE_ABNORMAL, reason), 0);
    return conn;
  }
  const s = sock;
  timer = setTimeout(() => {
    timer = 0;
    if (!link) fail('no upgrade answer in time');
  }, opts.handshakeTimeoutMs ?? 10000);
  s.on('data', (d: string) => {
    if (link) return link.push(d);
    if (finished) return;
    const r = head.push(d);
    if (r === null) return;
    if (r === 'too long') return fail('response head too long');
    const problem = checkUpgradeResponse(r.head, key, sha1);
    if (problem) return fail(problem);
    clearTimeout(timer);
    timer = 0;
    const l = wsLink(
      s,
      {
        maxMessageBytes: opts.maxMessageBytes,
        maxBufferedBytes: opts.maxBufferedBytes ?? 8192,
        fromClient: false,
        bytes: espruinoBytes,
        frame: maskedFrame,
      },
      { text: (m) => h.message(m), closed: (code, reason) => finish(code, reason) },
    );
    link = l;
    h.open();
    if (r.rest) l.push(r.rest);
  });
  let lastError = '';
  s.on('error', (e: { message?: string }) => {
    lastError = e && e.message ? e.message : 'socket error';
  });
  s.on('close', () => {
    if (!link) fail(lastError || 'connection closed before the upgrade');
  });
  return conn;
}
