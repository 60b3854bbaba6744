// Espruino's JSON, ported from its C source (2v29: jswrap_json.c, the lexer in jslex.c,
// escapeCharacter in jsutils.c). JSON.parse runs Espruino's JavaScript lexer over the text,
// so it accepts what that lexer accepts: trailing commas, single quotes and backticks,
// comments, leading zeros (octal: "010" is 8), hex, and anything after the value.
// JSON.stringify escapes every character outside 32..126 as \u00XX (\uXXXX above 0xFF),
// prints numbers as Espruino does, and ignores a replacer.
import { formatNumber, parseFloatAt, parseIntToken } from './numbers.js';

export interface JsonRealm {
  /** Strings are bytes (the ESP32 build): a \uXXXX escape keeps its low byte. */
  byteStrings: boolean;
  newObject(): Record<string, unknown>;
  newArray(): unknown[];
  syntaxError(message: string): Error;
  notSupported(what: string): Error;
}

type Token =
  | { t: 'eof' | '-' | 'int' | 'float' | 'str' | 'id'; text: string }
  | { t: 'punct'; text: string };

const WS = ' \t\n\v\f\r';
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isHex = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const isIdStart = (c: string | undefined) => c !== undefined && /^[A-Za-z_$]$/.test(c);
const isIdChar = (c: string | undefined) => c !== undefined && /^[A-Za-z0-9_$]$/.test(c);

class Lexer {
  private i = 0;
  tk: Token = { t: 'eof', text: '' };
  constructor(private readonly s: string, private readonly realm: JsonRealm) {
    this.next();
  }

  next(): void {
    const s = this.s;
    for (;;) {
      while (this.i < s.length && WS.includes(s[this.i])) this.i++;
      if (s[this.i] === '/' && s[this.i + 1] === '/') {
        while (this.i < s.length && s[this.i] !== '\n') this.i++;
      } else if (s[this.i] === '/' && s[this.i + 1] === '*') {
        const end = s.indexOf('*/', this.i + 2);
        this.i = end < 0 ? s.length : end + 2;
      } else break;
    }
    if (this.i >= s.length) {
      this.tk = { t: 'eof', text: '' };
      return;
    }
    const c = s[this.i];
    if (isIdStart(c)) {
      const start = this.i;
      while (isIdChar(s[this.i])) this.i++;
      this.tk = { t: 'id', text: s.slice(start, this.i) };
    } else if (isDigit(c) || (c === '.' && isDigit(s[this.i + 1]))) this.number();
    else if (c === '"' || c === "'" || c === '`') this.string(c);
    else if (c === '-') {
      this.i++;
      const n = s[this.i];
      if (n === '-' || n === '=') {
        this.i++;
        this.tk = { t: 'punct', text: '-' + n };
      } else this.tk = { t: '-', text: '-' };
    } else {
      this.i++;
      this.tk = { t: 'punct', text: c };
    }
  }

  private number(): void {
    const s = this.s;
    let text = '';
    let t: 'int' | 'float' = 'int';
    let canBeFloating = true;
    if (s[this.i] === '.') {
      t = 'float';
      text = '.';
      this.i++;
    } else {
      if (s[this.i] === '0') {
        text += '0';
        this.i++;
        const x = s[this.i];
        if (x === 'x' || x === 'X' || x === 'b' || x === 'B' || x === 'o' || x === 'O') {
          canBeFloating = false;
          text += x;
          this.i++;
        }
      }
      while (isDigit(s[this.i]) || (!canBeFloating && isHex(s[this.i])) || s[this.i] === '_') {
        if (s[this.i] !== '_') text += s[this.i];
        this.i++;
      }
      if (canBeFloating && s[this.i] === '.') {
        t = 'float';
        text += '.';
        this.i++;
      }
    }
    if (t === 'float') {
      while (isDigit(s[this.i]) || s[this.i] === '_') {
        if (s[this.i] !== '_') text += s[this.i];
        this.i++;
      }
    }
    if (canBeFloating && (s[this.i] === 'e' || s[this.i] === 'E')) {
      t = 'float';
      text += s[this.i++];
      if (s[this.i] === '-' || s[this.i] === '+') text += s[this.i++];
      while (isDigit(s[this.i]) || s[this.i] === '_') {
        if (s[this.i] !== '_') text += s[this.i];
        this.i++;
      }
    }
    this.tk = { t, text };
  }

