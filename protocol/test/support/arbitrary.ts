// fast-check arbitraries drawn from the schema source: valid messages, and mutations of
// them that are likely (not certain) to be invalid. Validity is always decided by ajv.
import fc from 'fast-check';
import type { Schema, StringFormat } from '../../src/schema/dsl.js';
import { isAny, isNullable } from '../../src/schema/dsl.js';
import type { DirectionDef, FamilyDef, MessageDef } from '../../src/schema/family.js';

const d2 = () => fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0'));
const d4 = () => fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0'));

const formats: Record<StringFormat, () => fc.Arbitrary<string>> = {
  'local-datetime': () => fc.tuple(d4(), d2(), d2(), d2(), d2(), d2()).map(([y, mo, d, h, mi, s]) => `${y}-${mo}-${d} ${h}:${mi}:${s}`),
  'iso-datetime': () =>
    fc
      .tuple(d4(), d2(), d2(), d2(), d2(), d2(), fc.option(fc.integer({ min: 0, max: 999999 })), fc.constantFrom('Z', '+02:00', '-05:30'))
      .map(([y, mo, d, h, mi, s, frac, tz]) => `${y}-${mo}-${d}T${h}:${mi}:${s}${frac === null ? '' : '.' + frac}${tz}`),
  'hh-mm': () => fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`),
  digits: () => fc.integer({ min: 0, max: 1e9 }).map(String),
};

export function valid(s: Schema): fc.Arbitrary<unknown> {
  if (isAny(s)) return fc.jsonValue({ maxDepth: 2 });
  if (isNullable(s)) return fc.oneof(fc.constant(null), valid(s.anyOf[0]));
  switch (s.type) {
    case 'string':
      if (s.const !== undefined) return fc.constant(s.const);
      if (s.enum) return fc.constantFrom(...s.enum);
      if (s['x-format']) return formats[s['x-format']]();
      return fc.oneof(
        fc.string({ minLength: s.minLength ?? 0, maxLength: 24 }),
        fc.string({ minLength: s.minLength ?? 0, maxLength: 8, unit: 'grapheme' }),
        fc.string({ minLength: s.minLength ?? 0, maxLength: 8, unit: 'binary' }),
      );
    case 'integer':
      return fc.integer({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e9 });
    case 'number':
      return fc.double({ min: s.minimum ?? -1e9, max: s.maximum ?? 1e9, noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x));
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(valid(s.items), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 4, 4) });
    case 'object': {
      const fields: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(s.properties)) fields[k] = valid(v);
      return fc.record(fields, { requiredKeys: s.required });
    }
  }
}

/** A wire message for `m` (the Socket.io array for gateway events). */
export function validMessage(fam: FamilyDef, m: MessageDef): fc.Arbitrary<unknown> {
  const a = valid(m.schema);
  return fam.discriminator === 'socketio' ? a.map((p) => [m.tag, p]) : a;
}

export function validDirection(fam: FamilyDef, dir: DirectionDef): fc.Arbitrary<unknown> {
  const arbs = dir.messages.map((m) => validMessage(fam, m));
  if (dir.arrayMessage) arbs.push(valid(dir.arrayMessage.schema));
  return fc.oneof(...arbs);
}

const junk = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constant(1.5),
  fc.constant(-1),
  fc.constant(1e21),
  fc.string({ maxLength: 8 }),
  fc.constant(''),
  fc.constant('2025-13-01 99:99:99'),
  fc.constant('24:00'),
  fc.constant([]),
  fc.constant({}),
  fc.constant(['qr', {}]),
);

/** Walks to a random place in the value and replaces, deletes or adds something there. */
export function mutate(value: unknown): fc.Arbitrary<unknown> {
  return fc.tuple(fc.nat(), fc.nat(), junk, fc.constantFrom('replace', 'delete', 'add')).map(([a, b, j, op]) => {
    const copy = structuredClone(value) as unknown;
    const containers: Array<[Record<string, unknown> | unknown[], string | number]> = [];
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach((x, i) => (containers.push([v, i]), walk(x)));
      else if (v && typeof v === 'object') for (const k of Object.keys(v)) containers.push([v as Record<string, unknown>, k]), walk((v as Record<string, unknown>)[k]);
    };
    walk(copy);
    if (!containers.length) return j;
    const [c, k] = containers[a % containers.length];
    if (op === 'delete') {
      if (Array.isArray(c)) c.splice(k as number, 1);
      else delete c[k as string];
    } else if (op === 'add' && !Array.isArray(c)) {
      c['extra' + (b % 3)] = j;
    } else {
      (c as Record<string | number, unknown>)[k] = j;
    }
    return copy;
  });
}
