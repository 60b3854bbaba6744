// Espruino's `net` module (ESP32 build), bridged to real loopback sockets. Also the pieces the
// other emulated network modules share: Espruino-style objects (Object.on/emit, byte strings,
// NotSupportedError on unknown properties), the stream input buffer, and the socket core
// (NetCore) that http builds on.
//
// ESP32 facts this follows (libs/network/socketserver.c, esp32/network_esp32.c, jswrap_net.c):
// - the ESP32 driver reports every socket failure as -1, "connection closed", which is not an
//   error: peer resets, refusals and timeouts give 'end' then 'close'(false), no 'error'. The
//   only error a raw socket sees is -8 "unsent data" (closed while data waited to be sent);
// - 'end' and 'close' also follow a local end(), once everything is sent; there is no half-close;
// - 'data' carries at most 536 bytes (the driver's chunk size); with no 'data' listener, bytes are
//   kept for read()/available() and delivered, queued, when a listener is added;
// - write() converts with jsvAsString: byte strings as they are (a char code above 0xFF keeps its
//   low byte), arrays and typed arrays as comma-joined text ("1,2,3"), like the board; returns false;
// - with the WiFi station down, connect() prints "ERROR: Connect failed (err 113)" and throws
//   "Unable to create socket" (lwIP has no route; espruino/Espruino#1254 shows the same output).
//
// Simulator rules: sockets reach only 127.0.0.0/8 and `localhost` (anything else fails before any
// real connect, with an 'error' {code:-4,"no route"} the board would not give, so it is loud);
// device servers bind 127.0.0.1:host.hostPort(port). While the device is offline its sockets are
// reset and its servers reset every new connection; host.onStop closes everything silently.
// Node buffers writes, but one socket may hold at most MAX_UNSENT unsent bytes (more than an
// ESP32 heap): past that write() throws instead of growing. Unread input pauses the real socket.
import * as nodeNet from 'node:net';
import type { Clock } from './clock.js';
import { NotSupportedError, type DeviceHost } from './host.js';

export const ESPRUINO_VERSION = '2v29';
/** The ESP32 driver's chunk size: one 'data' event carries at most this many bytes. */
export const CHUNK_SIZE = 536;
/** Espruino keeps at most this much input for read() (STREAM_MAX_BUFFER_SIZE); we pause the socket there. */
const READ_BUFFER_MAX = 512;
/** Unsent bytes one socket may hold; an ESP32 heap is ~200 KB, so a real device failed long before. */
export const MAX_UNSENT = 128 * 1024;

export type Listener = (...args: any[]) => void;

export interface EspruinoEvents {
  on(event: string, listener: Listener): void;
  addListener(event: string, listener: Listener): void;
  prependListener(event: string, listener: Listener): void;
  removeListener(event: string, listener: Listener): void;
  removeAllListeners(event?: string): void;
  emit(event: string, ...args: unknown[]): void;
}

/** Espruino's socket error argument. */
export interface SocketError {
  code: number;
  message: string;
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** The type names Espruino's "%t" prints in its argument errors. */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'Array';
  const t = typeof v;
  if (t === 'undefined') return 'undefined';
  return t === 'object' ? 'Object' : t[0].toUpperCase() + t.slice(1);
}

/** Espruino's jsvAsString for data given to write(): what the board would send, as a byte string. */
export function toByteString(data: unknown): string {
  if (data === undefined) return '';
  if (typeof data === 'string') return data;
  if (Array.isArray(data)) return data.map((e) => (e == null ? '' : toByteString(e))).join(',');
  if (ArrayBuffer.isView(data) && 'length' in data) return Array.prototype.join.call(data, ',');
  if (Object.prototype.toString.call(data) === '[object ArrayBuffer]') return new Uint8Array(data as ArrayBuffer).join(',');
  if (typeof data === 'object' && data !== null) {
    const toString = (data as { toString?: unknown }).toString;
    return typeof toString === 'function' ? String(toString.call(data)) : '[object Object]';
  }
  return String(data);
}

