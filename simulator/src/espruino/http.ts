// Espruino's `http` module (ESP32 build), on the emulated net core. It reproduces what
// libs/network/socketserver.c and http/jswrap_http.c do, quirks included, because firmware relies
// on them:
// - header names keep the case they were sent with (`req.headers.Connection`, as the `ws` module
//   reads it); the first of a repeated name wins; headers with an empty value are dropped;
// - the server answers "HTTP/1.1 <code> OK" whatever the code, adds "Server: Espruino 2v29" and,
//   unless overridden by the exact same name, "Connection: close"; it never adds Content-Length
//   and closes once res.end() is sent and the request body is in;
// - req 'end' fires once the request body (Content-Length or chunked) is in — at once when there
//   is none — and bytes that come after it still arrive as req 'data'. That is the upgrade path:
//   after res.writeHead(101, …) nothing closes the connection, client bytes arrive as req 'data'
//   and res.write() sends raw bytes (EspruinoDocs modules/ws.js builds its server this way);
// - closing fires res 'end', req 'close'(false), res 'close'(false) — the ESP32 driver reports
//   every failure as a plain close, so the server side never sees 'error';
// - the client sends "METHOD PATH HTTP/1.1", User-Agent and Connection: close, then the caller's
//   headers, then Host; it connects at the first write/end; a body is framed only if the caller
//   sets Content-Length or Transfer-Encoding: chunked (then writes are chunked for it);
// - res.statusCode is a string ("200"); a response with neither Content-Length nor chunked framing
//   ends with the bytes that came with its head (Espruino then has nothing left to wait for);
// - client errors go to req 'error': {code:-15,"no response"} when the connection closes before
//   a response head, {code:-8,"unsent data"} when it closes mid-body with the request unsent.
import { NotSupportedError, type DeviceHost } from './host.js';
import {
  ESPRUINO_VERSION,
  Emitter,
  Inbox,
  NET_CORE,
  Timers,
  espruinoObject,
  isObject,
  parseUrl,
  toByteString,
  typeName,
  type Bound,
  type EspruinoEvents,
  type Link,
  type NetCore,
  type NetModule,
  type SocketError,
} from './net.js';

/** A head larger than this closes the connection (a board would have run out of memory). */
const MAX_HEAD = 8 * 1024;

export interface HttpServerRequest extends EspruinoEvents {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  available(): number;
  read(chars?: number): string;
}

export interface HttpServerResponse extends EspruinoEvents {
  headers: Record<string, unknown>;
  writeHead(statusCode: number, headers?: Record<string, unknown>): void;
  setHeader(name: string, value: unknown): void;
  write(data: unknown): boolean;
  end(data?: unknown): void;
}

export interface HttpServer extends EspruinoEvents {
  listen(port: number): HttpServer;
  close(): void;
}

export interface HttpClientRequest extends EspruinoEvents {
  write(data: unknown): boolean;
  end(data?: unknown): void;
}

export interface HttpClientResponse extends EspruinoEvents {
  readonly statusCode: string;
  readonly statusMessage: string;
  readonly httpVersion: string;
  readonly headers: Record<string, string>;
  available(): number;
  read(chars?: number): string;
}

export interface HttpModule {
  createServer(onRequest: (req: HttpServerRequest, res: HttpServerResponse) => void): HttpServer | undefined;
  request(options: Record<string, unknown> | string, callback?: (res: HttpClientResponse) => void): HttpClientRequest | undefined;
  get(options: Record<string, unknown> | string, callback?: (res: HttpClientResponse) => void): HttpClientRequest | undefined;
}

interface Head {
  line: string;
  headers: Record<string, string>;
  rest: string;
}

function parseHead(buf: string): Head | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [line, ...lines] = buf.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const colon = l.indexOf(':');
    const value = l.slice(colon + 1).replace(/^[ \t]+/, '');
    if (colon > 0 && value && !Object.prototype.hasOwnProperty.call(headers, l.slice(0, colon))) {
      headers[l.slice(0, colon)] = value;
    }
  }
  return { line, headers, rest: buf.slice(end + 4) };
}

/** A header by case-insensitive name (Espruino's jsvObjectGetChildI). */
function headerI(headers: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : headers[key];
}

function isChunked(value: unknown): boolean {
  return value !== undefined && toByteString(value).toLowerCase() === 'chunked';
}

function chunk(s: string): string {
  return `${s.length.toString(16)}\r\n${s}\r\n`;
}

class Dechunker {
  done = false;
  private buf = '';
  private left = 0;
  private skip = 0;

