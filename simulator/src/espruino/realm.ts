// The vm context a bundle runs in: the protocol package's fidelity realm (Espruino's global
// scope as measured on the interpreter — missing built-ins, number printing, JSON, errors,
// byte strings; see @espfleet/protocol/espruino-realm), with Date on the device's clock.
// Values handed to firmware are made in this realm, so `instanceof Uint8Array` and friends
// behave as on the device.
import vm from 'node:vm';
import { createEspruinoContext, runInEspruinoContext, textIntoRealm, textOutOfRealm } from '@espfleet/protocol/espruino-realm';
import { bundleScript, runBundleScript } from './bundleScript.js';

export interface RealmOptions {
  /** Strings are byte strings, as on the ESP32 build (see ESPRUINO.md). */
  byteStrings?: boolean;
}

export interface Realm {
  context: vm.Context;
  byteStrings: boolean;
  Uint8Array: Uint8ArrayConstructor;
  ArrayBuffer: ArrayBufferConstructor;
  JSON: JSON;
  Error: ErrorConstructor;
  Object: ObjectConstructor;
  /** A Uint8Array of this realm with the given bytes. */
  bytes(data: ArrayLike<number>): Uint8Array;
  /** An ArrayBuffer of this realm with the given bytes. */
  buffer(data: ArrayLike<number>): ArrayBuffer;
  /** Runs code as the interpreter would (the realm's rewrite of `+`, `.length =`, …). */
  run(code: string, filename: string): unknown;
  /** Runs a firmware bundle as `run` does, compiled once for every device that runs it (see bundleScript.ts). */
  runBundle(code: string, filename: string): unknown;
  /** Text as a string of the realm (its UTF-8 bytes on a byte-string device). */
  textIn(text: string): string;
  /** A string of the realm as text. */
  textOut(s: string): string;
}

export function createRealm(now: () => number, options: RealmOptions = {}): Realm {
  const byteStrings = options.byteStrings ?? false;
  const context = createEspruinoContext({ byteStrings, now });
  const g = (name: string) => vm.runInContext(name, context);
  const U8 = g('Uint8Array') as Uint8ArrayConstructor;
  const copy = (data: ArrayLike<number>) => {
    const out = new U8(data.length);
    for (let i = 0; i < data.length; i++) out[i] = data[i];
    return out;
  };
  return {
    context,
    byteStrings,
    Uint8Array: U8,
    ArrayBuffer: g('ArrayBuffer') as ArrayBufferConstructor,
    JSON: g('JSON') as JSON,
    Error: g('Error') as ErrorConstructor,
    Object: g('Object') as ObjectConstructor,
    bytes: copy,
    buffer: (data) => copy(data).buffer as ArrayBuffer,
    run: (code, filename) => runInEspruinoContext(context, code, filename),
    runBundle: (code, filename) => {
      const script = bundleScript(code, filename, byteStrings);
      return script ? runBundleScript(script, context) : runInEspruinoContext(context, code, filename);
    },
    textIn: (text) => textIntoRealm(context, text),
    textOut: (s) => textOutOfRealm(context, s),
  };
}
