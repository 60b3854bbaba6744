// TypeBox schemas built from the package's JSON Schema (the subset the schemas use), for
// TypeBox's compiled validators. verify.ts checks they accept exactly what ajv accepts.
import { Type, type TSchema } from '@sinclair/typebox';

type Json = Record<string, unknown>;

export function typeboxFromJsonSchema(s: Json): TSchema {
  if (Array.isArray(s.anyOf)) return Type.Union((s.anyOf as Json[]).map(typeboxFromJsonSchema));
  if (s.const !== undefined) return Type.Literal(s.const as string);
  switch (s.type) {
    case undefined:
      return Type.Any();
    case 'null':
      return Type.Null();
    case 'string':
      if (Array.isArray(s.enum)) return Type.Union((s.enum as string[]).map((v) => Type.Literal(v)));
      return Type.String(pick(s, ['minLength', 'pattern']));
    case 'integer':
      return Type.Integer(pick(s, ['minimum', 'maximum']));
    case 'number':
      return Type.Number(pick(s, ['minimum', 'maximum']));
    case 'boolean':
      return Type.Boolean();
    case 'array':
      return Type.Array(typeboxFromJsonSchema(s.items as Json), pick(s, ['minItems', 'maxItems']));
    case 'object': {
      const required = new Set(s.required as string[]);
      const props: Record<string, TSchema> = {};
      for (const [k, ps] of Object.entries(s.properties as Record<string, Json>)) {
        const t = typeboxFromJsonSchema(ps);
        props[k] = required.has(k) ? t : Type.Optional(t);
      }
      return Type.Object(props);
    }
  }
  throw new Error('typeboxFromJsonSchema: unsupported schema ' + JSON.stringify(s));
}

function pick(s: Json, keys: string[]): Json {
  const o: Json = {};
  for (const k of keys) if (s[k] !== undefined) o[k] = s[k];
  return o;
}