  feed(s: string): string[] {
    const out: string[] = [];
    this.buf += s;
    while (!this.done && this.buf) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, this.buf.length);
        this.buf = this.buf.slice(n);
        this.skip -= n;
      } else if (this.left > 0) {
        const piece = this.buf.slice(0, this.left);
        out.push(piece);
        this.buf = this.buf.slice(piece.length);
        this.left -= piece.length;
        if (this.left === 0) this.skip = 2;
      } else {
        const eol = this.buf.indexOf('\r\n');
        if (eol < 0) break;
        this.left = parseInt(this.buf.slice(0, eol), 16);
        this.buf = this.buf.slice(eol + 2);
        if (!(this.left > 0)) this.done = true;
      }
    }
    return out;
  }
}

/** How much body to wait for: Content-Length, chunked, or none. Bytes past the end still count as data. */
class Body {
  done: boolean;
  private left: number;
  private readonly chunks?: Dechunker;

  constructor(headers: Record<string, string>) {
    if (isChunked(headerI(headers, 'Transfer-Encoding'))) this.chunks = new Dechunker();
    this.left = this.chunks ? 1 : parseInt(String(headerI(headers, 'Content-Length') ?? '0'), 10) || 0;
    this.done = this.left <= 0;
  }

  feed(s: string): string[] {
    if (this.chunks) {
      if (this.done) return [];
      const out = this.chunks.feed(s);
      this.done = this.chunks.done;
      return out;
    }
    this.left -= s.length;
    this.done = this.left <= 0;
    return [s];
  }
}

interface Ctx {
  host: DeviceHost;
  timers: Timers;
  core: NetCore;
}

/** One request/response on a device server connection. */
class ServerExchange {
  private readonly reqEvents: Emitter;
  private readonly resEvents: Emitter;
  private readonly inbox: Inbox;
  private readonly body: Body;
  private readonly req: HttpServerRequest;
  private readonly res: HttpServerResponse;
  private readonly resHeaders: Record<string, unknown> = { Connection: 'close' };
  private headSent = false;
  private chunked = false;
  private ending = false;
  private closing = false;
  private closed = false;
  private reqEnded = false;

  constructor(
    private readonly ctx: Ctx,
    private readonly link: Link,
    head: Head,
    server: Emitter,
  ) {
    const [method = '', url = ''] = head.line.split(' ');
    this.body = new Body(head.headers);
    this.reqEvents = new Emitter(ctx.host, ctx.timers);
    this.resEvents = new Emitter(ctx.host, ctx.timers);
    this.inbox = new Inbox(this.reqEvents, ctx.timers, (p) => link.pause(p));
    this.req = espruinoObject<HttpServerRequest>('httpSRq', {
      ...this.reqEvents.methods(),
      ...this.inbox.methods(),
      method,
      url,
      headers: head.headers,
    });
    this.res = espruinoObject<HttpServerResponse>('httpSRs', {
      ...this.resEvents.methods(),
      headers: this.resHeaders,
      writeHead: (code, headers) => this.writeHead(code, headers),
      setHeader: (name, value) => {
        this.resHeaders[toByteString(name)] = toByteString(value);
      },
      write: (data) => this.write(data),
      end: (data) => this.end(data),
    });
    this.reqEvents.self = this.req;
    this.resEvents.self = this.res;
    link.onData = (s) => this.feed(s);
    link.onDrain = () => {
      if (!this.ending) this.resEvents.fire('drain', [this.res]);
    };
    link.onClose = () => this.finish();
    server.fire('connect', [this.req, this.res]);
    this.feed(head.rest);
  }

  private feed(s: string): void {
    for (const piece of this.body.feed(s)) this.inbox.push(piece);
    if (this.body.done && !this.reqEnded) {
      this.reqEnded = true;
      this.reqEvents.fire('end', []);
    }
    this.maybeClose();
  }

  private writeHead(code: unknown, headers: unknown): void {
    if (headers !== undefined && !isObject(headers)) return this.ctx.host.log('ERROR: Headers sent to writeHead should be an object');
    if (this.headSent) return this.ctx.host.log('ERROR: Headers have already been sent');
    const all: Record<string, unknown> = { ...this.resHeaders, ...(headers ?? {}) };
    let text = `HTTP/1.1 ${Number(code) | 0} OK\r\nServer: Espruino ${ESPRUINO_VERSION}\r\n`;
    for (const k of Object.keys(all)) text += `${k}: ${toByteString(all[k])}\r\n`;
    this.chunked = isChunked(headerI(all, 'Transfer-Encoding'));
    this.headSent = true;
    this.link.write(`${text}\r\n`);
  }

