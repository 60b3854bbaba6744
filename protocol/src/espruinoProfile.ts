// What the Espruino interpreter lacks, measured on 2v29 (see ESPRUINO.md in the project's docs):
// the one list that the dialect check, the simulator's realm and every Espruino test share.

/** Globals that do not exist on the board. */
export const MISSING_GLOBALS: readonly string[] = [
  'Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Symbol', 'Proxy', 'Reflect', 'BigInt',
  'BigInt64Array', 'BigUint64Array', 'Intl', 'RegExp', 'SharedArrayBuffer', 'Atomics', 'structuredClone', 'queueMicrotask',
  'setImmediate', 'TextEncoder', 'TextDecoder', 'WebAssembly', 'globalThis',
  // Error types the board lacks (it has Error, TypeError, SyntaxError, ReferenceError, InternalError).
  'RangeError', 'EvalError', 'URIError', 'AggregateError',
];

/** Static members missing from built-in constructors. */
export const MISSING_STATICS: Readonly<Record<string, readonly string[]>> = {
  Number: ['isInteger', 'isFinite', 'isNaN', 'isSafeInteger', 'MAX_SAFE_INTEGER', 'MIN_SAFE_INTEGER', 'EPSILON'],
  Array: ['from', 'of'],
  String: ['raw'],
  Object: ['freeze', 'isFrozen', 'getOwnPropertySymbols'],
  Math: ['trunc', 'hypot', 'log2', 'cbrt', 'sign', 'clz32', 'fround', 'imul'],
  Promise: ['race', 'allSettled', 'any'],
};

/** Instance methods missing from built-in types. */
export const MISSING_METHODS: Readonly<Record<string, readonly string[]>> = {
  Array: ['flat', 'flatMap', 'at'],
  String: ['at', 'trimStart', 'trimEnd', 'codePointAt', 'localeCompare', 'matchAll'],
  Number: ['toPrecision'],
  Promise: ['finally'],
};

/**
 * Constructors whose `X.prototype` is an object without the built-in methods: they are found
 * on instances only, so `X.prototype.method` is undefined (a method added to it still reaches
 * instances). Measured: Object.prototype and Error.prototype do carry their methods.
 */
export const PROTOTYPES_WITHOUT_BUILTINS: readonly string[] = [
  'Array', 'String', 'Function', 'Number', 'Boolean', 'Date', 'Promise', 'ArrayBuffer', 'DataView',
  'Uint8Array', 'Uint8ClampedArray', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array',
  'Float32Array', 'Float64Array',
];

