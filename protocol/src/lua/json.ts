// Strict RFC 8259 JSON for Lua 5.1 / 5.3, written for TypeScriptToLua (noImplicitSelf).
// Lua strings are byte strings: positions below are 1-based Lua byte indices and the
// Lua string library is called directly (no charCodeAt/substring lualib shims).

declare function tonumber(this: void, s: string, base?: number): number | undefined;
declare function type(this: void, v: unknown): string;
declare function setmetatable<T>(this: void, t: T, mt: object): T;
declare function getmetatable(this: void, t: unknown): unknown;
declare const string: {
  byte(this: void, s: string, i: number): number | undefined;
  char(this: void, ...bytes: number[]): string;
  sub(this: void, s: string, i: number, j?: number): string;
  find(this: void, s: string, pattern: string, init: number): number | undefined;
  match(this: void, s: string, pattern: string, init: number): any;
  gsub(this: void, s: string, pattern: string, repl: Record<string, string>): string;
  format(this: void, f: string, ...a: unknown[]): string;
};
declare const table: { concat(this: void, t: string[], sep?: string): string };
declare const math: { floor(this: void, x: number): number; huge: number };

const ARRAY_MT = {};
/** JSON null (nil cannot be stored in a Lua table). */
export const NULL: any = setmetatable({}, { __tostring: () => 'null' });

export function isArray(x: any): boolean {
  return type(x) === 'table' && getmetatable(x) === ARRAY_MT;
}

export function isObject(x: any): boolean {
  return type(x) === 'table' && x !== NULL && getmetatable(x) !== ARRAY_MT;
}

export function newArray(): any[] {
  return setmetatable([] as any[], ARRAY_MT);
}

// ---------------------------------------------------------------- decoding

const MAX_DEPTH = 64;
// A string chunk ends at a quote, a backslash or a control byte (%c also matches 127, which is allowed).
const STRING_STOP = '["\\%c]';
const SIMPLE_ESCAPES: Record<number, string> = {
  [34]: '"', [92]: '\\', [47]: '/', [98]: '\b', [102]: '\f', [110]: '\n', [114]: '\r', [116]: '\t',
};

// Parser state lives in module locals; the parser never yields, so this is re-entrant enough.
let src = '';
let pos = 1;
let err: string | undefined;

function fail(message: string, at: number): undefined {
  if (err === undefined) err = `${message} at position ${at - 1}`;
  return undefined;
}

function unexpected(at: number): undefined {
  const c = string.byte(src, at);
  if (c === undefined) return fail('unexpected end of input', at);
  if (c >= 32 && c < 127) return fail(`unexpected character '${string.char(c)}'`, at);
  return fail(`unexpected byte ${c}`, at);
}

function skipWs(): void {
  pos = string.match(src, '^[ \t\n\r]*()', pos);
}

function digitsEnd(at: number): number | undefined {
  return string.match(src, '^%d+()', at);
}

function parseNumber(): number | undefined {
  const start = pos;
  let i = pos;
  if (string.byte(src, i) === 45) i++; // '-'
  const c = string.byte(src, i);
  if (c === 48) i++; // a leading '0' stands alone; "01" fails at the caller on the '1'
  else if (c !== undefined && c >= 49 && c <= 57) i = digitsEnd(i)!;
  else return unexpected(i);
  if (string.byte(src, i) === 46) { // '.'
    const j = digitsEnd(i + 1);
    if (j === undefined) return unexpected(i + 1);
    i = j;
  }
  const e = string.byte(src, i);
  if (e === 101 || e === 69) { // 'e' | 'E'
    i++;
    const s = string.byte(src, i);
    if (s === 43 || s === 45) i++;
    const j = digitsEnd(i);
    if (j === undefined) return unexpected(i);
    i = j;
  }
  pos = i;
  // tonumber gives a 5.3 integer for integral lexemes that fit, a float (or +-inf) otherwise
  return tonumber(string.sub(src, start, i - 1));
}