  private string(delim: string): void {
    const s = this.s;
    this.i++;
    let out = '';
    let nesting = 0;
    let hasTemplate = false;
    let last = delim;
    while (this.i < s.length && (s[this.i] !== delim || nesting)) {
      const c = s[this.i];
      if (delim === '`') {
        if ((last === '$' || nesting) && c === '{') {
          nesting++;
          hasTemplate = true;
        } else if (nesting && c === '}') nesting--;
      }
      if (nesting === 0 && c === '\\') {
        this.i++;
        const e = s[this.i];
        let ch: string;
        const simple: Record<string, string> = { n: '\n', b: '\b', f: '\f', r: '\r', t: '\t', v: '\v' };
        if (e in simple) {
          ch = simple[e];
          this.i++;
        } else if (e === 'u' || e === 'x') {
          this.i++;
          let hex = '';
          for (let n = e === 'u' ? 4 : 2; n > 0; n--) {
            if (!isHex(s[this.i])) throw this.realm.syntaxError('Invalid escape sequence');
            hex += s[this.i++];
          }
          const code = parseInt(hex, 16);
          ch = String.fromCharCode(this.realm.byteStrings ? code & 255 : code);
        } else if (e >= '0' && e <= '7') {
          let oct = e;
          this.i++;
          for (let n = 0; n < 2 && s[this.i] >= '0' && s[this.i] <= '7'; n++) oct += s[this.i++];
          ch = String.fromCharCode(parseInt(oct, 8) & 255);
        } else {
          ch = e ?? '';
          this.i++;
        }
        last = ch;
        out += ch;
      } else if (c === '\n' && delim !== '`') break;
      else {
        out += c;
        last = c;
        this.i++;
      }
    }
    const finished = s[this.i] === delim;
    this.i++;
    if (!finished) this.tk = { t: 'punct', text: delim === '`' ? 'UNFINISHED TEMPLATE LITERAL' : 'UNFINISHED STRING' };
    else if (hasTemplate) this.tk = { t: 'punct', text: 'TEMPLATE LITERAL' };
    else this.tk = { t: 'str', text: out };
  }
}

function tokenName(tk: Token): string {
  switch (tk.t) {
    case 'eof':
      return 'EOF';
    case 'id':
      return tk.text === 'true' || tk.text === 'false' || tk.text === 'null' ? tk.text : 'ID';
    case 'int':
      return 'INT';
    case 'float':
      return 'FLOAT';
    case 'str':
      return 'STRING';
    default:
      return tk.text.length === 1 ? `'${tk.text}'` : tk.text;
  }
}

