// The three places generated validators run differ in only a handful of expressions.
// Everything else is written once, in the subset that is valid TypeScript, valid
// Espruino JavaScript and compiles with typescript-to-lua.

export interface Dialect {
  name: 'node' | 'espruino' | 'lua';
  /** Emit TypeScript annotations. */
  ts: boolean;
  decl: 'const' | 'var';
  isObject(x: string): string;
  isArray(x: string): string;
  isNull(x: string): string;
  nullLiteral: string;
  /** Expression for a fresh empty array to use as a default. */
  emptyArray: string;
  /** Element i and length of an array value (typescript-to-lua shifts indexes only on arrays it knows). */
  index(x: string, i: string): string;
  len(x: string): string;
}

export const nodeDialect: Dialect = {
  name: 'node',
  ts: true,
  decl: 'const',
  isObject: (x) => `(typeof ${x} === 'object' && ${x} !== null && !Array.isArray(${x}))`,
  isArray: (x) => `Array.isArray(${x})`,
  isNull: (x) => `${x} === null`,
  nullLiteral: 'null',
  emptyArray: '[]',
  index: (x, i) => `${x}[${i}]`,
  len: (x) => `${x}.length`,
};

export const espruinoDialect: Dialect = {
  name: 'espruino',
  ts: false,
  decl: 'var',
  isObject: (x) => `(typeof ${x} === 'object' && ${x} !== null && !Array.isArray(${x}))`,
  isArray: (x) => `Array.isArray(${x})`,
  isNull: (x) => `${x} === null`,
  nullLiteral: 'null',
  emptyArray: '[]',
  index: (x, i) => `${x}[${i}]`,
  len: (x) => `${x}.length`,
};

/** Lua tables stand for objects and arrays alike; the JSON layer marks arrays and has a NULL sentinel. */
export const luaDialect: Dialect = {
  name: 'lua',
  ts: true,
  decl: 'const',
  isObject: (x) => `isObject(${x})`,
  isArray: (x) => `isArray(${x})`,
  isNull: (x) => `${x} === NULL`,
  nullLiteral: 'NULL',
  emptyArray: 'newArray()',
  index: (x, i) => `(${x} as any[])[${i}]`,
  len: (x) => `(${x} as any[]).length`,
};