const UNKNOWN_OK = new Set(['then', 'toJSON', 'inspect']);

/**
 * Wraps an emulated object: reading a property the emulation lacks throws NotSupportedError
 * (`then`/`toJSON`/`inspect` read as undefined so promises and printing still work); firmware may
 * still add its own properties.
 */
export function espruinoObject<T extends object>(className: string, target: T): T {
  return new Proxy(target, {
    get(t, p, receiver) {
      if (typeof p === 'symbol' || p in t || UNKNOWN_OK.has(p)) return Reflect.get(t, p, receiver);
      throw new NotSupportedError(`${className}.${p}`);
    },
  });
}

/** Clock timers that can all be cancelled at once (device stop). */
export class Timers {
  private readonly ids = new Set<number>();
  constructor(private readonly clock: Clock) {}

  set(fn: () => void, ms = 0): number {
    const id = this.clock.setTimer(() => {
      this.ids.delete(id);
      fn();
    }, ms);
    this.ids.add(id);
    return id;
  }

  clear(id: number | undefined): void {
    if (id === undefined || !this.ids.delete(id)) return;
    this.clock.clearTimer(id);
  }

  clearAll(): void {
    for (const id of this.ids) this.clock.clearTimer(id);
    this.ids.clear();
  }
}

/** Espruino's Object.on/emit (every object on the board has them) for objects the host makes. */
export class Emitter {
  private readonly lists = new Map<string, unknown[]>();
  /** `this` for listeners: the object the firmware sees. */
  self: object = {};
  /** Called after a listener is added (streams flush buffered 'data'). */
  onAdd?: (event: string) => void;

  constructor(
    private readonly host: DeviceHost,
    private readonly timers: Timers,
  ) {}

  has(event: string): boolean {
    return (this.lists.get(event)?.length ?? 0) > 0;
  }

  /** Runs every listener of `event` now, each through host.invoke. */
  fire(event: string, args: unknown[]): void {
    for (const fn of [...(this.lists.get(event) ?? [])]) this.host.invoke(fn, this.self, args);
  }

  add(event: unknown, listener: unknown, first = false): void {
    if (typeof event !== 'string') throw new TypeError('First argument must be String');
    if (typeof listener !== 'function') throw new TypeError('Second argument must be a function or a String');
    const list = [...(this.lists.get(event) ?? [])];
    if (first) list.unshift(listener);
    else list.push(listener);
    this.lists.set(event, list);
    this.onAdd?.(event);
  }

  methods(): EspruinoEvents {
    return {
      on: (event, listener) => this.add(event, listener),
      addListener: (event, listener) => this.add(event, listener),
      prependListener: (event, listener) => this.add(event, listener, true),
      removeListener: (event, listener) => {
        if (typeof event !== 'string') throw new TypeError('First argument must be String');
        const list = this.lists.get(event);
        const i = list?.indexOf(listener) ?? -1;
        if (list && i >= 0) this.lists.set(event, list.filter((_, j) => j !== i));
      },
      removeAllListeners: (event) => {
        if (event === undefined) this.lists.clear();
        else if (typeof event === 'string') this.lists.delete(event);
        else throw new TypeError('First argument must be String');
      },
      emit: (event, ...args) => {
        if (typeof event !== 'string') throw new TypeError('First argument must be String');
        if (args.length > 4) throw new TypeError('Too many arguments (>4)');
        this.timers.set(() => this.fire(event, args)); // queued, as on the board
      },
    };
  }
}

/** Espruino's stream input: 'data' events while a listener exists, else a buffer for read(). */
export class Inbox {
  private buf = '';
  private flushing = false;

  constructor(
    private readonly events: Emitter,
    private readonly timers: Timers,
    private readonly pause: (paused: boolean) => void,
  ) {
    events.onAdd = (event) => {
      if (event !== 'data' || !this.buf || this.flushing) return;
      this.flushing = true;
      this.timers.set(() => {
        this.flushing = false;
        this.flush();
      });
    };
  }

