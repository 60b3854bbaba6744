// Schema-specialised stringifiers: the field names, punctuation and constant values are
// written into the code, so encoding a message is a handful of concatenations.
import type { Schema } from '../src/schema/dsl.js';
import { isAny, isNullable } from '../src/schema/dsl.js';
import type { MessageDef } from '../src/schema/family.js';
import { prop } from './emitValidator.js';

const lit = (jsonText: string) => JSON.stringify(jsonText);

/** Joins expressions with +, folding adjacent string literals into one. */
function concat(parts: string[]): string {
  const out: string[] = [];
  for (const p of parts) {
    const prev = out[out.length - 1];
    if (prev !== undefined && isLiteral(prev) && isLiteral(p)) out[out.length - 1] = lit(JSON.parse(prev) + JSON.parse(p));
    else out.push(p);
  }
  return out.join(' + ');
}

/** Fields whose JSON text is the value itself (a number) or the value between quotes (text). */
function plainKind(s: Schema): 'text' | 'number' | undefined {
  if (isAny(s) || isNullable(s)) return undefined;
  if (s.type === 'string' && s.const === undefined) return 'text';
  if (s.type === 'number' || s.type === 'integer') return 'number';
  return undefined;
}

function isLiteral(code: string): boolean {
  if (!code.startsWith('"')) return false;
  try {
    return typeof JSON.parse(code) === 'string';
  } catch {
    return false;
  }
}

export class EncoderEmitter {
  private helpers: string[] = [];
  private n = 0;

  /** An expression that evaluates to the JSON text of `x`. */
  expr(s: Schema, x: string): string {
    if (isAny(s)) return `anyJson(${x})`;
    if (isNullable(s)) return `(${x} === null ? 'null' : ${this.expr(s.anyOf[0], x)})`;
    switch (s.type) {
      case 'string':
        return s.const !== undefined ? lit(JSON.stringify(s.const)) : `str(${x})`;
      case 'integer':
      case 'number':
        return `num(${x})`;
      case 'boolean':
        return `(${x} ? 'true' : 'false')`;
      case 'array': {
        const name = `enc_a${this.n++}`;
        const item = this.expr(s.items, 'a[i]');
        this.helpers.push(
          `function ${name}(a: any): string {\n  let s = '[';\n  for (let i = 0; i < a.length; i++) s += (i === 0 ? '' : ',') + ${item};\n  return s + ']';\n}`,
        );
        return `${name}(${x})`;
      }
      case 'object': {
        const entries = Object.entries(s.properties);
        const present = (name: string, ps: Schema) => s.required.includes(name) || ps.default !== undefined;
        const field = (name: string, ps: Schema) => {
          const v = this.expr(ps, prop('v', name));
          return ps.default !== undefined
            ? `(${prop('v', name)} === undefined ? ${lit(JSON.stringify(ps.default))} : ${v})`
            : v;
        };
        const name = `enc_o${this.n++}`;
        // Fields always present come first in one concatenation; optional ones are appended.
        if (entries.length === 0) return `'{}'`;
        if (present(entries[0][0], entries[0][1])) {
          const parts: string[] = [];
          // The same head with its text fields written between folded-in quotes and its numbers
          // as they are, for when no text needs escaping and every number is finite: fewer
          // string pieces and no call per field.
          const plainParts: string[] = [];
          const locals: string[] = [];
          const guards: string[] = [];
          const opts: string[] = [];
          let first = true;
          let tail = false;
          for (const [k, ps] of entries) {
            const keyText = (first ? '{' : ',') + JSON.stringify(k) + ':';
            first = false;
            if (present(k, ps) && !tail) {
              const f = field(k, ps);
              parts.push(lit(keyText), f);
              const kind = plainKind(ps);
              if (kind) {
                const t = `t${locals.length}`;
                locals.push(`${t} = ${prop('v', k)}`);
                guards.push(kind === 'text' ? `isPlainText(${t})` : `Number.isFinite(${t})`);
                plainParts.push(lit(keyText), ...(kind === 'text' ? [lit('"'), t, lit('"')] : [t]));
              } else plainParts.push(lit(keyText), f);
            } else {
              tail = true;
              if (present(k, ps)) opts.push(`  s += ${concat([lit(keyText), field(k, ps)])};`);
              else opts.push(`  if (${prop('v', k)} !== undefined) s += ${concat([lit(keyText), field(k, ps)])};`);
            }
          }
          const close = opts.length ? [] : [lit('}')];
          let head = concat([...parts, ...close]);
          let decl = '';
          if (locals.length) {
            decl = `  const ${locals.join(', ')};\n`;
            head = `${guards.join(' && ')}\n    ? ${concat([...plainParts, ...close])}\n    : ${head}`;
          }
          if (!opts.length) {
            this.helpers.push(`function ${name}(v: any): string {\n${decl}  return ${head};\n}`);
          } else {
            this.helpers.push(`function ${name}(v: any): string {\n${decl}  let s = ${head};\n${opts.join('\n')}\n  return s + '}';\n}`);
          }
        } else {
          const lines = entries.map(([k, ps]) => {
            const keyText = JSON.stringify(k) + ':';
            const put = `{ s += c + ${lit(keyText)} + ${field(k, ps)}; c = ','; }`;
            return present(k, ps) ? `  ${put}` : `  if (${prop('v', k)} !== undefined) ${put}`;
          });
          this.helpers.push(`function ${name}(v: any): string {\n  let s = '{';\n  let c = '';\n${lines.join('\n')}\n  return s + '}';\n}`);
        }
        return `${name}(${x})`;
      }
    }
  }

  message(m: MessageDef): string {
    return this.expr(m.schema, 'm');
  }

  takeHelpers(): string {
    const h = this.helpers.join('\n\n');
    this.helpers = [];
    return h;
  }
}
