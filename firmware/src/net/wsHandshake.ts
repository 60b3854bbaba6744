// The WebSocket opening handshake (RFC 6455 §4) as pure functions over the HTTP head's text:
// reading the head from socket chunks, answering a client's upgrade request (or a plain
// request with a small 400/404/405/426), and writing and checking the client's side.

export const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** A request or response head longer than this is refused (431) — the board's RAM is small. */
export const MAX_HEAD_BYTES = 2048;

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** An HTTP head: the start line's three parts and the header fields, names in lower case. */
export interface HttpHead {
  start: string[];
  names: string[];
  values: string[];
}

export interface HeadReader {
  /** The head once complete, `null` while more is needed, or `'too long'`. */
  push(chunk: string): { head: string; rest: string } | null | 'too long';
}

/** Collects an HTTP head from chunks; `rest` is what followed it in the same chunk (early frames). */
export function headReader(): HeadReader {
  let text = '';
  return {
    push: (chunk) => {
      const from = Math.max(0, text.length - 3);
      text += chunk;
      const end = text.indexOf('\r\n\r\n', from);
      if (end < 0) return text.length > MAX_HEAD_BYTES ? 'too long' : null;
      if (end > MAX_HEAD_BYTES) return 'too long';
      const head = text.substring(0, end);
      const rest = text.substring(end + 4);
      text = '';
      return { head, rest };
    },
  };
}

/** Parses a head; `null` when the start line or a header line is malformed. */
export function parseHead(head: string): HttpHead | null {
  const lines = head.split('\r\n');
  const start = lines[0].split(' ');
  if (start.length < 3) return null;
  const names: string[] = [];
  const values: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    if (colon <= 0) return null;
    names.push(lines[i].substring(0, colon).trim().toLowerCase());
    values.push(lines[i].substring(colon + 1).trim());
  }
  return { start: [start[0], start[1], start.slice(2).join(' ')], names, values };
}

/** A header's value (repeated fields joined with ", "), or `''`. */
export function headerValue(h: HttpHead, name: string): string {
  const found: string[] = [];
  for (let i = 0; i < h.names.length; i++) if (h.names[i] === name) found.push(h.values[i]);
  return found.join(', ');
}

/** Whether a comma-separated header value lists `token` (case-insensitive). */
export function hasToken(value: string, token: string): boolean {
  const parts = value.toLowerCase().split(',');
  for (let i = 0; i < parts.length; i++) if (parts[i].trim() === token) return true;
  return false;
}

/** A Sec-WebSocket-Key: base64 of 16 bytes (22 characters and "=="). */
export function isValidKey(key: string): boolean {
  if (key.length !== 24 || key.substring(22) !== '==') return false;
  for (let i = 0; i < 22; i++) if (BASE64.indexOf(key.charAt(i)) < 0) return false;
  return true;
}

function bytesToString(buf: ArrayBuffer): string {
  const b = new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** Sec-WebSocket-Accept for a key; `sha1` returns the digest as Espruino's crypto.SHA1 does. */
export function acceptKey(key: string, sha1: (data: string) => ArrayBuffer): string {
  return btoa(bytesToString(sha1(key + WS_GUID)));
}

const REASONS: { [status: string]: string } = {
  '400': 'Bad Request',
  '404': 'Not Found',
  '405': 'Method Not Allowed',
  '426': 'Upgrade Required',
  '431': 'Request Header Fields Too Large',
  '503': 'Service Unavailable',
};

/** A small plain-text response that closes the connection. */
export function httpError(status: number, message: string): string {
  const body = message + '\n';
  const extra = status === 426 ? 'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' : '';
  return 'HTTP/1.1 ' + status + ' ' + REASONS[String(status)] + '\r\nContent-Type: text/plain\r\nContent-Length: ' + body.length
    + '\r\n' + extra + 'Connection: close\r\n\r\n' + body;
}

/** The answer to a request head: the 101 response when it is a valid upgrade on `path`, else an error response. */
export function answerUpgrade(head: string, path: string, sha1: (data: string) => ArrayBuffer): { upgrade: boolean; response: string } {
  const refuse = (status: number, message: string) => ({ upgrade: false, response: httpError(status, message) });
  const h = parseHead(head);
  if (!h || h.start[2].substring(0, 5) !== 'HTTP/') return refuse(400, 'malformed request');
  const target = h.start[1];
  const q = target.indexOf('?');
  if ((q < 0 ? target : target.substring(0, q)) !== path) return refuse(404, 'no such path; the WebSocket is at ' + path);
  if (h.start[0] !== 'GET') return refuse(405, 'use GET with a WebSocket upgrade');
  if (!hasToken(headerValue(h, 'upgrade'), 'websocket') || !hasToken(headerValue(h, 'connection'), 'upgrade')) {
    return refuse(426, 'this path serves WebSocket connections only');
  }
  if (headerValue(h, 'sec-websocket-version') !== '13') return refuse(426, 'WebSocket version 13 only');
  const key = headerValue(h, 'sec-websocket-key');
  if (!isValidKey(key)) return refuse(400, 'missing or malformed Sec-WebSocket-Key');
  return {
    upgrade: true,
    response: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ' + acceptKey(key, sha1) + '\r\n\r\n',
  };
}

/** A ws:// URL's parts; wss:// and other schemes are refused. */
export function parseWsUrl(url: string): { host: string; port: number; path: string } | { error: string } {
  if (url.substring(0, 5) === 'wss:/') return { error: 'wss:// is not supported (no TLS here): ' + url };
  if (url.substring(0, 5) !== 'ws://') return { error: 'not a ws:// URL: ' + url };
  const rest = url.substring(5);
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.substring(0, slash);
  const path = slash < 0 ? '/' : rest.substring(slash);
  const colon = authority.lastIndexOf(':');
  const host = colon < 0 ? authority : authority.substring(0, colon);
  const portText = colon < 0 ? '80' : authority.substring(colon + 1);
  let port = 0;
  for (let i = 0; i < portText.length; i++) {
    const c = portText.charCodeAt(i);
    if (c < 48 || c > 57) return { error: 'bad port in ' + url };
    port = port * 10 + c - 48;
  }
  if (!host || !portText || port < 1 || port > 65535) return { error: 'bad host or port in ' + url };
  return { host, port, path };
}

/** A Sec-WebSocket-Key from 16 random bytes. */
export function makeKey(random: () => number): string {
  let s = '';
  for (let i = 0; i < 16; i++) s += String.fromCharCode(Math.floor(random() * 256) & 255);
  return btoa(s);
}

/** The client's upgrade request. */
export function upgradeRequest(host: string, port: number, path: string, key: string): string {
  return 'GET ' + path + ' HTTP/1.1\r\nHost: ' + host + ':' + port + '\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: '
    + key + '\r\nSec-WebSocket-Version: 13\r\n\r\n';
}

/** Why a server's response head does not accept the upgrade, or `''` when it does. */
export function checkUpgradeResponse(head: string, key: string, sha1: (data: string) => ArrayBuffer): string {
  const h = parseHead(head);
  if (!h) return 'malformed response';
  if (h.start[1] !== '101') return 'server answered ' + h.start[1] + ' ' + h.start[2];
  if (!hasToken(headerValue(h, 'upgrade'), 'websocket') || !hasToken(headerValue(h, 'connection'), 'upgrade')) return 'server did not upgrade to WebSocket';
  if (headerValue(h, 'sec-websocket-accept') !== acceptKey(key, sha1)) return 'wrong Sec-WebSocket-Accept';
  return '';
}