  push(data: string): void {
    if (!data) return;
    if (this.events.has('data') && !this.flushing) return this.events.fire('data', [data]);
    this.buf += data;
    if (this.buf.length >= READ_BUFFER_MAX) this.pause(true);
  }

  private flush(): void {
    const data = this.buf;
    this.buf = '';
    this.pause(false);
    if (data) this.push(data);
  }

  methods(): { available(): number; read(chars?: number): string } {
    return {
      available: () => (this.events.has('data') ? 0 : this.buf.length),
      read: (chars?: number) => {
        const n = chars && chars > 0 ? Math.min(chars, this.buf.length) : this.buf.length;
        const data = this.buf.slice(0, n);
        this.buf = this.buf.slice(n);
        if (this.buf.length < READ_BUFFER_MAX) this.pause(false);
        return data;
      },
    };
  }
}

// ---------------------------------------------------------------------------------------------
// The socket core

/** One real TCP connection of the device. Callbacks are host-side; owners turn them into events. */
export class Link {
  onConnect?: () => void;
  onData?: (bytes: string) => void;
  onDrain?: () => void;
  /** Once, when the connection is gone; `unsent`: it went while bytes still waited to be sent. */
  onClose?: (unsent: boolean) => void;
  private unsent = false;
  private ending = false;
  private done = false;

  constructor(
    private readonly sock: nodeNet.Socket,
    private readonly links: Set<Link>,
  ) {
    links.add(this);
    sock.setNoDelay(true);
    sock.on('connect', () => this.onConnect?.());
    sock.on('data', (b: Buffer) => {
      for (let i = 0; i < b.length && !this.done; i += CHUNK_SIZE) {
        this.onData?.(b.toString('latin1', i, Math.min(b.length, i + CHUNK_SIZE)));
      }
    });
    // Espruino has no half-open sockets: the peer's FIN closes ours, dropping what is unsent.
    sock.on('end', () => {
      this.unsent ||= sock.writableLength > 0;
      sock.destroy();
    });
    sock.on('error', () => {
      this.unsent ||= sock.writableLength > 0;
    });
    sock.on('close', () => this.finish());
  }

  get pending(): number {
    return this.sock.writableLength;
  }

  write(bytes: string): void {
    if (this.done || !bytes) return;
    if (this.sock.writableLength + bytes.length > MAX_UNSENT) {
      throw new Error(`Out of memory: more than ${MAX_UNSENT} bytes waiting to be sent on one socket`);
    }
    this.sock.write(Buffer.from(bytes, 'latin1'), (err) => {
      if (!err && !this.ending && !this.done && this.sock.writableLength === 0) this.onDrain?.();
    });
  }

  /** Sends what is queued, then closes (Espruino closes the socket outright once sent). */
  end(): void {
    if (this.done || this.ending) return;
    this.ending = true;
    this.sock.end(() => this.sock.destroy());
  }

  /** Closes now, discarding anything unsent. */
  close(): void {
    if (!this.done) this.sock.destroy();
  }

  /** The link was lost (WiFi down): the peer sees a reset. */
  cut(): void {
    if (this.done) return;
    this.unsent ||= this.sock.writableLength > 0 && !this.ending;
    if (this.sock.connecting) this.sock.destroy();
    else this.sock.resetAndDestroy();
  }

  pause(paused: boolean): void {
    if (paused) this.sock.pause();
    else if (!this.done) this.sock.resume();
  }

  /** Device stop: close without telling the firmware anything. */
  kill(): void {
    this.onConnect = this.onData = this.onDrain = this.onClose = undefined;
    this.done = true;
    this.links.delete(this);
    this.sock.destroy();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.links.delete(this);
    this.onClose?.(this.unsent && !this.ending);
  }
}

/** A device server's real listening socket. */
export class Bound {
  private readonly server = nodeNet.createServer();
  private closed = false;

