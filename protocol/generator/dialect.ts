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
};
