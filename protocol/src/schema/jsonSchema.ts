// The families as standalone JSON Schema (draft 2020-12) documents: one per family, with a
// $defs entry per message and one per direction (the union a decoder accepts).
import type { Schema } from './dsl.js';
import { isAny, isNullable } from './dsl.js';
import type { DirectionDef, FamilyDef } from './family.js';

export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** The same schema with the generator-only `x-any` marker turned into the `true` schema. */
export function plain(s: Schema): Record<string, unknown> {
  if (isAny(s)) {
    const { 'x-any': _, ...rest } = s;
    return rest;
  }
  if (isNullable(s)) return { ...s, anyOf: [plain(s.anyOf[0]), { type: 'null' }] };
  if (s.type === 'object') {
    const properties: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s.properties)) properties[k] = plain(v);
    return { ...s, properties };
  }
  if (s.type === 'array') return { ...s, items: plain(s.items) };
  return { ...s };
}

export function directionSchema(fam: FamilyDef, dir: DirectionDef, ref: (typeName: string) => string): Record<string, unknown> {
  const branches: unknown[] = [];
  if (dir.arrayMessage) branches.push({ $ref: ref(dir.arrayMessage.typeName) });
  for (const m of dir.messages) {
    if (fam.discriminator === 'socketio') {
      branches.push({ type: 'array', prefixItems: [{ const: m.tag }, { $ref: ref(m.typeName) }], minItems: 2, maxItems: 2 });
    } else {
      branches.push({ $ref: ref(m.typeName) });
    }
  }
  return { description: `Every message from ${dir.from} to ${dir.to}.`, oneOf: branches };
}

export function familyJsonSchema(fam: FamilyDef): Record<string, unknown> {
  const defs: Record<string, unknown> = {};
  const ref = (t: string) => `#/$defs/${t}`;
  for (const dir of fam.directions) {
    if (dir.arrayMessage) defs[dir.arrayMessage.typeName] = { description: dir.arrayMessage.summary, ...plain(dir.arrayMessage.schema) };
    for (const m of dir.messages) {
      defs[m.typeName] ??= {
        description: m.summary + (m.extension ? ' (espfleet extension)' : ''),
        ...plain(m.schema),
        examples: fam.discriminator === 'socketio' ? m.examples.map((e) => (e as unknown[])[1]) : m.examples,
      };
    }
  }
  for (const dir of fam.directions) defs[dir.union] = directionSchema(fam, dir, ref);
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: `https://espfleet.dev/schemas/${fam.name}.json`,
    title: fam.title,
    description: `Wire contract from ${fam.seed}. Discriminator: ${fam.discriminator === 'socketio' ? 'the Socket.io event name' : fam.discriminator}.`,
    $defs: defs,
  };
}
