// Memory in JsVars, estimated the way the ESP32 build (16,383 JsVars of 14 bytes) spends it,
// with rules fitted to E.getSizeOf on Espruino 2v29 sized like an ESP32 (probes in
// test/espruino/probes.json): an object or array is one JsVar plus one per property name
// (4 characters fit in a name, 10 more per extra JsVar; array indices take one); a name
// holds an integer in -8192..8191 itself (and an array index a boolean too), any other value
// takes its own JsVar; a string takes one JsVar for up to 9 bytes and one more per 10;
// typed arrays are two JsVars plus their bytes (a flat string from 20 bytes on). Each object
// is counted once, however often referenced.
//
// process.memory().usage is a base of 42 plus what the firmware holds: its globals, and every
// live function of its code (found through V8's inspector, closureScopes.ts) with its closure
// scopes, each scope an object of its variables, counted once however many functions share it.
// A function is one JsVar, one per parameter, and two for its code: the live code of the
// valve bundle is 31.7 KB, yet the interpreter held 1,358 JsVars for all its state, so code
// run from kept source (flash on a board, the script on the Linux runner) is referenced, not
// copied. V8 keeps only the variables some inner function uses; the interpreter keeps a whole
// scope. Objects the host makes are not walked: a socket the firmware holds is an open
// connection, CONNECTION_VARS (the interpreter's socket, HTTP and buffer state, fitted to the
// measurement below), anything else one JsVar. The walk stops after MAX_VISITS values.
//
// Calibration (firmware/dist/valve.js on the ESP32-sized Linux build, run as in
// simulator/test/firmware/valveMemory.test.ts, the runner's script text taken off): CONNECTION_VARS
// was fitted on the 24,558-byte bundle (two clients 3,046 measured, 2,930 estimated); on the
// current 21,623-byte bundle (2026-11-29) after boot 1,104 measured, 1,119 estimated (+1 %), two
// clients 2,770 measured, 2,932 estimated (+6 %). The test holds
// the estimate within 25 % of both. Each process.memory() costs a full GC (~0.1-0.3 s).
export const ESP32_TOTAL_JSVARS = 16383;
export const ESP32_BLOCK_SIZE = 14;
/** process.memory().usage of an empty program on the ESP32-sized build. */
export const BASE_USAGE = 42;

const stringVars = (bytes: number) => (bytes <= 9 ? 1 : 1 + Math.ceil((bytes - 9) / 10));
// Buffers of 20 bytes and more are allocated as one flat string: a header and 14 bytes per JsVar.
const bufferVars = (bytes: number) => (bytes < 20 ? stringVars(bytes) : 1 + Math.ceil(bytes / ESP32_BLOCK_SIZE));
const nameVars = (key: string) => (key.length <= 4 ? 1 : 1 + Math.ceil((key.length - 4) / 10));
const inlineInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= -8192 && v <= 8191 && !Object.is(v, -0);

/** Bound on the values one estimate visits, so a runaway graph cannot stall the simulator. */
export const MAX_VISITS = 200_000;
/**
 * An open connection (a socket the firmware holds) beyond what its closures show: the
 * interpreter's socket, HTTP and buffer state, fitted to the valve measurement (see above).
 */
export const CONNECTION_VARS = 667;

// A function: one JsVar, one per parameter, and for its code a name and a string that refers
// to the kept source (a copy only for code typed at the console; see above).
function functionVars(f: (...a: unknown[]) => unknown): number {
  const src = Function.prototype.toString.call(f);
  if (/\{\s*\[native code\]\s*\}$/.test(src)) return 1;
  const arrow = /^(async\s*)?(\([^)]*\)|[\w$]+)\s*=>/.exec(src);
  const body = arrow ? src.slice(arrow[0].length) : src.slice(src.indexOf('{') + 1, src.lastIndexOf('}'));
  return 1 + f.length + (body.trim() ? 2 : 0);
}

/** A closure scope of a function, as the runtime sees it (see closureScopes.ts). */
export interface ScopeVars {
  /** Equal for two views of one closure. */
  key: string;
  vars: Record<string, unknown>;
}

/** What the count needs from the device. */
export interface MemoryView {
  byteLength(s: string): number;
  /** The JsVars of an object the host made (emulated socket, server, module), not walked; undefined for the firmware's own. */
  hostObjectVars?(o: object): number | undefined;
  /** The closure scopes of a firmware function (none for built-ins). */
  scopesOf?(f: Function): ScopeVars[];
}

/**
 * Counts JsVars over a graph, each object, function and closure scope once. A closure scope
 * costs as an object: one JsVar, then each variable's name and value.
 */
export class JsVarCounter {
  private readonly seen = new Set<object>();
  private readonly scopes = new Set<string>();
  private visits = 0;
  /** The walk stopped at MAX_VISITS: the count is a lower bound. */
  truncated = false;

  constructor(private readonly view: MemoryView) {}

  /** E.getSizeOf(value): the JsVars `value` holds that were not counted already. */
  sizeOf(value: unknown): number {
    if (++this.visits > MAX_VISITS) {
      this.truncated = true;
      return 0;
    }
    if (value === undefined) return 0;
    if (value === null || typeof value === 'number' || typeof value === 'boolean') return 1;
    if (typeof value === 'string') return stringVars(this.view.byteLength(value));
    if (typeof value !== 'object' && typeof value !== 'function') return 1;
    if (this.seen.has(value)) return 0;
    this.seen.add(value);
    const host = this.view.hostObjectVars?.(value);
    if (host !== undefined) return host;
    if (typeof value === 'function') return functionVars(value as (...a: unknown[]) => unknown) + this.closureVars(value);
    if (ArrayBuffer.isView(value)) return 2 + bufferVars(value.byteLength);
    if (Object.prototype.toString.call(value) === '[object ArrayBuffer]') return 1 + bufferVars((value as ArrayBuffer).byteLength);
    return 1 + this.propertyVars(value as Record<string, unknown>, Array.isArray(value));
  }

  /** A variable or property: its name and, unless the name holds it, its value. */
  entryVars(key: string, v: unknown, arrayIndex = false): number {
    const name = arrayIndex ? 1 : nameVars(key);
    return name + (inlineInt(v) || (arrayIndex && typeof v === 'boolean') ? 0 : this.sizeOf(v));
  }

  private propertyVars(o: Record<string, unknown>, isArray: boolean): number {
    let n = 0;
    for (const key of Object.keys(o)) n += this.entryVars(key, o[key], isArray);
    return n;
  }

  private closureVars(f: Function): number {
    let n = 0;
    for (const scope of this.view.scopesOf?.(f) ?? []) {
      if (this.scopes.has(scope.key)) continue;
      this.scopes.add(scope.key);
      n += 1 + this.propertyVars(scope.vars, false);
    }
    return n;
  }
}

/** E.getSizeOf(value): the JsVars `value` holds. */
export function sizeOf(value: unknown, byteLength: (s: string) => number): number {
  return new JsVarCounter({ byteLength }).sizeOf(value);
}
