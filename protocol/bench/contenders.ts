// Everything measured for one direction. Decoders take the text and answer "accepted?";
// encoders take their own natural input (ours the typed value, the others the wire value)
// and return the bytes a socket write needs.
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import fastJson from 'fast-json-stringify';
import { families } from '../src/families/index.js';
import { familyJsonSchema } from '../src/schema/jsonSchema.js';
import { byTag, type ByTag } from './byTag.js';
import { typeboxFromJsonSchema } from './typeboxSchema.js';
import { shippedCodec } from './shippedCodecs.js';
import type { Workload } from './workload.js';

export type Decoder = (text: string) => boolean;
export interface Encoder {
  encode: (value: unknown) => Buffer;
  inputs: unknown[];
}

export interface Contenders {
  decode: { parse: Decoder; ajv: Decoder; typebox: Decoder; ours: Decoder };
  encode: { stringify: Encoder; fjs: Encoder; ours: Encoder };
}

export const DECODERS = ['parse', 'ajv', 'typebox', 'ours'] as const;
export const ENCODERS = ['stringify', 'fjs', 'ours'] as const;

type Json = Record<string, unknown>;
const ajv = new Ajv2020({ strict: false });
ajv.addKeyword('x-format');
const docs = new Map<string, Json>();
for (const fam of families) {
  const doc = familyJsonSchema(fam);
  ajv.addSchema(doc);
  docs.set(fam.name, doc.$defs as Json);
}

export function contenders(w: Workload): Contenders {
  const { fam, dir } = w;
  const defs = docs.get(fam.name)!;
  const ajvFor = (typeName: string) => ajv.getSchema(`https://espfleet.dev/schemas/${fam.name}.json#/$defs/${typeName}`) as ValidateFunction;
  const typeboxFor = (typeName: string) => {
    const c = TypeCompiler.Compile(typeboxFromJsonSchema(defs[typeName] as Json));
    return (v: unknown) => c.Check(v);
  };
  const ajvByTag = byTag(dir, (m) => ajvFor(m.typeName), ajvFor);
  const typeboxByTag = byTag(dir, (m) => typeboxFor(m.typeName), typeboxFor);
  const codec = shippedCodec(fam, dir);
  const socketio = fam.discriminator === 'socketio';
  const fjsFor = (typeName: string, tag?: string): ((v: unknown) => string) => {
    const body = withoutAnnotations(defs[typeName] as Json);
    // A Socket.io event is the array [name, payload] on the wire.
    const schema = socketio ? { type: 'array', prefixItems: [{ const: tag }, body] } : body;
    return fastJson(schema as unknown as Parameters<typeof fastJson>[0]) as (v: unknown) => string;
  };
  const fjsByTag = byTag(dir, (m) => fjsFor(m.typeName, m.tag), (t) => fjsFor(t));
  return {
    decode: {
      parse: (t) => {
        try {
          return JSON.parse(t) !== undefined;
        } catch {
          return false;
        }
      },
      ajv: pickedDecoder(fam.discriminator, ajvByTag),
      typebox: pickedDecoder(fam.discriminator, typeboxByTag),
      ours: (t) => codec.decode(t).ok,
    },
    encode: {
      stringify: { encode: (v) => Buffer.from(JSON.stringify(v)), inputs: w.wireValues },
      fjs: { encode: pickedEncoder(fam.discriminator, fjsByTag), inputs: w.wireValues },
      ours: { encode: (v) => Buffer.from(codec.encode(v)), inputs: w.values },
    },
  };
}

/** JSON.parse, then the tag picks the message's validator. */
function pickedDecoder(discriminator: string, v: ByTag<(o: unknown) => boolean>): Decoder {
  if (discriminator === 'socketio') {
    return (t) => {
      let o: unknown;
      try {
        o = JSON.parse(t);
      } catch {
        return false;
      }
      if (!Array.isArray(o) || o.length !== 2) return false;
      const body = o[1];
      if (typeof body !== 'object' || body === null) return false;
      const f = v.find(o[0], body);
      return f !== undefined && f(body);
    };
  }
  return (t) => {
    let o: unknown;
    try {
      o = JSON.parse(t);
    } catch {
      return false;
    }
    if (typeof o !== 'object' || o === null) return false;
    if (Array.isArray(o)) return v.array !== undefined && v.array(o);
    const body = o as Record<string, unknown>;
    const f = v.find(body[discriminator], body);
    return f !== undefined && f(body);
  };
}

function pickedEncoder(discriminator: string, s: ByTag<(v: unknown) => string>): (v: unknown) => Buffer {
  return (value) => {
    let f: ((v: unknown) => string) | undefined;
    if (Array.isArray(value)) f = discriminator === 'socketio' ? s.find(value[0], value[1] as Record<string, unknown>) : s.array;
    else f = s.find((value as Record<string, unknown>)[discriminator], value as Record<string, unknown>);
    if (f === undefined) throw new TypeError('fast-json-stringify: no schema for this message');
    return Buffer.from(f(value));
  };
}

/** fast-json-stringify needs only the structure; the package's own keyword would trip its ajv. */
function withoutAnnotations(s: Json): Json {
  const o: Json = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'x-format' || k === 'examples' || k === 'description') continue;
    if (k === 'properties') o[k] = Object.fromEntries(Object.entries(v as Record<string, Json>).map(([p, ps]) => [p, withoutAnnotations(ps)]));
    else if (k === 'items') o[k] = withoutAnnotations(v as Json);
    else if (k === 'anyOf') o[k] = (v as Json[]).map(withoutAnnotations);
    else o[k] = v;
  }
  return o;
}