  private write(data: unknown): boolean {
    if (this.closed || this.ending) throw new Error('This socket is closed');
    if (!this.headSent) this.writeHead(200, undefined);
    if (data !== undefined) this.link.write(this.chunked ? chunk(toByteString(data)) : toByteString(data));
    return false;
  }

  private end(data: unknown): void {
    if (data !== undefined) this.write(data);
    this.write(this.chunked ? '' : undefined);
    this.ending = true;
    this.maybeClose();
  }

  private maybeClose(): void {
    if (!this.ending || !this.body.done || this.closing) return;
    this.closing = true;
    this.link.end();
  }

  private finish(): void {
    this.closed = true;
    this.resEvents.fire('end', []);
    this.reqEvents.fire('close', [false]);
    this.resEvents.fire('close', [false]);
  }
}

function acceptHttp(ctx: Ctx, link: Link, server: Emitter): void {
  let buf = '';
  link.onData = (s) => {
    buf += s;
    const head = parseHead(buf);
    if (head) new ServerExchange(ctx, link, head, server);
    else if (buf.length > MAX_HEAD) {
      ctx.host.log(`http: request head over ${MAX_HEAD} bytes, connection closed`);
      link.close();
    }
  };
}

/** One device http.request. */
class ClientExchange {
  readonly req: HttpClientRequest;
  private readonly res: HttpClientResponse;
  private readonly reqEvents: Emitter;
  private readonly resEvents: Emitter;
  private readonly inbox: Inbox;
  private readonly fields: { statusCode?: string; statusMessage?: string; httpVersion?: string; headers?: Record<string, string> } = {};
  private link?: Link;
  private started = false;
  private chunked = false;
  private ending = false;
  private closed = false;
  private weClosed = false;
  private resEnded = false;
  private buf = '';
  private body?: Body;

  constructor(
    private readonly ctx: Ctx,
    private readonly options: Record<string, unknown>,
    callback: unknown,
  ) {
    this.reqEvents = new Emitter(ctx.host, ctx.timers);
    this.resEvents = new Emitter(ctx.host, ctx.timers);
    this.inbox = new Inbox(this.resEvents, ctx.timers, (p) => this.link?.pause(p));
    if (callback) this.reqEvents.add('connect', callback); // the board keeps the callback as req's 'connect'
    this.req = espruinoObject<HttpClientRequest>('httpCRq', {
      ...this.reqEvents.methods(),
      write: (data) => this.write(data),
      end: (data) => {
        if (this.closed || this.ending) throw new Error('This socket is closed');
        if (data !== undefined) this.write(data);
        if (!this.started || this.chunked) this.write(this.chunked ? '' : undefined);
        this.ending = true;
        this.maybeClose();
      },
    });
    const f = this.fields;
    this.res = espruinoObject<HttpClientResponse>('httpCRs', {
      ...this.resEvents.methods(),
      ...this.inbox.methods(),
      get statusCode() { return f.statusCode as string; },
      get statusMessage() { return f.statusMessage as string; },
      get httpVersion() { return f.httpVersion as string; },
      get headers() { return f.headers as Record<string, string>; },
    });
    this.reqEvents.self = this.req;
    this.resEvents.self = this.res;
  }

  private write(data: unknown): boolean {
    if (this.closed || this.ending) throw new Error('This socket is closed');
    let out = this.started ? '' : this.head();
    if (data !== undefined) out += this.chunked ? chunk(toByteString(data)) : toByteString(data);
    if (this.started) this.link?.write(out);
    else this.connect(out);
    return false;
  }

  private head(): string {
    const o = this.options;
    let text = `${String(o.method)} ${String(o.path)} HTTP/1.1\r\nUser-Agent: Espruino ${ESPRUINO_VERSION}\r\nConnection: close\r\n`;
    let hasHost = false;
    if (isObject(o.headers)) {
      const headers = o.headers;
      for (const k of Object.keys(headers)) text += `${k}: ${toByteString(headers[k])}\r\n`;
      hasHost = Object.keys(headers).some((k) => k.toLowerCase() === 'host');
      this.chunked = isChunked(headers['Transfer-Encoding']);
    }
    const port = Number(o.port) | 0;
    if (!hasHost) text += port > 0 && port !== 80 ? `Host: ${String(o.host)}:${port}\r\n` : `Host: ${String(o.host)}\r\n`;
    return `${text}\r\n`;
  }

