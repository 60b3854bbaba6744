// Byte strings ↔ bytes with Espruino's native E.toUint8Array / E.toString (no per-byte loop in JS).
import type { ByteCodec } from './wsFrame.js';

export const espruinoBytes: ByteCodec = {
  fromString: (s) => E.toUint8Array(s),
  toString: (b) => E.toString(b),
};
