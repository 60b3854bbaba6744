// Uniform access to a direction's generated Node codec, by name.
import * as valve from '../../src/generated/valve.js';
import * as sensorStream from '../../src/generated/sensorStream.js';
import * as charger from '../../src/generated/charger.js';
import * as gateway from '../../src/generated/gateway.js';
import * as signaling from '../../src/generated/signaling.js';
import type { DirectionDef, FamilyDef } from '../../src/schema/family.js';
import type { DecodeResult, DecodeOptions } from '../../src/runtime.js';

const modules: Record<string, Record<string, unknown>> = { valve, sensorStream, charger, gateway, signaling };

export interface Codec {
  decode(input: unknown, options?: DecodeOptions): DecodeResult<unknown>;
  validate(value: unknown): DecodeResult<unknown>;
  encode(value: unknown): string;
}

export function nodeCodecs(fam: FamilyDef, dir: DirectionDef): Codec {
  const m = modules[fam.id];
  return {
    decode: m[`decode${dir.union}`] as Codec['decode'],
    validate: m[`validate${dir.union}`] as Codec['validate'],
    encode: m[`encode${dir.union}`] as Codec['encode'],
  };
}