function utf8(cp: number): string {
  if (cp < 0x80) return string.char(cp);
  if (cp < 0x800) return string.char(0xc0 + math.floor(cp / 64), 0x80 + (cp % 64));
  if (cp < 0x10000) {
    return string.char(0xe0 + math.floor(cp / 4096), 0x80 + (math.floor(cp / 64) % 64), 0x80 + (cp % 64));
  }
  return string.char(
    0xf0 + math.floor(cp / 262144),
    0x80 + (math.floor(cp / 4096) % 64),
    0x80 + (math.floor(cp / 64) % 64),
    0x80 + (cp % 64),
  );
}

function hex4(at: number): number | undefined {
  const h: string | undefined = string.match(src, '^%x%x%x%x', at);
  return h === undefined ? undefined : tonumber(h, 16);
}

function parseString(): string | undefined {
  let i = pos + 1; // after the opening quote
  const parts: string[] = [];
  let n = 0;
  for (;;) {
    const j = string.find(src, STRING_STOP, i);
    if (j === undefined) return fail('unterminated string', src.length + 1);
    const c = string.byte(src, j)!;
    if (c === 34) {
      pos = j + 1;
      if (n === 0) return string.sub(src, i, j - 1);
      parts[n++] = string.sub(src, i, j - 1);
      return table.concat(parts);
    }
    if (c === 127) { // DEL is not a JSON control character
      parts[n++] = string.sub(src, i, j);
      i = j + 1;
      continue;
    }
    if (c !== 92) return fail('control character in string', j);
    parts[n++] = string.sub(src, i, j - 1);
    const e = string.byte(src, j + 1);
    if (e === undefined) return fail('unterminated string', j + 1);
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      parts[n++] = simple;
      i = j + 2;
    } else if (e === 117) { // 'u'
      let cp = hex4(j + 2);
      if (cp === undefined) return fail('invalid \\u escape', j);
      i = j + 6;
      if (cp >= 0xd800 && cp <= 0xdbff && string.sub(src, i, i + 1) === '\\u') {
        const lo = hex4(i + 2);
        if (lo !== undefined && lo >= 0xdc00 && lo <= 0xdfff) {
          cp = 0x10000 + (cp - 0xd800) * 1024 + (lo - 0xdc00);
          i += 6;
        }
      }
      // A lone surrogate is kept as its 3-byte (WTF-8) encoding rather than rejected.
      parts[n++] = utf8(cp);
    } else {
      return fail('invalid escape', j);
    }
  }
}

function parseValue(depth: number): any {
  skipWs();
  const c = string.byte(src, pos);
  if (c === 34) return parseString();
  if (c === 123 || c === 91) {
    if (depth >= MAX_DEPTH) return fail(`nesting deeper than ${MAX_DEPTH}`, pos);
    return c === 123 ? parseObject(depth + 1) : parseArray(depth + 1);
  }
  if (c === 45 || (c !== undefined && c >= 48 && c <= 57)) return parseNumber();
  if (c === 116 && string.sub(src, pos, pos + 3) === 'true') {
    pos += 4;
    return true;
  }
  if (c === 102 && string.sub(src, pos, pos + 4) === 'false') {
    pos += 5;
    return false;
  }
  if (c === 110 && string.sub(src, pos, pos + 3) === 'null') {
    pos += 4;
    return NULL;
  }
  return unexpected(pos);
}

function parseArray(depth: number): any {
  const arr = newArray();
  let n = 0;
  pos++;
  skipWs();
  if (string.byte(src, pos) === 93) {
    pos++;
    return arr;
  }
  for (;;) {
    const v = parseValue(depth);
    if (err !== undefined) return undefined;
    arr[n++] = v;
    skipWs();
    const c = string.byte(src, pos);
    pos++;
    if (c === 93) return arr;
    if (c !== 44) return unexpected(pos - 1);
  }
}

