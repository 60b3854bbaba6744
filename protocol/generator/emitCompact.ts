// Validators for Espruino, where code size is RAM: Espruino keeps function source in
// JsVars. Each message is still checked by its own specialised code (a chain of calls,
// one per field, no schema walked at run time), but the repeated checks live once in a
// small set of helpers, and error texts are assembled only when a check fails.
import type { ObjectSchema, Schema, StringFormat } from '../src/schema/dsl.js';
import { isAny, isNullable, formatText } from '../src/schema/dsl.js';
import type { DirectionDef, FamilyDef, MessageDef } from '../src/schema/family.js';

const q = (s: string) => JSON.stringify(s);

/** Helpers, each emitted only when used. Each check returns a failure or a falsy value. */
const HELPERS: Record<string, string> = {
  ok: 'function ok(v) { return { ok: true, value: v }; }',
  fail: 'function fail(p, m) { return { ok: false, error: { path: p, message: m } }; }',
  F: "function F(p, k, m) { return fail(p + '/' + k, m); }",
  // 0: present, 1: absent and optional, else the failure.
  M: "function M(o, k, p, opt) { return o[k] !== undefined ? 0 : opt ? 1 : F(p, k, 'is required'); }",
  isObj: "function isObj(v) { return typeof v === 'object' && v !== null && !Array.isArray(v); }",
  S: "function S(o, k, p, opt, ne) { var m = M(o, k, p, opt); if (m) return m === 1 ? 0 : m; var v = o[k]; return typeof v !== 'string' ? F(p, k, 'must be a string') : ne && v === '' ? F(p, k, 'must not be empty') : 0; }",
  E: "function E(o, k, p, opt, vs) { var m = M(o, k, p, opt); if (m) return m === 1 ? 0 : m; return vs.indexOf(o[k]) < 0 || typeof o[k] !== 'string' ? F(p, k, 'must be one of: ' + vs.join(', ')) : 0; }",
  N: "function N(o, k, p, opt, int, lo, hi) { var m = M(o, k, p, opt); if (m) return m === 1 ? 0 : m; var v = o[k]; return typeof v !== 'number' || v - v !== 0 || (int && Math.floor(v) !== v) || v < lo || v > hi ? F(p, k, 'must be ' + (int ? 'an integer' : 'a number') + (lo > -1e300 ? ' >= ' + lo : '') + (hi < 1e300 ? ' <= ' + hi : '')) : 0; }",
  B: "function B(o, k, p, opt) { var m = M(o, k, p, opt); if (m) return m === 1 ? 0 : m; return o[k] !== true && o[k] !== false ? F(p, k, 'must be true or false') : 0; }",
  R: 'function R(o, k, p) { return M(o, k, p, 0); }',
  O: "function O(o, k, p, opt) { var m = M(o, k, p, opt); if (m) return m === 1 ? 0 : m; return isObj(o[k]) ? 0 : F(p, k, 'must be an object'); }",
  A: "function A(o, k, p, opt, max, f) { var m = M(o, k, p, opt); if (m) return m === 1 ? 0 : m; var a = o[k]; if (!Array.isArray(a)) return F(p, k, 'must be an array'); if (a.length > max) return F(p, k, 'must have at most ' + max + ' items'); p = p + '/' + k; for (var i = 0; i < a.length; i++) { var e = f(a, i, p); if (e) return e; } return 0; }",
  D: 'function D(o, k, v) { if (o[k] === undefined) o[k] = v; return 0; }',
  T: 'function T(s, t, n) { if (s.length < t.length || (n && s.length !== t.length)) return 0; for (var i = 0; i < t.length; i++) { var c = s.charCodeAt(i), d = t.charCodeAt(i); if (d === 57 ? c < 48 || c > 57 : c !== d) return 0; } return 1; }',
  X: "function X(o, k, p, opt, f, txt) { var m = S(o, k, p, opt); if (m || o[k] === undefined) return m; return f(o[k]) ? 0 : F(p, k, 'must be ' + txt); }",
  dec: "function dec(t, max, check) { max = max || 65536; if (typeof t !== 'string') return fail('', 'message must be text'); if (t.length > max) return fail('', 'message is larger than the ' + max + '-byte limit'); var o; try { o = JSON.parse(t); } catch (e) { return fail('', 'invalid JSON'); } return check(o); }",
  // The board's JSON.stringify escapes every byte >= 0x80 of a byte string (the ESP32 build)
  // as \u00XX, so UTF-8 text would go out as mojibake ("P\u00C3\u00A9rez"); there the
  // escapes are turned back into the bytes. A build with Unicode strings escapes whole
  // characters, which is valid JSON as it is. BYTES tells them apart: only a byte-string
  // build truncates U+0100.
  enc: String.raw`var BYTES = JSON.stringify(JSON.parse('"\\u0100"')) !== '"\\u0100"';
function enc(v) { var s = JSON.stringify(v), o = '', i = 0, j, c; if (!BYTES) return s; while ((j = s.indexOf('\\', i)) >= 0) { c = s.charAt(j + 1) === 'u' ? parseInt(s.substr(j + 2, 4), 16) : 0; if (c > 127 && c < 256) { o += s.substring(i, j) + String.fromCharCode(c); i = j + 6; } else { o += s.substring(i, j + 2); i = j + 2; } } return o + s.substring(i); }`,
  dsp: "function dsp(o, T, k, w) { if (!isObj(o)) return fail('', 'must be a JSON object'); var t = o[k]; if (t === undefined) return fail('/' + k, 'is required'); if (typeof t !== 'string') return fail('/' + k, 'must be a string'); return T.hasOwnProperty(t) ? T[t](o) : fail('/' + k, 'Unknown ' + w + ': ' + t); }",
};

