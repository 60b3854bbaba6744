// A node:vm context shaped like Espruino's global scope for running the generated
// Espruino modules: no Node globals, and the built-ins Espruino lacks (ESPRUINO.md) removed,
// so code that leans on them fails here as it would on a board.
import vm from 'node:vm';

const MISSING = ['Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'Symbol', 'Proxy', 'Reflect', 'BigInt', 'Intl', 'RegExp', 'FinalizationRegistry', 'SharedArrayBuffer', 'Atomics', 'globalThis', 'structuredClone', 'queueMicrotask'];
const MISSING_STATICS: Record<string, string[]> = {
  Number: ['isInteger', 'isFinite', 'isNaN', 'isSafeInteger', 'MAX_SAFE_INTEGER', 'MIN_SAFE_INTEGER', 'EPSILON'],
  Array: ['from', 'of'],
  Object: ['freeze'],
  Math: ['trunc', 'hypot', 'log2'],
  Promise: ['race', 'allSettled', 'any'],
};
const MISSING_PROTO: Record<string, string[]> = {
  Array: ['flat', 'flatMap', 'at'],
  String: ['at', 'trimStart', 'trimEnd', 'codePointAt', 'localeCompare', 'matchAll'],
  Number: ['toPrecision'],
  Promise: ['finally'],
};

export function espruinoContext(): vm.Context {
  const ctx = vm.createContext({});
  const strip = [
    ...MISSING.map((g) => `delete globalThis[${JSON.stringify(g)}];`),
    ...Object.entries(MISSING_STATICS).flatMap(([o, ks]) => ks.map((k) => `delete ${o}[${JSON.stringify(k)}];`)),
    ...Object.entries(MISSING_PROTO).flatMap(([o, ks]) => ks.map((k) => `delete ${o}.prototype[${JSON.stringify(k)}];`)),
  ].join('\n');
  // The last line must run while globalThis still exists.
  vm.runInContext(strip.replace("delete globalThis[\"globalThis\"];", '') + '\ndelete globalThis.globalThis;', ctx);
  return ctx;
}

/** Loads an Espruino module's source the way Modules.addCached does: a function of `exports`. */
export function loadEspruinoModule(source: string): Record<string, (...a: unknown[]) => unknown> {
  const ctx = espruinoContext();
  ctx.exports = {};
  vm.runInContext(source, ctx, { filename: 'module.js' });
  return ctx.exports as Record<string, (...a: unknown[]) => unknown>;
}
