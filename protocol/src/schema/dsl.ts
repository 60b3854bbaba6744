// The schema source language: each builder returns plain JSON Schema (draft 2020-12),
// restricted to the subset the codec generator specialises. Keeping the source as real
// JSON Schema is what lets ajv act as the oracle for every generated decoder.

export type Schema =
  | StringSchema
  | IntegerSchema
  | NumberSchema
  | BooleanSchema
  | ObjectSchema
  | ArraySchema
  | NullableSchema
  | AnySchema;

export interface Annotated {
  description?: string;
  default?: unknown;
}

/** Named string formats; each carries the regex ajv checks and the generator replaces with a character loop. */
export type StringFormat = 'local-datetime' | 'iso-datetime' | 'hh-mm' | 'digits';

export interface StringSchema extends Annotated {
  type: 'string';
  const?: string;
  enum?: string[];
  minLength?: number;
  pattern?: string;
  'x-format'?: StringFormat;
}
export interface IntegerSchema extends Annotated {
  type: 'integer';
  minimum?: number;
  maximum?: number;
}
export interface NumberSchema extends Annotated {
  type: 'number';
  minimum?: number;
  maximum?: number;
}
export interface BooleanSchema extends Annotated {
  type: 'boolean';
}
export interface ObjectSchema extends Annotated {
  type: 'object';
  properties: Record<string, Schema>;
  required: string[];
}
export interface ArraySchema extends Annotated {
  type: 'array';
  items: Schema;
  minItems?: number;
  maxItems?: number;
}
/** `anyOf: [inner, {type: 'null'}]` — the only union the generator needs inside a message. */
export interface NullableSchema extends Annotated {
  anyOf: [Schema, { type: 'null' }];
}
/** Any JSON value (the `true` schema); an object here so it can carry a description. */
export interface AnySchema extends Annotated {
  'x-any': true;
}

export const FORMAT_PATTERNS: Record<StringFormat, string> = {
  'local-datetime': '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$',
  'iso-datetime': '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$',
  'hh-mm': '^([01][0-9]|2[0-3]):[0-5][0-9]$',
  digits: '^[0-9]+$',
};

const FORMAT_TEXT: Record<StringFormat, string> = {
  'local-datetime': 'a "YYYY-MM-DD HH:MM:SS" time',
  'iso-datetime': 'an ISO 8601 time such as "2025-09-11T15:30:00Z"',
  'hh-mm': 'a "HH:MM" time of day',
  digits: 'a string of digits',
};

export function formatText(f: StringFormat): string {
  return FORMAT_TEXT[f];
}

// A property is required unless wrapped in opt() or def().
const OPTIONAL = Symbol('optional');
type Field = Schema & { [OPTIONAL]?: true };

export function opt<S extends Schema>(s: S): S {
  return Object.assign({}, s, { [OPTIONAL]: true as const });
}

/** Optional on the wire; a decoder fills in `value` when it is absent. */
export function def<S extends Schema>(s: S, value: unknown): S {
  return Object.assign({}, s, { default: value, [OPTIONAL]: true as const });
}

export function str(o: Omit<StringSchema, 'type'> = {}): StringSchema {
  const s: StringSchema = { type: 'string', ...o };
  if (o['x-format']) s.pattern = FORMAT_PATTERNS[o['x-format']];
  return s;
}

export function lit(value: string): StringSchema {
  return { type: 'string', const: value };
}

export function oneOfStr(values: string[], o: Annotated = {}): StringSchema {
  return { type: 'string', enum: values, ...o };
}

export function int(minimum?: number, maximum?: number, o: Annotated = {}): IntegerSchema {
  const s: IntegerSchema = { type: 'integer', ...o };
  if (minimum !== undefined) s.minimum = minimum;
  if (maximum !== undefined) s.maximum = maximum;
  return s;
}

export function num(minimum?: number, maximum?: number, o: Annotated = {}): NumberSchema {
  const s: NumberSchema = { type: 'number', ...o };
  if (minimum !== undefined) s.minimum = minimum;
  if (maximum !== undefined) s.maximum = maximum;
  return s;
}

export function bool(o: Annotated = {}): BooleanSchema {
  return { type: 'boolean', ...o };
}

export function any(o: Annotated = {}): AnySchema {
  return { 'x-any': true, ...o };
}

export function nullable(s: Schema, o: Annotated = {}): NullableSchema {
  return { anyOf: [s, { type: 'null' }], ...o };
}

export function arr(items: Schema, o: Omit<ArraySchema, 'type' | 'items'> = {}): ArraySchema {
  return { type: 'array', items, ...o };
}

export function obj(fields: Record<string, Field>, o: Annotated = {}): ObjectSchema {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const [name, f] of Object.entries(fields)) {
    if (!f[OPTIONAL]) required.push(name);
    const copy = { ...f };
    delete copy[OPTIONAL];
    properties[name] = copy;
  }
  return { type: 'object', properties, required, ...o };
}

export function isObject(s: Schema): s is ObjectSchema {
  return (s as ObjectSchema).type === 'object';
}
export function isNullable(s: Schema): s is NullableSchema {
  return Array.isArray((s as NullableSchema).anyOf);
}
export function isAny(s: Schema): s is AnySchema {
  return (s as AnySchema)['x-any'] === true;
}
