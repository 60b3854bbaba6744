// Espruino's global functions and objects, installed into a realm for one boot of a device.
import vm from 'node:vm';
import { types } from 'node:util';
import type { Realm } from './realm.js';
import type { DeviceHost } from './host.js';
import { NotSupportedError } from './host.js';
import type { PinBank, WatchOptions } from './pins.js';
import { PIN_COUNT } from './pins.js';
import type { I2CBus } from './i2cBus.js';
import { BASE_USAGE, CONNECTION_VARS, ESP32_BLOCK_SIZE, ESP32_TOTAL_JSVARS, JsVarCounter, sizeOf } from './memory.js';
import { closureScopes, firmwareFunctions } from './closureScopes.js';

export interface GlobalsDeps {
  host: DeviceHost;
  realm: Realm;
  pins: PinBank;
  i2c: [I2CBus, I2CBus];
  /** Built-in modules by name, created on first require. */
  modules: Record<string, () => unknown>;
  /** E.reboot(): the runtime restarts the device after the current callback. */
  reboot(): void;
  /** Handlers registered with E.on(event). */
  events: Map<string, unknown[]>;
  /** Timer ids this boot set, so a reboot clears them. */
  timers: Set<number>;
}

/** Anything not emulated throws `X is not supported by the simulator` when touched. */
function strict<T extends object>(name: string, target: T): T {
  return new Proxy(target, {
    get(t, key, receiver) {
      if (typeof key === 'symbol' || key in t) return Reflect.get(t, key, receiver);
      if (key === 'then' || key === 'toJSON' || key === 'inspect') return undefined;
      throw new NotSupportedError(`${name}.${key}`);
    },
  });
}

function pinNumber(p: unknown): number {
  if (typeof p === 'number') return p;
  if (p && typeof p === 'object' && typeof (p as { pin?: unknown }).pin === 'number') return (p as { pin: number }).pin;
  throw new Error(`Not a pin: ${String(p)}`);
}

function bytesOf(args: unknown[]): number[] {
  const out: number[] = [];
  const add = (v: unknown): void => {
    if (typeof v === 'number') out.push(v & 255);
    else if (typeof v === 'string') for (let i = 0; i < v.length; i++) out.push(v.charCodeAt(i) & 255);
    // Values come from the device's realm: test by internal slot, not instanceof.
    else if (Array.isArray(v) || ArrayBuffer.isView(v)) for (const x of Array.prototype.slice.call(v)) add(x);
    else if (types.isArrayBuffer(v)) for (const x of new Uint8Array(v)) add(x);
    else if (v && typeof v === 'object' && 'data' in v) {
      const d = v as { data: unknown; count?: number };
      for (let i = 0; i < (d.count ?? 1); i++) add(d.data);
    } else throw new Error('I2C: cannot send ' + String(v));
  };
  for (const a of args) add(a);
  return out;
}

