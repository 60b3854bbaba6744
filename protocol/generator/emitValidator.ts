// Turns a message schema into straight-line validation code: no schema walking at run
// time, no exceptions, one `return fail(path, message)` per rule.
import type { Dialect } from './dialect.js';
import type { Schema, StringFormat } from '../src/schema/dsl.js';
import { isAny, isNullable, formatText, FORMAT_PATTERNS } from '../src/schema/dsl.js';
import type { DirectionDef, FamilyDef, MessageDef } from '../src/schema/family.js';

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function prop(x: string, name: string): string {
  return IDENT.test(name) ? `${x}.${name}` : `${x}[${JSON.stringify(name)}]`;
}

/** A path is emitted as code: a string literal, or a concatenation inside array loops. */
type PathCode = { code: string; isStatic: boolean };
const staticPath = (p: string): PathCode => ({ code: JSON.stringify(p), isStatic: true });
function childPath(p: PathCode, seg: string): PathCode {
  const esc = seg.replace(/~/g, '~0').replace(/\//g, '~1');
  if (p.isStatic) return staticPath(JSON.parse(p.code) + '/' + esc);
  return { code: `${p.code} + ${JSON.stringify('/' + esc)}`, isStatic: false };
}

function range(lo: number | undefined, hi: number | undefined): string {
  if (lo !== undefined && hi !== undefined) return ` from ${lo} to ${hi}`;
  if (lo !== undefined) return lo === 0 ? ' >= 0' : ` >= ${lo}`;
  if (hi !== undefined) return ` <= ${hi}`;
  return '';
}

export class ValidatorEmitter {
  private n = 0;
  readonly formats = new Set<StringFormat>();

  constructor(private readonly d: Dialect) {}

  private local(): string {
    return `x${this.n++}`;
  }

  /**
   * Checks `x` (an expression that is a plain local) against `s`.
   * `skip` names properties already checked by dispatch (discriminator, variant).
   */
  /**
   * With `required`, a missing value fails the first check and is reported as missing:
   * one test per field on the success path instead of two.
   */
  node(s: Schema, x: string, path: PathCode, out: string[], indent: string, skip: string[] = [], required = false): void {
    const f = (msg: string) =>
      required
        ? `return fail(${path.code}, ${x} === undefined ? 'is required' : ${JSON.stringify(msg)});`
        : `return fail(${path.code}, ${JSON.stringify(msg)});`;
    const d = this.d;
    if (isAny(s)) {
      if (required) out.push(`${indent}if (${x} === undefined) return fail(${path.code}, 'is required');`);
      return;
    }
    if (isNullable(s)) {
      const inner: string[] = [];
      this.node(s.anyOf[0], x, path, inner, indent + '  ', [], required);
      out.push(`${indent}if (!(${d.isNull(x)})) {`, ...inner, `${indent}}`);
      return;
    }
    switch (s.type) {
      case 'string': {
        if (s.const !== undefined) {
          out.push(`${indent}if (${x} !== ${JSON.stringify(s.const)}) ${f(`must be ${JSON.stringify(s.const)}`)}`);
          return;
        }
        out.push(`${indent}if (typeof ${x} !== 'string') ${f('must be a string')}`);
        if (s.enum) {
          const cond = s.enum.map((v) => `${x} !== ${JSON.stringify(v)}`).join(' && ');
          out.push(`${indent}if (${cond}) ${f(`must be one of: ${s.enum.join(', ')}`)}`);
        }
        if (s.minLength !== undefined) {
          // Only "non-empty" is portable: string length differs between UTF-16 (JS) and bytes (Lua, Espruino).
          if (s.minLength !== 1) throw new Error('generator: only minLength 1 is supported');
          out.push(`${indent}if (${x} === '') ${f('must not be empty')}`);
        }
        if (s['x-format']) {
          this.formats.add(s['x-format']);
          // Node: V8's compiled regex beats a character loop; elsewhere regex is unavailable or unreliable.
          const test = d.name === 'node' ? `${formatFn(s['x-format']).toUpperCase()}.test(${x})` : `${formatFn(s['x-format'])}(${x})`;
          out.push(`${indent}if (!${test}) ${f(`must be ${formatText(s['x-format'])}`)}`);
        }
        return;
      }
      case 'integer':
      case 'number': {
        const isInt = s.type === 'integer';
        // `x - x === 0` is false for NaN and ±Infinity in JavaScript, Espruino and Lua alike.
        // Node: Number.isInteger/isFinite are single inlined builtins (and also reject non-numbers).
        const typeCond =
          d.name === 'node'
            ? isInt
              ? `!Number.isInteger(${x})`
              : `!Number.isFinite(${x})`
            : isInt
              ? `typeof ${x} !== 'number' || ${x} - ${x} !== 0 || Math.floor(${x}) !== ${x}`
              : `typeof ${x} !== 'number' || ${x} - ${x} !== 0`;
        const what = (isInt ? 'an integer' : 'a number') + range(s.minimum, s.maximum);
        const conds = [typeCond];
        if (s.minimum !== undefined) conds.push(`${x} < ${s.minimum}`);
        if (s.maximum !== undefined) conds.push(`${x} > ${s.maximum}`);
        out.push(`${indent}if (${conds.join(' || ')}) ${f(`must be ${what}`)}`);
        return;
      }
      case 'boolean':
        out.push(`${indent}if (${x} !== true && ${x} !== false) ${f('must be true or false')}`);
        return;
      case 'array': {
        out.push(`${indent}if (!${d.isArray(x)}) ${f('must be an array')}`);
        if (s.maxItems !== undefined) {
          out.push(`${indent}if (${d.len(x)} > ${s.maxItems}) ${f(`must have at most ${s.maxItems} items`)}`);
        }
        if (s.minItems !== undefined) {
          out.push(`${indent}if (${d.len(x)} < ${s.minItems}) ${f(`must have at least ${s.minItems} items`)}`);
        }
        if (isAny(s.items)) return;
        const i = this.local();
        const it = this.local();
        const num = d.ts ? ': number' : '';
        const loopVar = d.decl === 'var' ? 'var' : 'let';
        out.push(`${indent}for (${loopVar} ${i}${num} = 0; ${i} < ${d.len(x)}; ${i}++) {`);
        out.push(`${indent}  ${d.decl} ${it}${d.ts ? ': any' : ''} = ${d.index(x, i)};`);
        const itemPath: PathCode = { code: `${path.code} + "/" + ${i}`, isStatic: false };
        this.node(s.items, it, itemPath, out, indent + '  ');
        out.push(`${indent}}`);
        return;
      }
      case 'object': {
        out.push(`${indent}if (!${d.isObject(x)}) ${f('must be an object')}`);
        for (const [name, ps] of Object.entries(s.properties)) {
          if (skip.includes(name)) continue;
          const y = this.local();
          const p = childPath(path, name);
          out.push(`${indent}${d.decl} ${y}${d.ts ? ': any' : ''} = ${prop(x, name)};`);
          const inner: string[] = [];
          if (s.required.includes(name)) {
            this.node(ps, y, p, out, indent, [], true);
            continue;
          }
          this.node(ps, y, p, inner, indent + '  ');
          if (ps.default !== undefined) {
            out.push(`${indent}if (${y} === undefined) {`);
            out.push(`${indent}  ${prop(x, name)} = ${this.literal(ps.default)};`);
            out.push(`${indent}} else {`, ...inner, `${indent}}`);
          } else if (inner.length) {
            out.push(`${indent}if (${y} !== undefined) {`, ...inner, `${indent}}`);
          }
        }
        return;
      }
    }
  }

  /** A default value as code; objects and arrays are fresh on every decode. */
  literal(v: unknown): string {
    if (v === null) return this.d.nullLiteral;
    if (Array.isArray(v)) {
      if (v.length) throw new Error('generator: non-empty array defaults are not supported');
      return this.d.emptyArray;
    }
    if (typeof v === 'object') {
      if (Object.keys(v as object).length) throw new Error('generator: non-empty object defaults are not supported');
      return '{}';
    }
    return JSON.stringify(v);
  }

  /** `function v_Name(o) { …checks…; return ok(o); }` */
  message(m: MessageDef, fam: FamilyDef, fnName: string): string {
    const out: string[] = [];
    const skip: string[] = [];
    if (fam.discriminator !== 'socketio') skip.push(fam.discriminator);
    if (m.variant) skip.push(m.variant.property);
    const base = fam.discriminator === 'socketio' ? staticPath('/1') : staticPath('');
    // The object test itself was done by the dispatcher.
    const lines: string[] = [];
    this.node(m.schema, 'o', base, lines, '  ', skip);
    out.push(...lines.slice(1).filter((l) => l.trim() !== ''));
    const a = this.d.ts ? ': any' : '';
    return `function ${fnName}(o${a})${this.d.ts ? ': any' : ''} {\n${out.join('\n')}\n  return ok(o);\n}`;
  }

  arrayMessage(dir: DirectionDef, fnName: string): string {
    const am = dir.arrayMessage!;
    const lines: string[] = [];
    this.node(am.schema, 'o', staticPath(''), lines, '  ');
    const a = this.d.ts ? ': any' : '';
    return `function ${fnName}(o${a})${this.d.ts ? ': any' : ''} {\n${lines.slice(1).join('\n')}\n  return ok(o);\n}`;
  }

  formatFunctions(): string {
    if (!this.formats.size) return '';
    if (this.d.name === 'node') {
      // The very patterns ajv checks (FORMAT_PATTERNS), so the oracle and the decoder cannot drift apart.
      // Groups become non-capturing: the same language, without V8 recording captures.
      return [...this.formats].map((f) => `const ${formatFn(f).toUpperCase()} = /${FORMAT_PATTERNS[f].replace(/\((?!\?)/g, '(?:')}/;`).join('\n');
    }
    const t = this.d.ts;
    const isDigit = `function isDigit(c${t ? ': number' : ''})${t ? ': boolean' : ''} {\n  return c >= 48 && c <= 57;\n}`;
    return [isDigit, ...[...this.formats].map((f) => FORMAT_FNS[f](this.d))].join('\n');
  }
}

export function formatFn(f: StringFormat): string {
  return 'is_' + f.replace(/-/g, '_');
}

// Character loops instead of regular expressions: Espruino's RegExp drops `{n}`, `?` and
// groups silently, and Lua patterns are another language again.
const digitRun = (d: Dialect, s: string, from: string, to: string) =>
  `  for (${d.decl === 'var' ? 'var' : 'let'} i${d.ts ? ': number' : ''} = ${from}; i < ${to}; i++) { ${d.decl} c${d.ts ? ': number' : ''} = ${s}.charCodeAt(i); if (c < 48 || c > 57) return false; }`;

const sig = (d: Dialect, name: string) => `function ${name}(s${d.ts ? ': string' : ''})${d.ts ? ': boolean' : ''} {`;

/** Checks `s` matches `template`, where 9 stands for any digit and other characters for themselves. */
function templateCheck(d: Dialect, template: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < template.length) {
    if (template[i] === '9') {
      // Unrolled: (c - 48) >>> 0 > 9 would be shorter, but Lua 5.1 has no bit operators.
      out.push(`  if (!isDigit(s.charCodeAt(${i}))) return false;`);
      i++;
    } else {
      out.push(`  if (s.charCodeAt(${i}) !== ${template.charCodeAt(i)}) return false;`);
      i++;
    }
  }
  return out;
}

