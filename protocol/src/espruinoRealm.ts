// The fidelity realm: a node:vm context shaped like Espruino's global scope (2v29, measured
// on Espruino's Linux build stock and sized like an ESP32 — see ESPRUINO.md), so code that
// leans on what the board does differently fails or prints here as it does there. How each
// behaviour is emulated:
// - Missing built-ins (espruinoProfile) are deleted from the context; no Node globals exist.
// - Built-in methods are found on instances but not on `X.prototype` (PROTOTYPES_WITHOUT_BUILTINS):
//   the constructor is replaced by a Proxy whose `prototype` is a view that reads built-in
//   members as undefined and passes everything else (user-added methods) to the real one.
// - Errors: `name` is deleted from the error prototypes. Errors V8 throws for bad property
//   access stay `instanceof Error` (the board throws plain Errors there); TypeError,
//   SyntaxError and InternalError made by code, and ReferenceError, are classes outside
//   Error's chain, as on the board. RangeError, EvalError and URIError do not exist.
// - Number(), String(), Math.round, JSON, Number#toString/toFixed and Array#join are
//   replaced by ports of Espruino's C code (./espruinoRealm/numbers.ts, json.ts).
// - `+`, `+=`, template literals, unary `+`, `.length =` and decimal literals need the code
//   rewritten (./espruinoRealm/source.ts): run code with runInEspruinoContext, not vm directly.
// - Byte strings (the ESP32 build, `byteStrings: true`): a string is a sequence of bytes.
//   Text enters the realm as a latin1 ("binary") string of its UTF-8 bytes — textIntoRealm —
//   and leaves with textOutOfRealm; code is run the same way, so "é" in source has length 2;
//   String.fromCharCode and \u escapes keep the low byte, as the board does.
// - for…of over a string iterates bytes (rewritten to a helper).
// - Date reads the `now` clock; Date.now() is fractional (performance.now() by default), while
//   `new Date().getTime()` is a whole number (V8 clips it; the board's is fractional).
// What cannot be emulated faithfully throws "X is not supported by the simulator".
import vm from 'node:vm';
import { performance } from 'node:perf_hooks';
import { MISSING_GLOBALS, MISSING_METHODS, MISSING_STATICS, PROTOTYPES_WITHOUT_BUILTINS } from './espruinoProfile.js';
import { formatNumber, mathRound, stringToNumber } from './espruinoRealm/numbers.js';
import { parseJson, stringifyJson, type JsonRealm } from './espruinoRealm/json.js';
import { HELPERS, rewriteForEspruino } from './espruinoRealm/source.js';

export interface EspruinoRealmOptions {
  /** Strings are byte strings, as on the ESP32 build (no unicode support). */
  byteStrings?: boolean;
  /** The clock Date reads, ms since the epoch (a simulated device's); the host's, fractional, by default. */
  now?: () => number;
}

/** Thrown for what the realm does not emulate. */
export class NotSupportedError extends Error {
  constructor(what: string) {
    super(`${what} is not supported by the simulator`);
  }
}

interface RealmState {
  byteStrings: boolean;
}
const realms = new WeakMap<vm.Context, RealmState>();

function stateOf(context: vm.Context): RealmState {
  const s = realms.get(context);
  if (!s) throw new Error('not a context made by createEspruinoContext');
  return s;
}

/** Text as the realm holds it: on a byte-string realm, its UTF-8 bytes as a latin1 string. */
export function textIntoRealm(context: vm.Context, text: string): string {
  return stateOf(context).byteStrings ? Buffer.from(text, 'utf8').toString('latin1') : text;
}

/** A realm string as text: on a byte-string realm its bytes are decoded as UTF-8. */
export function textOutOfRealm(context: vm.Context, s: string): string {
  return stateOf(context).byteStrings ? Buffer.from(s, 'latin1').toString('utf8') : s;
}

/** Runs code in the realm as Espruino would run it (see the rewrite in ./espruinoRealm/source.ts). */
export function runInEspruinoContext(context: vm.Context, code: string, filename = 'code.js'): unknown {
  const { byteStrings } = stateOf(context);
  const text = byteStrings ? Buffer.from(code, 'utf8').toString('latin1') : code;
  return vm.runInContext(rewriteForEspruino(text, { byteStrings }), context, { filename });
}