export function installGlobals(d: GlobalsDeps): void {
  const { host, realm, pins, i2c, timers } = d;
  const ctx = realm.context as Record<string, unknown>;
  const byteLength = (s: string) => (realm.byteStrings ? s.length : Buffer.byteLength(s, 'utf8'));
  const clock = host.clock;

  // ---- pins ----
  // Pins are objects of a class made in the realm, so `instanceof Pin` holds in the bundle.
  const Pin = vm.runInContext(`(function Pin(n) { if (!(this instanceof Pin)) return new Pin(n); this.pin = n; })`, realm.context) as {
    new (n: number): { pin: number };
    prototype: Record<string, unknown>;
  };
  Object.assign(Pin.prototype, {
    read(this: { pin: number }) {
      return !!pins.digitalRead(this.pin);
    },
    write(this: { pin: number }, v: unknown) {
      pins.digitalWrite(this.pin, v);
    },
    set(this: { pin: number }) {
      pins.digitalWrite(this.pin, 1);
    },
    reset(this: { pin: number }) {
      pins.digitalWrite(this.pin, 0);
    },
    toggle(this: { pin: number }) {
      const v = !pins.level(this.pin);
      pins.digitalWrite(this.pin, v);
      return v;
    },
    mode(this: { pin: number }, m: string) {
      pins.pinMode(this.pin, m);
    },
    getMode(this: { pin: number }) {
      return pins.getPinMode(this.pin);
    },
    analog(this: { pin: number }) {
      return pins.analogRead(this.pin);
    },
    toString(this: { pin: number }) {
      return 'D' + this.pin;
    },
    getInfo(this: { pin: number }) {
      return { port: 'D', num: this.pin };
    },
  });
  ctx.Pin = Pin;
  for (let i = 0; i < PIN_COUNT; i++) ctx['D' + i] = new Pin(i);
  ctx.pinMode = (p: unknown, m?: string) => pins.pinMode(pinNumber(p), m);
  ctx.getPinMode = (p: unknown) => pins.getPinMode(pinNumber(p));
  ctx.digitalWrite = (p: unknown, v: unknown) => {
    if (Array.isArray(p)) throw new NotSupportedError('digitalWrite with an array of pins');
    pins.digitalWrite(pinNumber(p), v);
  };
  ctx.digitalRead = (p: unknown) => {
    if (Array.isArray(p)) throw new NotSupportedError('digitalRead with an array of pins');
    return pins.digitalRead(pinNumber(p));
  };
  ctx.analogRead = (p: unknown) => pins.analogRead(pinNumber(p));
  ctx.analogWrite = (p: unknown, v: number, o?: { freq?: number }) => pins.analogWrite(pinNumber(p), v, o);
  ctx.digitalPulse = () => {
    throw new NotSupportedError('digitalPulse');
  };
  ctx.setWatch = (fn: unknown, p: unknown, o?: WatchOptions) => pins.setWatch(fn, pinNumber(p), o);
  ctx.clearWatch = (id?: number) => pins.clearWatch(id);

  // ---- timers ----
  // Espruino timer ids are small and per device; the clock's are shared by a fleet.
  const alias = new Map<number, number>();
  let nextTimer = 1;
  const schedule = (fn: unknown, ms: unknown, args: unknown[], repeat: boolean): number => {
    if (typeof fn !== 'function') throw new NotSupportedError('setTimeout/setInterval with a string of code');
    const delay = Math.max(0, Number(ms) || 0);
    const publicId = nextTimer++;
    const id = clock.setTimer(
      () => {
        if (!repeat) {
          timers.delete(id);
          alias.delete(publicId);
        }
        host.invoke(fn, undefined, args);
      },
      delay,
      repeat ? Math.max(1, delay) : 0,
    );
    alias.set(publicId, id);
    timers.add(id);
    return publicId;
  };
  const clear = (publicId?: number) => {
    if (publicId === undefined) {
      for (const t of alias.values()) clock.clearTimer(t);
      for (const t of alias.values()) timers.delete(t);
      alias.clear();
      return;
    }
    const t = alias.get(publicId);
    if (t === undefined) return;
    clock.clearTimer(t);
    timers.delete(t);
    alias.delete(publicId);
  };
  ctx.setTimeout = (fn: unknown, ms?: unknown, ...args: unknown[]) => schedule(fn, ms, args, false);
  ctx.setInterval = (fn: unknown, ms?: unknown, ...args: unknown[]) => schedule(fn, ms, args, true);
  ctx.clearTimeout = clear;
  ctx.clearInterval = clear;
  ctx.getTime = () => clock.now() / 1000;

  // ---- I2C ----
  const i2cObject = (bus: I2CBus, name: string) =>
    strict(name, {
      setup(opts?: { scl?: unknown; sda?: unknown; bitrate?: number }) {
        (this as { _setup?: unknown })._setup = opts ?? {};
      },
      writeTo(address: unknown, ...data: unknown[]) {
        const a = typeof address === 'object' && address !== null ? Number((address as { address: number }).address) : Number(address);
        bus.write(a, Uint8Array.from(bytesOf(data)));
      },
      readFrom(address: unknown, quantity: number) {
        const a = typeof address === 'object' && address !== null ? Number((address as { address: number }).address) : Number(address);
        return realm.bytes(bus.read(a, quantity));
      },
    });
  ctx.I2C1 = i2cObject(i2c[0], 'I2C1');
  ctx.I2C2 = i2cObject(i2c[1], 'I2C2');
  ctx.I2C = function I2C() {
    throw new NotSupportedError('software I2C (new I2C())');
  };

  // ---- E ----
  ctx.E = strict('E', {
    on(event: string, fn: unknown) {
      const list = d.events.get(event) ?? [];
      list.push(fn);
      d.events.set(event, list);
    },
    removeAllListeners(event?: string) {
      if (event === undefined) d.events.clear();
      else d.events.delete(event);
    },
    reboot() {
      d.reboot();
    },
    toUint8Array(...args: unknown[]) {
      return realm.bytes(bytesOf(args));
    },
    toString(...args: unknown[]) {
      return String.fromCharCode(...bytesOf(args));
    },
    getSizeOf(v: unknown) {
      return sizeOf(v, byteLength);
    },
  });

  // ---- modules ----
  const cache = new Map<string, unknown>();
  const cachedSource = new Map<string, unknown>();
  const require = (name: string) => {
    if (cache.has(name)) return cache.get(name);
    if (cachedSource.has(name)) {
      // Modules.addCached("x", function () { exports.y = … }): run with `exports` in scope.
      const src = cachedSource.get(name);
      const exports = realm.Object.create(realm.Object.prototype) as Record<string, unknown>;
      const module = { exports };
      if (typeof src === 'function') {
        const saved = { exports: ctx.exports, module: ctx.module };
        ctx.exports = exports;
        ctx.module = module;
        try {
          (src as (e: unknown, m: unknown) => void)(exports, module);
        } finally {
          ctx.exports = saved.exports;
          ctx.module = saved.module;
        }
      } else {
        (realm.run(`(function (exports, module) {\n${String(src)}\n})`, `${name}.js`) as (e: unknown, m: unknown) => void)(exports, module);
      }
      cache.set(name, module.exports);
      return module.exports;
    }
    const make = d.modules[name];
    if (!make) throw new NotSupportedError(`Module ${name}`);
    const m = make();
    cache.set(name, m);
    return m;
  };
  ctx.require = require;
  ctx.Modules = strict('Modules', {
    addCached(name: string, src: unknown) {
      cache.delete(name);
      cachedSource.set(name, src);
    },
    removeCached(name: string) {
      cache.delete(name);
      cachedSource.delete(name);
    },
    removeAllCached() {
      cache.clear();
      cachedSource.clear();
    },
    getCached() {
      return [...cachedSource.keys()];
    },
  });

  // ---- console and the rest ----
  // Numbers print with Espruino's digits (the realm's JSON); strings leave as text.
  const show = (args: unknown[]) =>
    args.map((a) => (typeof a === 'string' ? realm.textOut(a) : a === undefined ? 'undefined' : (() => {
      try {
        return realm.textOut(realm.JSON.stringify(a));
      } catch {
        return String(a);
      }
    })())).join(' ');
  ctx.print = (...args: unknown[]) => host.log(show(args));
  ctx.console = strict('console', {
    log: (...a: unknown[]) => host.log(show(a)),
    debug: (...a: unknown[]) => host.log(show(a)),
    info: (...a: unknown[]) => host.log(show(a)),
    warn: (...a: unknown[]) => host.log(show(a)),
    error: (...a: unknown[]) => host.log(show(a)),
  });
  ctx.btoa = (s: string) => Buffer.from(String(s), 'latin1').toString('base64');
  ctx.atob = (s: string) => Buffer.from(String(s), 'base64').toString('latin1');
  ctx.global = ctx;
  // Every global present now is the interpreter's own; what the firmware adds is counted: its
  // globals, and every live function of its code with what the function's closures hold.
  const builtIn = new Set<string>();
  const realmObject = vm.runInContext('Object.getPrototypeOf({})', realm.context) as object;
  // Objects of the host: a socket (readable and writable) is an open connection, anything else one JsVar.
  const hostObjectVars = (o: object) => {
    for (let p = Object.getPrototypeOf(o); p; p = Object.getPrototypeOf(p)) if (p === realmObject) return undefined;
    if (Object.getPrototypeOf(o) === null) return undefined;
    return 'write' in o && 'end' in o && 'on' in o && !('listen' in o) ? CONNECTION_VARS : 1;
  };
  const firmwareVars = () => {
    const ids = new Map<object, number>();
    const identity = (o: object) => {
      if (!ids.has(o)) ids.set(o, ids.size);
      return ids.get(o)!;
    };
    const counter = new JsVarCounter({ byteLength, hostObjectVars, scopesOf: (f) => closureScopes(realm.context, f, identity) });
    let n = 0;
    for (const key of Object.keys(ctx)) if (!builtIn.has(key)) n += counter.entryVars(key, ctx[key]);
    for (const f of firmwareFunctions(realm.context)) n += counter.sizeOf(f);
    return n;
  };
  ctx.process = strict('process', {
    env: { VERSION: '2v29', BOARD: 'ESP32', CONSOLE: 'Serial1' },
    version: '2v29',
    memory() {
      const usage = Math.min(ESP32_TOTAL_JSVARS, BASE_USAGE + firmwareVars());
      return realm.JSON.parse(
        JSON.stringify({ free: ESP32_TOTAL_JSVARS - usage, usage, total: ESP32_TOTAL_JSVARS, history: 0, gc: 0, gctime: 0, blocksize: ESP32_BLOCK_SIZE }),
      );
    },
  });
  for (const name of ['save', 'load', 'reset', 'dump', 'edit', 'peek8', 'poke8', 'peek32', 'poke32']) {
    ctx[name] = () => {
      throw new NotSupportedError(name + '()');
    };
  }
  for (const key of Object.keys(ctx)) builtIn.add(key);
}
