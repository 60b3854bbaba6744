// ajv compiled from the same JSON Schema documents the package exports: the reference
// every generated decoder is compared against.
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { families } from '../../src/families/index.js';
import { familyJsonSchema } from '../../src/schema/jsonSchema.js';
import type { DirectionDef, FamilyDef } from '../../src/schema/family.js';

function makeAjv(useDefaults: boolean): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: false, useDefaults });
  ajv.addKeyword('x-format');
  for (const fam of families) ajv.addSchema(familyJsonSchema(fam));
  return ajv;
}

const plainAjv = makeAjv(false);
const defaultsAjv = makeAjv(true);

const cache = new Map<string, ValidateFunction>();

function get(ajv: Ajv2020, fam: FamilyDef, def: string, key: string): ValidateFunction {
  const k = key + fam.name + '#' + def;
  let v = cache.get(k);
  if (!v) {
    v = ajv.getSchema(`https://espfleet.dev/schemas/${fam.name}.json#/$defs/${def}`);
    if (!v) throw new Error(`no schema for ${fam.name} ${def}`);
    cache.set(k, v);
  }
  return v;
}

/** Does ajv accept this parsed value as `def` (a direction union or a message type)? */
export function ajvAccepts(fam: FamilyDef, def: string, value: unknown): boolean {
  return get(plainAjv, fam, def, 'p') (value) as boolean;
}

/**
 * The decoded form of a valid message: schema defaults filled in by ajv (which applies
 * defaults only outside oneOf, so the message's own schema is picked by its tag first).
 * Gateway events decode to `{ event, data }`.
 */
export function ajvDecoded(fam: FamilyDef, dir: DirectionDef, value: unknown): unknown {
  if (!ajvAccepts(fam, dir.union, value)) return undefined;
  if (Array.isArray(value) && dir.arrayMessage) return value;
  const copy = structuredClone(value) as Record<string, unknown> | unknown[];
  const body = (fam.discriminator === 'socketio' ? (copy as unknown[])[1] : copy) as Record<string, unknown>;
  const tag = fam.discriminator === 'socketio' ? (copy as unknown[])[0] : body[fam.discriminator];
  const m = dir.messages.find((x) => x.tag === tag && (!x.variant || body[x.variant.property] === x.variant.value));
  if (!m || !get(defaultsAjv, fam, m.typeName, 'd')(body)) throw new Error('ajv accepted the union but not the message');
  return fam.discriminator === 'socketio' ? { event: tag, data: body } : body;
}

export function familyByName(name: string): FamilyDef {
  const f = families.find((x) => x.name === name || x.id === name);
  if (!f) throw new Error('no family ' + name);
  return f;
}