export function createEspruinoContext(options: EspruinoRealmOptions = {}): vm.Context {
  const byteStrings = options.byteStrings ?? false;
  const now = options.now ?? (() => performance.timeOrigin + performance.now());
  const context = vm.createContext({}, { name: 'espruino' });
  realms.set(context, { byteStrings });
  const run = <T>(code: string): T => vm.runInContext(code, context) as T;
  const g = run<Record<string, any>>('this');
  // Host functions are wrapped in realm functions, so they look like the realm's own.
  const wrap = run<(name: string, f: (...a: unknown[]) => unknown) => (...a: unknown[]) => unknown>(
    `(function (name, f) { var w = { [name]: function () { return f.apply(this, arguments); } }[name]; return w; })`,
  );

  // ---- what Espruino lacks ----
  for (const name of MISSING_GLOBALS) if (name !== 'globalThis') delete g[name];
  // Non-configurable ones (Number.EPSILON) are hidden by the constructor's Proxy below.
  for (const [owner, keys] of Object.entries(MISSING_STATICS)) for (const k of keys) Reflect.deleteProperty(g[owner], k);
  for (const [owner, keys] of Object.entries(MISSING_METHODS)) for (const k of keys) delete g[owner].prototype[k];

  // ---- errors ----
  const ErrorProto = g.Error.prototype;
  delete ErrorProto.name;
  for (const name of ['TypeError', 'SyntaxError', 'ReferenceError']) delete g[name].prototype.name;
  const errorClass = run<(name: string) => ErrorConstructor>(
    `(function (name) {
      var C = { [name]: function (message) {
        if (!(this instanceof C)) return new C(message);
        if (message !== undefined) this.message = String(message);
      } }[name];
      C.prototype.toString = function () { return this.message === undefined ? name : name + ': ' + this.message; };
      return C;
    })`,
  );
  g.TypeError = errorClass('TypeError');
  g.SyntaxError = errorClass('SyntaxError');
  g.InternalError = errorClass('InternalError');
  const RefProto = g.ReferenceError.prototype;
  Object.setPrototypeOf(RefProto, g.Object.prototype);
  RefProto.toString = wrap('toString', function (this: { message?: string }) {
    return this.message === undefined ? 'ReferenceError' : 'ReferenceError: ' + this.message;
  });
  const realmError = (C: ErrorConstructor, message: string): Error => new C(message);
  const notSupported = (what: string) => realmError(g.Error, new NotSupportedError(what).message);

  // ---- numbers and strings ----
  const RealString = g.String as StringConstructor;
  const RealNumber = g.Number as NumberConstructor;
  const espString = (v: unknown): string => (typeof v === 'number' ? formatNumber(v) : RealString(v));
  const NumberProto = RealNumber.prototype;
  const numberValue = (x: unknown) => NumberProto.valueOf.call(x);
  NumberProto.toString = wrap('toString', function (this: unknown, radix?: unknown) {
    return formatNumber(numberValue(this), radix === undefined ? 10 : RealNumber(radix));
  }) as () => string;
  NumberProto.toFixed = wrap('toFixed', function (this: unknown, digits?: unknown) {
    return formatNumber(numberValue(this), 10, digits === undefined ? 0 : Math.trunc(RealNumber(digits)));
  }) as (d?: number) => string;
  g.Array.prototype.join = wrap('join', function (this: unknown[], sep?: unknown) {
    const s = sep === undefined ? ',' : espString(sep);
    let out = '';
    for (let i = 0; i < this.length; i++) {
      if (i) out += s;
      const v = this[i];
      if (v !== undefined && v !== null) out += espString(v);
    }
    return out;
  });
  g.String.prototype.concat = wrap('concat', function (this: unknown, ...parts: unknown[]) {
    return RealString(this) + parts.map(espString).join('');
  });
  // Both builds keep the low byte: String.fromCharCode(0x20ac) is "\xac" on the unicode build too.
  const fromCharCode = RealString.fromCharCode;
  RealString.fromCharCode = wrap('fromCharCode', (...codes: unknown[]) =>
    fromCharCode(...codes.map((c) => RealNumber(c) & 255)),
  ) as typeof String.fromCharCode;
  g.Math.round = wrap('round', (x: unknown) => mathRound(RealNumber(x)));

  // ---- JSON ----
  const jsonRealm: JsonRealm = {
    byteStrings,
    newObject: () => new g.Object(),
    newArray: () => new g.Array(),
    syntaxError: (m) => realmError(g.SyntaxError, m),
    notSupported,
  };
  const JSONObject = run<Record<string, unknown>>('({})');
  JSONObject.parse = wrap('parse', (text: unknown) => parseJson(espString(text), jsonRealm));
  JSONObject.stringify = wrap('stringify', (v: unknown, _replacer: unknown, indent: unknown) => stringifyJson(v, indent, jsonRealm));
  g.JSON = JSONObject;

  // ---- clock, eval ----
  g.Date.now = wrap('now', () => now());
  g.eval = wrap('eval', () => {
    throw notSupported('eval');
  });

  // ---- constructors whose prototype shows no built-in methods ----
  const hasInstance = Object.prototype.isPrototypeOf;
  const proxied = new Map<string, unknown>();
  for (const name of PROTOTYPES_WITHOUT_BUILTINS) {
    const C = g[name] as ((...a: unknown[]) => unknown) & { prototype: object };
    if (typeof C !== 'function') continue;
    const proto = C.prototype;
    const hiddenStatics = MISSING_STATICS[name] ?? [];
    const builtin = new Set<PropertyKey>();
    for (let p: object | null = proto; p && p !== g.Object.prototype; p = Object.getPrototypeOf(p)) {
      for (const k of Reflect.ownKeys(p)) if (k !== 'constructor') builtin.add(k);
    }
    // A plain object stands in (so `typeof Function.prototype` is "object", as on the board).
    const view = new Proxy(Object.create(Object.getPrototypeOf(proto)) as object, {
      get: (_t, k) => (builtin.has(k) ? undefined : Reflect.get(proto, k)),
      has: (_t, k) => !builtin.has(k) && Reflect.has(proto, k),
      set: (_t, k, v) => {
        builtin.delete(k);
        return Reflect.set(proto, k, v);
      },
      defineProperty: (_t, k, d) => {
        builtin.delete(k);
        return Reflect.defineProperty(proto, k, d);
      },
    });
    const apply =
      name === 'Date'
        ? () => String(Reflect.construct(C, [now()]))
        : name === 'Number'
        ? (_t: unknown, _this: unknown, args: unknown[]) =>
            args.length === 0 ? 0 : typeof args[0] === 'string' ? stringToNumber(args[0]) : RealNumber(args[0])
        : name === 'String'
          ? (_t: unknown, _this: unknown, args: unknown[]) => (args.length === 0 ? '' : espString(args[0]))
          : name === 'Function'
            ? (_t: unknown, _this: unknown, args: unknown[]) => makeFunction(args)
            : (_t: unknown, self: unknown, args: unknown[]) => Reflect.apply(C, self, args);
    // The target is a stand-in: a Proxy must report the real, read-only `prototype` of its target.
    const standIn = run<(...a: unknown[]) => unknown>(`(function ${name}() {})`);
    const proxy: unknown = new Proxy(standIn, {
      get: (_t, k) =>
        k === 'prototype'
          ? view
          : k === Symbol.hasInstance
            ? (v: unknown) => hasInstance.call(proto, v as object)
            : hiddenStatics.includes(k as string)
              ? undefined
              : Reflect.get(C, k),
      set: (_t, k, v) => Reflect.set(C, k, v),
      has: (_t, k) => Reflect.has(C, k),
      apply,
      construct: (_t, args, newTarget) =>
        name === 'Function'
          ? (makeFunction(args) as object)
          : Reflect.construct(C, name === 'Date' && args.length === 0 ? [now()] : args, newTarget === proxy ? C : newTarget),
    });
    proxied.set(name, proxy);
  }
  const makeFunction = (args: unknown[]): unknown => {
    const params = args.slice(0, -1).map(espString).join(',');
    const body = args.length ? espString(args[args.length - 1]) : '';
    return runInEspruinoContext(context, `(function anonymous(${params}\n) {\n${body}\n})`, 'Function');
  };
  for (const [name, proxy] of proxied) g[name] = proxy;

  // ---- helpers the rewritten code calls ----
  const primitive = (x: unknown): unknown => {
    if (x === null || (typeof x !== 'object' && typeof x !== 'function')) return x;
    if (Object.prototype.toString.call(x) === '[object Date]') return RealString(x);
    const o = x as { valueOf?: () => unknown; toString?: () => unknown };
    const v = typeof o.valueOf === 'function' ? o.valueOf() : o;
    return v === null || (typeof v !== 'object' && typeof v !== 'function') ? v : RealString(x);
  };
  const add = (a: unknown, b: unknown): unknown => {
    if (typeof a === 'number' && typeof b === 'number') return a + b;
    if (typeof a === 'string' && typeof b === 'string') return a + b;
    const pa = primitive(a);
    const pb = primitive(b);
    if (typeof pa === 'string' || typeof pb === 'string') return espString(pa) + espString(pb);
    return (pa as number) + (pb as number);
  };
  const helpers = run<Record<string, unknown>>('({})');
  Object.assign(helpers, {
    add,
    addTo: (o: Record<PropertyKey, unknown>, k: PropertyKey, v: unknown) => (o[k] = add(o[k], v)),
    // for…of over a string gives its bytes (its UTF-8 bytes on the unicode build).
    iter: (v: unknown) =>
      typeof v !== 'string' ? v : byteStrings ? v.split('') : Array.from(Buffer.from(v, 'utf8'), (b) => RealString.fromCharCode(b)),
    str: (v: unknown) => (typeof v === 'number' ? formatNumber(v) : v),
    num: (v: unknown) => (typeof v === 'string' ? stringToNumber(v) : +(v as number)),
    len: (o: unknown) => {
      if (Array.isArray(o)) throw realmError(g.TypeError, 'Assignment to a constant');
      return o;
    },
  });
  Object.defineProperty(g, HELPERS, { value: helpers, enumerable: false });
  // The last step: after it the realm has no name for its global object but `this`.
  delete g.globalThis;
  return context;
}