const DEPS: Record<string, string[]> = {
  F: ['fail'],
  M: ['F'],
  S: ['M'],
  E: ['M'],
  N: ['M'],
  B: ['M'],
  R: ['M'],
  O: ['M', 'isObj'],
  A: ['M'],
  X: ['S', 'F'],
  dec: ['fail'],
  dsp: ['fail', 'isObj'],
};

const FORMATS: Record<StringFormat, string> = {
  'local-datetime': "function is_local_datetime(s) { return T(s, '9999-99-99 99:99:99', 1); }",
  'iso-datetime':
    "function is_iso_datetime(s) { if (!T(s, '9999-99-99T99:99:99')) return 0; var n = s.length, i = 19; if (s.charCodeAt(i) === 46) { while (++i < n && T(s.charAt(i), '9')); if (i === 20) return 0; } return i === n - 1 ? s.charCodeAt(i) === 90 : i === n - 6 && (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45) && T(s.substr(i + 1), '99:99', 1); }",
  'hh-mm': "function is_hh_mm(s) { return T(s, '99:99', 1) && s < '24' && s.charCodeAt(3) < 54; }",
  digits: "function is_digits(s) { if (!s.length) return 0; for (var i = 0; i < s.length; i++) if (!T(s.charAt(i), '9')) return 0; return 1; }",
};

export class CompactEmitter {
  private used = new Set<string>();
  private formats = new Set<StringFormat>();
  private depth = 0;
  private maxDepth = 0;

  use(...names: string[]): void {
    for (const n of names) {
      if (this.used.has(n)) continue;
      this.used.add(n);
      this.use(...(DEPS[n] ?? []));
    }
  }

  /** The chain of checks for property `k` of `o` at parent path `p` (all code expressions). */
  field(s: Schema, o: string, k: string, p: string, required: boolean): string {
    const opt = required ? '0' : '1';
    if (s.default !== undefined) {
      this.use('D');
      return `D(${o}, ${k}, ${literal(s.default)}) || ${this.field({ ...s, default: undefined } as Schema, o, k, p, true)}`;
    }
    if (isAny(s)) {
      if (!required) return '0';
      this.use('R');
      return `R(${o}, ${k}, ${p})`;
    }
    if (isNullable(s)) return `(${o}[${k}] !== null && (${this.field(s.anyOf[0], o, k, p, required)}))`;
    switch (s.type) {
      case 'string':
        if (s.const !== undefined || s.enum) {
          this.use('E');
          return `E(${o}, ${k}, ${p}, ${opt}, ${JSON.stringify(s.enum ?? [s.const])})`;
        }
        if (s['x-format']) {
          this.use('X', 'T');
          this.formats.add(s['x-format']);
          return `X(${o}, ${k}, ${p}, ${opt}, is_${s['x-format'].replace(/-/g, '_')}, ${q(formatText(s['x-format']))})`;
        }
        this.use('S');
        return s.minLength ? `S(${o}, ${k}, ${p}, ${opt}, 1)` : `S(${o}, ${k}, ${p}, ${opt})`;
      case 'integer':
      case 'number': {
        this.use('N');
        const lo = s.minimum ?? -1e308;
        const hi = s.maximum ?? 1e308;
        return `N(${o}, ${k}, ${p}, ${opt}, ${s.type === 'integer' ? 1 : 0}, ${lo}, ${hi})`;
      }
      case 'boolean':
        this.use('B');
        return `B(${o}, ${k}, ${p}, ${opt})`;
      case 'array': {
        this.use('A');
        const item = this.field(s.items, 'a', 'i', 'p', true);
        return `A(${o}, ${k}, ${p}, ${opt}, ${s.maxItems ?? 1e9}, function (a, i, p) { return ${item}; })`;
      }
      case 'object': {
        this.use('O');
        const inner = this.objectBody(s, `${o}[${k}]`, pathJoin(p, k));
        if (!inner) return `O(${o}, ${k}, ${p}, ${opt})`;
        return required ? `O(${o}, ${k}, ${p}, 0) || ${inner}` : `O(${o}, ${k}, ${p}, 1) || ${o}[${k}] !== undefined && ${inner}`;
      }
    }
  }