/** Espruino's JSON.parse; undefined where the board returns undefined without an error ("-x"). */
export function parseJson(text: string, realm: JsonRealm): unknown {
  const lex = new Lexer(text, realm);
  const match = (want: string, name: string) => {
    if (lex.tk.t === 'punct' && lex.tk.text === want) {
      lex.next();
      return;
    }
    throw realm.syntaxError(`Got ${tokenName(lex.tk)} expected ${name}`);
  };
  const isPunct = (p: string) => lex.tk.t === 'punct' && lex.tk.text === p;
  const value = (): unknown => {
    const tk = lex.tk;
    if (tk.t === 'id' && (tk.text === 'true' || tk.text === 'false' || tk.text === 'null')) {
      lex.next();
      return tk.text === 'null' ? null : tk.text === 'true';
    }
    if (tk.t === '-') {
      lex.next();
      if (lex.tk.t !== 'int' && lex.tk.t !== 'float') return undefined;
      return 0 - (value() as number);
    }
    if (tk.t === 'int' || tk.t === 'float') {
      lex.next();
      return tk.t === 'int' ? parseIntToken(tk.text) : parseFloatAt(tk.text).value;
    }
    if (tk.t === 'str') {
      lex.next();
      return tk.text;
    }
    if (isPunct('[')) {
      const arr = realm.newArray();
      lex.next();
      while (!isPunct(']')) {
        const v = value();
        if (v === undefined) return undefined;
        if (!isPunct(']')) match(',', "','");
        arr.push(v);
      }
      match(']', "']'");
      return arr;
    }
    if (isPunct('{')) {
      const obj = realm.newObject();
      lex.next();
      while (lex.tk.t === 'str' || lex.tk.t === 'int' || lex.tk.t === 'id') {
        if (lex.tk.t !== 'str') throw realm.syntaxError(`Got ${tokenName(lex.tk)} expected STRING`);
        const key = lex.tk.text;
        lex.next();
        match(':', "':'");
        const v = value();
        if (v === undefined) return undefined;
        if (!isPunct('}')) match(',', "','");
        obj[key] = v;
      }
      match('}', "'}'");
      return obj;
    }
    throw realm.syntaxError(`Expecting valid value, got ${tokenName(tk)}`);
  };
  return value();
}

function escapeString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    const c = s[i];
    if (c === '\n') out += '\\n';
    else if (c === '\t') out += '\\t';
    else if (c === '\b') out += '\\b';
    else if (c === '\f') out += '\\f';
    else if (c === '\r') out += '\\r';
    else if (c === '\\') out += '\\\\';
    else if (c === '"') out += '\\"';
    else if (ch < 32 || ch >= 127) out += '\\u' + ch.toString(16).toUpperCase().padStart(4, '0');
    else out += c;
  }
  return out + '"';
}

/** Espruino's JSON.stringify (without an indent: its pretty layout is not emulated). */
export function stringifyJson(value: unknown, indent: unknown, realm: JsonRealm): string {
  if (indent !== undefined && indent !== null && indent !== 0 && indent !== '') {
    throw realm.notSupported('JSON.stringify with an indent');
  }
  const busy = new Set<object>();
  const write = (v: unknown, key: string, allowToJson: boolean): string => {
    if (v === undefined) return 'null';
    if (v === null) return 'null';
    switch (typeof v) {
      case 'number':
        return Number.isFinite(v) ? formatNumber(v) : 'null';
      case 'boolean':
        return v ? 'true' : 'false';
      case 'string':
        return escapeString(v);
      case 'function':
        return 'undefined';
      case 'bigint':
      case 'symbol':
        throw realm.notSupported(`JSON.stringify of a ${typeof v}`);
    }
    const o = v as Record<string, unknown>;
    if (busy.has(o)) return ' ... ';
    const tag = Object.prototype.toString.call(o);
    if (ArrayBuffer.isView(o) && tag !== '[object DataView]') {
      return '[' + Array.prototype.map.call(o, (x: number) => formatNumber(x)).join(',') + ']';
    }
    if (tag === '[object ArrayBuffer]') {
      return '[' + Array.from(new Uint8Array(o as unknown as ArrayBuffer), (x) => formatNumber(x)).join(',') + ']';
    }
    busy.add(o);
    try {
      if (Array.isArray(o)) {
        const parts: string[] = [];
        for (let i = 0; i < o.length; i++) parts.push(write(o[i], String(i), true));
        return '[' + parts.join(',') + ']';
      }
      if (allowToJson && typeof o.toJSON === 'function') {
        busy.delete(o);
        return write((o.toJSON as (k: string) => unknown).call(o, key), '', false);
      }
      const parts: string[] = [];
      for (const k of Object.keys(o)) {
        const d = Object.getOwnPropertyDescriptor(o, k);
        if (!d || d.get || d.set) continue;
        const item = d.value;
        if (item === undefined || typeof item === 'function') continue;
        parts.push(escapeString(k) + ':' + write(item, k, true));
      }
      return '{' + parts.join(',') + '}';
    } finally {
      busy.delete(o);
    }
  };
  if (typeof value === 'function') return 'undefined';
  return write(value, '', true);
}