  private connect(out: string): void {
    this.started = true;
    let link: Link | null;
    try {
      link = this.ctx.core.connect(this.options.host, (Number(this.options.port) & 0xffff) || 80);
    } catch (e) {
      this.closed = true;
      this.ctx.timers.set(() => this.finish(undefined));
      throw e;
    }
    if (!link) {
      this.closed = true;
      this.ctx.timers.set(() => this.finish({ code: -4, message: 'no route' }));
      return;
    }
    this.link = link;
    link.onData = (s) => this.receive(s);
    link.onDrain = () => {
      if (!this.ending) this.reqEvents.fire('drain', [this.req]);
    };
    link.onClose = (unsent) => this.finish(this.closeError(unsent));
    link.write(out);
  }

  private receive(s: string): void {
    if (!this.body) {
      this.buf += s;
      const head = parseHead(this.buf);
      if (!head) {
        if (this.buf.length > MAX_HEAD) this.link?.close();
        return;
      }
      this.buf = '';
      const sp1 = head.line.indexOf(' ');
      const sp2 = head.line.indexOf(' ', sp1 + 1);
      this.fields.httpVersion = head.line.slice(5, sp1);
      this.fields.statusCode = head.line.slice(sp1 + 1, sp2 < 0 ? undefined : sp2);
      this.fields.statusMessage = sp2 < 0 ? '' : head.line.slice(sp2 + 1);
      this.fields.headers = head.headers;
      this.body = new Body(head.headers);
      this.reqEvents.fire('connect', [this.res]);
      s = head.rest;
    }
    for (const piece of this.body.feed(s)) this.inbox.push(piece);
    if (this.body.done && !this.resEnded) {
      this.resEnded = true;
      this.resEvents.fire('end', []);
    }
    this.maybeClose();
  }

  private maybeClose(): void {
    if (!this.ending || !this.body?.done || this.weClosed) return;
    this.weClosed = true;
    this.link?.end();
  }

  private closeError(unsent: boolean): SocketError | undefined {
    if (this.weClosed) return undefined;
    if (!this.body) return { code: -15, message: 'no response' };
    return !this.body.done && unsent ? { code: -8, message: 'unsent data' } : undefined;
  }

  private finish(error: SocketError | undefined): void {
    this.closed = true;
    if (error) this.reqEvents.fire('error', [error]);
    if (!this.resEnded) {
      this.resEnded = true;
      this.resEvents.fire('end', []);
    }
    this.resEvents.fire('close', [error !== undefined]);
  }
}

export function createHttpModule(host: DeviceHost, net: NetModule): HttpModule {
  const timers = new Timers(host.clock);
  host.onStop(() => timers.clearAll());
  const ctx: Ctx = { host, timers, core: net[NET_CORE] };

  const createServer = (onRequest: unknown): HttpServer | undefined => {
    if (typeof onRequest !== 'function') {
      host.log(`ERROR: Expecting Callback Function but got ${typeName(onRequest)}`);
      return undefined;
    }
    const events = new Emitter(host, timers);
    events.add('connect', onRequest);
    let bound: Bound | undefined;
    const server: HttpServer = espruinoObject<HttpServer>('httpSrv', {
      ...events.methods(),
      listen: (port) => {
        bound ??= ctx.core.listen(Number(port) & 0xffff, (link) => acceptHttp(ctx, link, events));
        return server;
      },
      close: () => {
        ctx.core.unlisten(bound);
        bound = undefined;
      },
    });
    events.self = server;
    return server;
  };

  const request = (options: unknown, callback?: unknown): HttpClientRequest | undefined => {
    const opts = typeof options === 'string' ? parseUrl(options) : options;
    if (!isObject(opts)) {
      host.log(`ERROR: Expecting Options to be an Object but it was ${typeName(opts)}`);
      return undefined;
    }
    if (opts.protocol === 'https:') throw new NotSupportedError('https (TLS)');
    if (callback !== undefined && typeof callback !== 'function') {
      host.log(`ERROR: Expecting Callback Function but got ${typeName(callback)}`);
      return undefined;
    }
    return new ClientExchange(ctx, opts, callback).req;
  };

  const get = (options: unknown, callback?: unknown): HttpClientRequest | undefined => {
    if (isObject(options)) options.method = 'GET';
    const req = request(options, callback);
    req?.end();
    return req;
  };

  return espruinoObject<HttpModule>('http', { createServer, request, get });
}
