// The generated Espruino modules, loaded into the fidelity realm (src/espruinoRealm.ts) the
// way Modules.addCached loads them on a board: a function of `exports`. Text crosses into
// and out of the realm as the board's network would give and take it (bytes on a
// byte-string realm, the ESP32 build).
import {
  createEspruinoContext, runInEspruinoContext, textIntoRealm, textOutOfRealm, type EspruinoRealmOptions,
} from '../../src/espruinoRealm.js';

type Exports = Record<string, (...a: unknown[]) => unknown>;

export interface EspruinoDevice {
  exports: Exports;
  /** Text as it reaches code on the device from the network. */
  into(text: string): string;
  /** Text the device sends, as a peer reads it. */
  out(text: string): string;
}

export function espruinoDevice(source: string, options: EspruinoRealmOptions = {}): EspruinoDevice {
  const ctx = createEspruinoContext(options);
  ctx.exports = runInEspruinoContext(ctx, '({})');
  runInEspruinoContext(ctx, source, 'module.js');
  return { exports: ctx.exports as Exports, into: (t) => textIntoRealm(ctx, t), out: (s) => textOutOfRealm(ctx, s) };
}

export function loadEspruinoModule(source: string, options: EspruinoRealmOptions = {}): Exports {
  return espruinoDevice(source, options).exports;
}