  /** Checks of every property of an object already known to be one; '' when none. */
  objectBody(s: ObjectSchema, value: string, p: string, skip: string[] = []): string {
    const entries = Object.entries(s.properties).filter(([k]) => !skip.includes(k));
    if (!entries.length) return '';
    this.depth++;
    this.maxDepth = Math.max(this.maxDepth, this.depth);
    const v = `x${this.depth}`;
    const checks = entries.map(([k, ps]) => this.field(ps, v, q(k), p, s.required.includes(k)));
    this.depth--;
    return `(${v} = ${value}, ${checks.join(' || ')})`;
  }

  message(m: MessageDef, fam: FamilyDef, name: string): string {
    this.use('ok');
    const skip: string[] = fam.discriminator === 'socketio' ? [] : [fam.discriminator];
    if (m.variant) skip.push(m.variant.property);
    this.maxDepth = 0;
    const body = this.objectBody(m.schema, 'o', fam.discriminator === 'socketio' ? "'/1'" : "''", skip);
    const vars = Array.from({ length: this.maxDepth }, (_, i) => `x${i + 1}`).join(', ');
    return `function ${name}(o) { ${vars ? `var ${vars}; ` : ''}return ${body ? body + ' || ' : ''}ok(o); }`;
  }

  arrayMessage(dir: DirectionDef, name: string): string {
    this.use('ok', 'fail');
    const am = dir.arrayMessage!;
    this.maxDepth = 0;
    const item = this.field(am.schema.items, 'a', 'i', 'p', true);
    const vars = Array.from({ length: this.maxDepth }, (_, i) => `x${i + 1}`).join(', ');
    return `function ${name}(o) { ${vars ? `var ${vars}; ` : ''}for (var i = 0; i < o.length; i++) { var e = (function (a, i, p) { return ${item}; })(o, i, ''); if (e) return e; } return ok(o); }`;
  }

  dispatch(fam: FamilyDef, dir: DirectionDef, name: string, validator: (m: MessageDef) => string): string {
    const groups = new Map<string, MessageDef[]>();
    for (const m of dir.messages) groups.set(m.tag, [...(groups.get(m.tag) ?? []), m]);
    const entries: string[] = [];
    for (const [tag, list] of groups) {
      if (list.length === 1) {
        entries.push(`${q(tag)}: ${validator(list[0])}`);
        continue;
      }
      const vp = list[0].variant!.property;
      const tests = list.map((m) => `s === ${q(m.variant!.value)} ? ${validator(m)}(o) : `).join('');
      const values = list.map((m) => m.variant!.value).join(', ');
      entries.push(`${q(tag)}: function (o) { var s = o[${q(vp)}]; return ${tests}fail('/${vp}', s === undefined ? 'is required' : 'must be one of: ${values}'); }`);
    }
    const table = `{ ${entries.join(', ')} }`;
    if (fam.discriminator === 'socketio') {
      this.use('fail', 'isObj', 'ok');
      return [
        `var ${name}_T = ${table};`,
        `function ${name}(o) {`,
        `  if (!Array.isArray(o) || o.length !== 2) return fail('', 'must be a Socket.io event array [name, payload]');`,
        `  var t = o[0], p = o[1];`,
        `  if (typeof t !== 'string') return fail('/0', 'must be a string');`,
        `  if (!isObj(p)) return fail('/1', 'must be an object');`,
        `  if (!${name}_T.hasOwnProperty(t)) return fail('/0', 'Unknown event: ' + t);`,
        `  var r = ${name}_T[t](p);`,
        `  return r.ok ? ok({ event: t, data: p }) : r;`,
        `}`,
      ].join('\n');
    }
    this.use('dsp');
    const arr = dir.arrayMessage ? `Array.isArray(o) ? v_${dir.arrayMessage.typeName}(o) : ` : '';
    return `var ${name}_T = ${table};\nfunction ${name}(o) { return ${arr}dsp(o, ${name}_T, ${q(fam.discriminator)}, ${q(fam.discriminator)}); }`;
  }

  helpers(): string {
    const order = Object.keys(HELPERS).filter((h) => this.used.has(h));
    return [...order.map((h) => HELPERS[h]), ...[...this.formats].map((f) => FORMATS[f])].join('\n');
  }
}

function pathJoin(p: string, k: string): string {
  // Both are code: fold literals so the common case stays a constant string.
  if (p.startsWith("'") && k.startsWith('"')) return q(JSON.parse(p.replace(/^'|'$/g, '"')) + '/' + JSON.parse(k));
  if (p.startsWith('"') && k.startsWith('"')) return q(JSON.parse(p) + '/' + JSON.parse(k));
  return `${p} + '/' + ${k}`;
}

function literal(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return Array.isArray(v) ? '[]' : '{}';
  return JSON.stringify(v);
}