  constructor(core: NetCore, devicePort: number, onLink: (link: Link) => void) {
    const { host } = core;
    this.server.on('connection', (sock) => {
      sock.on('error', () => {});
      if (!core.accepting || this.closed) {
        sock.resetAndDestroy();
        return;
      }
      onLink(new Link(sock, core.links));
    });
    this.server.on('error', (e) => host.log(`ERROR: Socket bind failed (device port ${devicePort}: ${e.message})`));
    this.server.listen({ host: '127.0.0.1', port: host.hostPort(devicePort) }, () => {
      if (this.closed) return void this.server.close(); // closed while binding
      const address = this.server.address() as nodeNet.AddressInfo;
      host.listening(devicePort, address.port);
    });
  }

  close(): void {
    this.closed = true;
    if (this.server.listening) this.server.close();
  }
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Loopback only: `localhost` or a literal 127.x.y.z. */
export function loopbackAddress(host: unknown): string | null {
  if (host === undefined || host === null) return '127.0.0.1'; // Espruino's default host
  const name = String(host);
  if (name === 'localhost') return '127.0.0.1';
  const m = IPV4.exec(name);
  return m && m[1] === '127' && m.slice(2).every((x) => Number(x) <= 255) ? name : null;
}

/** The device's sockets and servers; shared by net and http. */
export class NetCore {
  readonly links = new Set<Link>();
  private readonly bound = new Set<Bound>();
  private stopped = false;

  constructor(readonly host: DeviceHost) {
    host.onOnlineChange((online) => {
      if (!online && !this.stopped) for (const link of [...this.links]) link.cut();
    });
    host.onStop(() => this.stop());
  }

  get accepting(): boolean {
    return !this.stopped && this.host.online;
  }

  listen(devicePort: number, onLink: (link: Link) => void): Bound | undefined {
    if (this.stopped) return undefined;
    const b = new Bound(this, devicePort, onLink);
    this.bound.add(b);
    return b;
  }

  unlisten(b: Bound | undefined): void {
    if (b && this.bound.delete(b)) b.close();
  }

  /**
   * A connection to host:port, or null when the address is outside the simulator (nothing was
   * attempted). Throws as the ESP32 does when the device is offline.
   */
  connect(host: unknown, port: unknown): Link | null {
    const address = loopbackAddress(host);
    if (address === null) {
      this.host.log(`net: ${String(host)} is outside the simulator (only loopback is reachable); the connection fails`);
      return null;
    }
    if (!this.accepting) {
      this.host.log('ERROR: Connect failed (err 113)');
      throw new Error('Unable to create socket');
    }
    const p = Number(port) & 0xffff;
    const sock = p > 0 ? nodeNet.connect({ host: address, port: p }) : new nodeNet.Socket();
    const link = new Link(sock, this.links);
    if (p === 0) setImmediate(() => sock.destroy());
    return link;
  }

  private stop(): void {
    this.stopped = true;
    for (const b of this.bound) b.close();
    this.bound.clear();
    for (const link of [...this.links]) link.kill();
  }
}

/** Espruino's url.parse, enough for net.connect/http.get given a string. */
export function parseUrl(url: string): Record<string, unknown> {
  try {
    const u = new URL(url);
    const path = (u.pathname || '/') + u.search;
    return {
      protocol: u.protocol,
      method: 'GET',
      host: u.hostname,
      path,
      pathname: u.pathname || '/',
      search: u.search || null,
      port: u.port ? Number(u.port) : null,
      query: u.search ? u.search.slice(1) : null,
    };
  } catch {
    const q = url.indexOf('?');
    return { method: 'GET', host: '', path: url || '/', pathname: (q < 0 ? url : url.slice(0, q)) || '/', search: q < 0 ? null : url.slice(q), port: null, query: q < 0 ? null : url.slice(q + 1) };
  }
}

// ---------------------------------------------------------------------------------------------
// The net module

export const NET_CORE: unique symbol = Symbol('espfleet.netCore');

export interface NetSocket extends EspruinoEvents {
  write(data: unknown): boolean;
  end(data?: unknown): void;
  available(): number;
  read(chars?: number): string;
}

export interface NetServer extends EspruinoEvents {
  listen(port: number): NetServer;
  close(): void;
}

export interface NetModule {
  createServer(onConnection: (socket: NetSocket) => void): NetServer | undefined;
  connect(options: Record<string, unknown> | string, callback?: (socket: NetSocket) => void): NetSocket | undefined;
  readonly [NET_CORE]: NetCore;
}

/** A device socket (net.Socket), accepted by a server or opened by connect. */
class DeviceSocket {
  readonly events: Emitter;
  readonly inbox: Inbox;
  readonly object: NetSocket;
  private link?: Link;
  private closed = false;

