// The vm context a bundle runs in, shaped like Espruino's global scope: the JavaScript
// built-ins Espruino lacks (measured, see shared/ESPRUINO.md) are removed, so a bundle that
// leans on them fails here as it would on a board. Values handed to firmware are made in
// this realm, so `instanceof Uint8Array` and friends behave as on the device.
import vm from 'node:vm';

export const MISSING_GLOBALS = [
  'Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Symbol', 'Proxy', 'Reflect', 'BigInt',
  'BigInt64Array', 'BigUint64Array', 'Intl', 'RegExp', 'SharedArrayBuffer', 'Atomics', 'structuredClone', 'queueMicrotask',
  'setImmediate', 'TextEncoder', 'TextDecoder', 'WebAssembly',
];
export const MISSING_STATICS: Record<string, string[]> = {
  Number: ['isInteger', 'isFinite', 'isNaN', 'isSafeInteger', 'MAX_SAFE_INTEGER', 'MIN_SAFE_INTEGER', 'EPSILON'],
  Array: ['from', 'of'],
  Object: ['freeze', 'isFrozen', 'getOwnPropertySymbols'],
  Math: ['trunc', 'hypot', 'log2'],
  Promise: ['race', 'allSettled', 'any'],
};
export const MISSING_METHODS: Record<string, string[]> = {
  Array: ['flat', 'flatMap', 'at'],
  String: ['at', 'trimStart', 'trimEnd', 'codePointAt', 'localeCompare', 'matchAll'],
  Number: ['toPrecision'],
  Promise: ['finally'],
};

export interface Realm {
  context: vm.Context;
  Uint8Array: Uint8ArrayConstructor;
  ArrayBuffer: ArrayBufferConstructor;
  JSON: JSON;
  Error: ErrorConstructor;
  Object: ObjectConstructor;
  /** A Uint8Array of this realm with the given bytes. */
  bytes(data: ArrayLike<number>): Uint8Array;
  /** An ArrayBuffer of this realm with the given bytes. */
  buffer(data: ArrayLike<number>): ArrayBuffer;
}

export function createRealm(now: () => number): Realm {
  const context = vm.createContext({}, { name: 'espruino' });
  const strip = [
    ...MISSING_GLOBALS.map((g) => `delete globalThis[${JSON.stringify(g)}];`),
    ...Object.entries(MISSING_STATICS).flatMap(([o, ks]) => ks.map((k) => `delete ${o}[${JSON.stringify(k)}];`)),
    ...Object.entries(MISSING_METHODS).flatMap(([o, ks]) => ks.map((k) => `delete ${o}.prototype[${JSON.stringify(k)}];`)),
  ].join('\n');
  // Date follows the device clock (virtual or wall).
  vm.runInContext(
    `(function (now) {
      var RealDate = Date;
      function SimDate(a, b, c, d, e, f, g) {
        if (!(this instanceof SimDate)) return new RealDate(now()).toString();
        var n = arguments.length;
        return n === 0 ? new RealDate(now()) : n === 1 ? new RealDate(a) : new RealDate(a, b, n > 2 ? c : 1, n > 3 ? d : 0, n > 4 ? e : 0, n > 5 ? f : 0, n > 6 ? g : 0);
      }
      SimDate.prototype = RealDate.prototype;
      SimDate.now = function () { return now(); };
      SimDate.parse = RealDate.parse;
      SimDate.UTC = RealDate.UTC;
      globalThis.Date = SimDate;
    })`,
    context,
  )(now);
  vm.runInContext(strip, context);
  const g = (name: string) => vm.runInContext(name, context);
  const U8 = g('Uint8Array') as Uint8ArrayConstructor;
  return {
    context,
    Uint8Array: U8,
    ArrayBuffer: g('ArrayBuffer') as ArrayBufferConstructor,
    JSON: g('JSON') as JSON,
    Error: g('Error') as ErrorConstructor,
    Object: g('Object') as ObjectConstructor,
    bytes: (data) => U8.from(Array.prototype.slice.call(data) as number[]),
    buffer: (data) => U8.from(Array.prototype.slice.call(data) as number[]).buffer as ArrayBuffer,
  };
}