function parseObject(depth: number): any {
  const obj: Record<string, any> = {};
  pos++;
  skipWs();
  if (string.byte(src, pos) === 125) {
    pos++;
    return obj;
  }
  for (;;) {
    skipWs();
    if (string.byte(src, pos) !== 34) return unexpected(pos);
    const key = parseString();
    if (err !== undefined) return undefined;
    skipWs();
    if (string.byte(src, pos) !== 58) return unexpected(pos);
    pos++;
    const v = parseValue(depth);
    if (err !== undefined) return undefined;
    obj[key!] = v;
    skipWs();
    const c = string.byte(src, pos);
    pos++;
    if (c === 125) return obj;
    if (c !== 44) return unexpected(pos - 1);
  }
}

export function jsonDecode(text: string): { ok: boolean; value?: any; error?: string } {
  if (type(text) !== 'string') return { ok: false, error: 'input is not a string' };
  src = text;
  pos = 1;
  err = undefined;
  const value = parseValue(0);
  if (err === undefined) {
    skipWs();
    if (pos <= text.length) unexpected(pos);
  }
  const error = err;
  src = ''; // do not pin a large input in memory
  err = undefined;
  return error === undefined ? { ok: true, value } : { ok: false, error };
}

// ---------------------------------------------------------------- encoding

const ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\' };
for (let b = 0; b < 32; b++) ESCAPES[string.char(b)] = string.format('\\u%04x', b);
ESCAPES['\n'] = '\\n';
ESCAPES['\r'] = '\\r';
ESCAPES['\t'] = '\\t';
ESCAPES['\b'] = '\\b';
ESCAPES['\f'] = '\\f';

let out: string[] = [];
let n = 0;

function quote(s: string): string {
  // DEL matches %c but has no ESCAPES entry, and gsub keeps a match whose table lookup is nil.
  return '"' + string.gsub(s, STRING_STOP, ESCAPES) + '"';
}

function numberText(x: number): string {
  if (x !== x || x === math.huge || x === -math.huge) return 'null';
  if (x === 0) return '0'; // also -0, as JSON.stringify does
  if (x % 1 === 0 && x <= 9007199254740992 && x >= -9007199254740992) return string.format('%.0f', x);
  for (let p = 14; p < 17; p++) {
    const s = string.format(`%.${p}g`, x);
    if (tonumber(s) === x) return s;
  }
  return string.format('%.17g', x);
}

// A table is encoded as an array if marked, or (for arrays built by plain TS code,
// e.g. `[a, b]` or `.map()`) if it is a non-empty sequence with keys exactly 1..count.
function isSequence(t: any): boolean {
  let count = 0;
  let max = 0;
  for (const k in t) {
    const key: unknown = k;
    if (type(key) !== 'number' || (key as number) < 1 || (key as number) % 1 !== 0) return false;
    count++;
    if ((key as number) > max) max = key as number;
  }
  return count > 0 && max === count;
}

function encodeValue(v: any): void {
  const t = type(v);
  if (t === 'string') {
    out[n++] = quote(v);
  } else if (t === 'number') {
    out[n++] = numberText(v);
  } else if (t === 'boolean') {
    out[n++] = v ? 'true' : 'false';
  } else if (t !== 'table' || v === NULL) {
    out[n++] = 'null'; // nil, NULL, functions, userdata
  } else if (getmetatable(v) === ARRAY_MT || isSequence(v)) {
    const a = v as any[];
    out[n++] = '[';
    for (let i = 0; i < a.length; i++) {
      if (i > 0) out[n++] = ',';
      encodeValue(a[i]);
    }
    out[n++] = ']';
  } else {
    out[n++] = '{';
    let first = true;
    for (const k in v) {
      const key: unknown = k;
      const kt = type(key);
      if (kt !== 'string' && kt !== 'number') continue; // not representable as a JSON key
      if (!first) out[n++] = ',';
      first = false;
      out[n++] = quote(kt === 'string' ? k : numberText(key as number));
      out[n++] = ':';
      encodeValue(v[k]);
    }
    out[n++] = '}';
  }
}

export function jsonEncode(value: any): string {
  out = [];
  n = 0;
  encodeValue(value);
  const s = table.concat(out);
  out = [];
  return s;
}