  constructor(private readonly timers: Timers, host: DeviceHost) {
    this.events = new Emitter(host, timers);
    this.inbox = new Inbox(this.events, timers, (p) => this.link?.pause(p));
    this.object = espruinoObject<NetSocket>('Socket', {
      ...this.events.methods(),
      ...this.inbox.methods(),
      write: (data) => {
        this.check();
        this.link?.write(toByteString(data));
        return false;
      },
      end: (data) => {
        if (data !== undefined) this.check();
        if (this.closed) return;
        if (data !== undefined) this.link?.write(toByteString(data));
        this.closed = true;
        this.link?.end();
      },
    });
    this.events.self = this.object;
  }

  attach(link: Link, client: boolean): void {
    this.link = link;
    if (client) {
      link.onConnect = () => {
        const idle = link.pending === 0; // the board queues 'drain' with 'connect' when nothing waits
        this.events.fire('connect', [this.object]);
        if (idle) this.events.fire('drain', [this.object]);
      };
    }
    link.onData = (s) => this.inbox.push(s);
    link.onDrain = () => this.events.fire('drain', [this.object]);
    link.onClose = (unsent) => this.finish(unsent ? { code: -8, message: 'unsent data' } : undefined);
  }

  /** The address is outside the simulator: fail as an unreachable host, loudly. */
  refuse(): void {
    this.closed = true;
    this.timers.set(() => this.finish({ code: -4, message: 'no route' }));
  }

  private check(): void {
    if (this.closed) throw new Error('This socket is closed');
  }

  private finish(error: SocketError | undefined): void {
    this.closed = true;
    if (error) this.events.fire('error', [error]);
    this.events.fire('end', []);
    this.events.fire('close', [error !== undefined]);
  }
}

export function createNetModule(host: DeviceHost): NetModule {
  const core = new NetCore(host);
  const timers = new Timers(host.clock);
  host.onStop(() => timers.clearAll());

  const createServer = (onConnection: unknown): NetServer | undefined => {
    if (typeof onConnection !== 'function') {
      host.log(`ERROR: Expecting Callback Function but got ${typeName(onConnection)}`);
      return undefined;
    }
    const events = new Emitter(host, timers);
    events.add('connect', onConnection); // the board stores the callback as the server's 'connect' listener
    let bound: Bound | undefined;
    const server: NetServer = espruinoObject<NetServer>('Server', {
      ...events.methods(),
      listen: (port) => {
        if (!bound) {
          bound = core.listen(Number(port) & 0xffff, (link) => {
            const socket = new DeviceSocket(timers, host);
            socket.attach(link, false);
            events.fire('connect', [socket.object]);
          });
        }
        return server;
      },
      close: () => {
        core.unlisten(bound);
        bound = undefined;
      },
    });
    events.self = server;
    return server;
  };

  const connect = (options: unknown, callback?: unknown): NetSocket | undefined => {
    const opts = typeof options === 'string' ? parseUrl(options) : options;
    if (!isObject(opts)) {
      host.log(`ERROR: Expecting Options to be an Object but it was ${typeName(opts)}`);
      return undefined;
    }
    if (callback !== undefined && typeof callback !== 'function') {
      host.log(`ERROR: Expecting Callback Function but got ${typeName(callback)}`);
      return undefined;
    }
    const socket = new DeviceSocket(timers, host);
    if (callback) socket.events.add('connect', callback);
    const link = core.connect(opts.host, opts.port);
    if (link) socket.attach(link, true);
    else socket.refuse();
    return socket.object;
  };

  return espruinoObject<NetModule>('net', { createServer, connect, [NET_CORE]: core });
}
