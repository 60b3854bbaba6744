// Memory in JsVars, estimated the way the ESP32 build (16,383 JsVars of 14 bytes) spends it,
// with rules fitted to E.getSizeOf on Espruino 2v29 sized like an ESP32 (probes in
// test/espruino/probes.json): an object or array is one JsVar plus one per property name
// (4 characters fit in a name, 10 more per extra JsVar; array indices take one); a name
// holds an integer in -8192..8191 itself (and an array index a boolean too), any other value
// takes its own JsVar; a string takes one JsVar for up to 9 bytes and one more per 10;
// typed arrays are two JsVars plus their bytes (a flat string from 20 bytes on); a function is one JsVar, one per
// parameter, and its code as a string. Each object is counted once, however often referenced.
// Function code is measured as V8 keeps it, so their estimate is the roughest.

export const ESP32_TOTAL_JSVARS = 16383;
export const ESP32_BLOCK_SIZE = 14;
/** process.memory().usage of an empty program on the ESP32-sized build. */
export const BASE_USAGE = 42;

const stringVars = (bytes: number) => (bytes <= 9 ? 1 : 1 + Math.ceil((bytes - 9) / 10));
// Buffers of 20 bytes and more are allocated as one flat string: a header and 14 bytes per JsVar.
const bufferVars = (bytes: number) => (bytes < 20 ? stringVars(bytes) : 1 + Math.ceil(bytes / ESP32_BLOCK_SIZE));
const nameVars = (key: string) => (key.length <= 4 ? 1 : 1 + Math.ceil((key.length - 4) / 10));
const inlineInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= -8192 && v <= 8191 && !Object.is(v, -0);

function functionVars(f: (...a: unknown[]) => unknown): number {
  const src = Function.prototype.toString.call(f);
  const open = src.indexOf('{');
  const body = open < 0 ? '' : src.slice(open + 1, src.lastIndexOf('}')).trim();
  return 1 + f.length + (body ? 1 + stringVars(body.length) : 0);
}

/** E.getSizeOf(value): the JsVars `value` holds. */
export function sizeOf(value: unknown, byteLength: (s: string) => number, seen = new Set<object>()): number {
  if (value === undefined) return 0;
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return stringVars(byteLength(value));
  if (typeof value === 'function') {
    if (seen.has(value)) return 0;
    seen.add(value);
    return functionVars(value as (...a: unknown[]) => unknown);
  }
  if (typeof value !== 'object') return 1;
  if (seen.has(value)) return 0;
  seen.add(value);
  if (ArrayBuffer.isView(value)) return 2 + bufferVars(value.byteLength);
  if (Object.prototype.toString.call(value) === '[object ArrayBuffer]') return 1 + bufferVars((value as ArrayBuffer).byteLength);
  const isArray = Array.isArray(value);
  let n = 1;
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    n += isArray ? 1 : nameVars(key);
    if (inlineInt(v) || (isArray && typeof v === 'boolean')) continue;
    n += sizeOf(v, byteLength, seen);
  }
  return n;
}

/** The JsVars of a global variable: its name and its value. */
export function globalVars(key: string, value: unknown, byteLength: (s: string) => number, seen: Set<object>): number {
  return nameVars(key) + (inlineInt(value) ? 0 : sizeOf(value, byteLength, seen));
}