const FORMAT_FNS: Record<StringFormat, (d: Dialect) => string> = {
  'local-datetime': (d) =>
    [
      sig(d, formatFn('local-datetime')),
      `  if (s.length !== 19) return false;`,
      ...templateCheck(d, '9999-99-99 99:99:99'),
      '  return true;',
      '}',
    ].join('\n'),
  'iso-datetime': (d) => {
    const v = d.decl === 'var' ? 'var' : 'let';
    const n = d.ts ? ': number' : '';
    return [
      sig(d, formatFn('iso-datetime')),
      `  ${v} n${n} = s.length;`,
      `  if (n < 20) return false;`,
      ...templateCheck(d, '9999-99-99T99:99:99'),
      `  ${v} i${n} = 19;`,
      `  if (s.charCodeAt(19) === 46) {`,
      `    i = 20;`,
      `    while (i < n) { ${d.decl} c${n} = s.charCodeAt(i); if (c < 48 || c > 57) break; i++; }`,
      `    if (i === 20) return false;`,
      `  }`,
      `  if (i === n - 1) return s.charCodeAt(i) === 90;`,
      `  if (i !== n - 6) return false;`,
      `  ${d.decl} sign${n} = s.charCodeAt(i);`,
      `  if (sign !== 43 && sign !== 45) return false;`,
      `  if (s.charCodeAt(i + 3) !== 58) return false;`,
      `  for (${v} k${n} = 1; k < 6; k++) { if (k !== 3) { ${d.decl} c${n} = s.charCodeAt(i + k); if (c < 48 || c > 57) return false; } }`,
      `  return true;`,
      `}`,
    ].join('\n');
  },
  'hh-mm': (d) =>
    [
      sig(d, formatFn('hh-mm')),
      `  if (s.length !== 5) return false;`,
      ...templateCheck(d, '99:99'),
      `  ${d.decl} h${d.ts ? ': number' : ''} = (s.charCodeAt(0) - 48) * 10 + s.charCodeAt(1) - 48;`,
      `  return h < 24 && s.charCodeAt(3) < 54;`,
      `}`,
    ].join('\n'),
  digits: (d) =>
    [
      sig(d, formatFn('digits')),
      `  if (s.length === 0) return false;`,
      digitRun(d, 's', '0', 's.length'),
      `  return true;`,
      `}`,
    ].join('\n'),
};
