// Rewrites code before it runs in the fidelity realm, for what V8 does below the reach of
// any global: `a + b`, `+=` and template literals print numbers with V8's shortest
// round-trip digits, unary `+` trims spaces, for…of walks code points, `arr.length = n` truncates, decimal literals
// parse exactly, and on a byte-string build a \uXXXX escape above 0xFF keeps one byte.
// Each such expression becomes a call of a realm helper (HELPERS) that does what
// Espruino does; everything else is copied unchanged, line breaks included.
import { parse } from 'acorn';
import { parseFloatAt } from './numbers.js';

/** The realm global that holds the helpers the rewritten code calls. */
export const HELPERS = '__espruinoRealm';

type AnyNode = { type: string; start: number; end: number } & Record<string, any>;

function childrenOf(n: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  for (const k of Object.keys(n)) {
    if (k === 'type' || k === 'start' || k === 'end' || k === 'loc') continue;
    const v = n[k];
    if (Array.isArray(v)) for (const x of v) if (x && typeof x.type === 'string') out.push(x);
    if (v && typeof v === 'object' && typeof v.type === 'string') out.push(v);
  }
  out.sort((a, b) => a.start - b.start);
  // `{ a }`: key and value are one piece of text.
  return out.filter((c, i) => i === 0 || c.start !== out[i - 1].start || c.end !== out[i - 1].end);
}

function isLengthTarget(n: AnyNode): boolean {
  return (
    n.type === 'MemberExpression' &&
    n.object.type !== 'Super' &&
    ((!n.computed && n.property.name === 'length') || (n.computed && n.property.type === 'Literal' && n.property.value === 'length'))
  );
}

export interface RewriteOptions {
  byteStrings: boolean;
}

/** The code as the fidelity realm runs it. Throws acorn's SyntaxError on code that does not parse. */
export function rewriteForEspruino(code: string, options: RewriteOptions): string {
  const ast = parse(code, { ecmaVersion: 2022, sourceType: 'script', allowReturnOutsideFunction: false }) as unknown as AnyNode;
  const H = HELPERS;
  const emit = (n: AnyNode, parent: AnyNode | null): string => {
    const text = copy;
    switch (n.type) {
      case 'BinaryExpression':
        if (n.operator === '+') return `${H}.add(${emit(n.left, n)}, ${emit(n.right, n)})`;
        break;
      case 'UnaryExpression':
        if (n.operator === '+') return `${H}.num(${emit(n.argument, n)})`;
        break;
      case 'AssignmentExpression':
        if (n.operator === '+=' && n.left.type === 'Identifier') {
          return `${n.left.name} = ${H}.add(${n.left.name}, ${emit(n.right, n)})`;
        }
        if (n.operator === '+=' && n.left.type === 'MemberExpression' && n.left.object.type !== 'Super') {
          const key = n.left.computed ? emit(n.left.property, n.left) : JSON.stringify(n.left.property.name);
          return `${H}.addTo(${emit(n.left.object, n.left)}, ${key}, ${emit(n.right, n)})`;
        }
        if (isLengthTarget(n.left)) return lengthTarget(n.left) + code.slice(n.left.end, n.right.start) + emit(n.right, n);
        break;
      case 'UpdateExpression':
        if (isLengthTarget(n.argument)) {
          const t = lengthTarget(n.argument);
          return n.prefix ? n.operator + t : t + n.operator;
        }
        break;
      case 'Literal':
        if (typeof n.value === 'string' && options.byteStrings && /[^\u0000-\u00ff]/.test(n.value)) {
          return JSON.stringify(Array.from(n.value as string, (c) => String.fromCharCode(c.charCodeAt(0) & 255)).join(''));
        }
        if (typeof n.value === 'number' && /^[0-9.]*[.eE]/.test(n.raw) && !(parent?.type === 'Property' && parent.key === n && !parent.computed)) {
          const v = parseFloatAt(n.raw).value;
          if (v !== n.value) return `(${String(v)})`;
        }
        break;
    }
    if (parent?.type === 'ForOfStatement' && parent.right === n) return `${H}.iter(${text(n)})`;
    const out = text(n);
    return parent?.type === 'TemplateLiteral' && parent.expressions.includes(n) ? `${H}.str(${out})` : out;
  };
  const lengthTarget = (m: AnyNode): string => `${H}.len(${emit(m.object, m)})${code.slice(m.object.end, m.end)}`;
  const copy = (n: AnyNode): string => {
    let out = '';
    let pos = n.start;
    for (const c of childrenOf(n)) {
      out += code.slice(pos, c.start);
      const piece = emit(c, n);
      // Minified code writes `return"a"+b` and `return+x`: a rewrite starting with a name needs a space there.
      if (/[\w$]$/.test(out) && /^[\w$]/.test(piece) && !/^[\w$]/.test(code.slice(c.start, c.start + 1))) out += ' ';
      out += piece;
      pos = c.end;
    }
    return out + code.slice(pos, n.end);
  };
  return code.slice(0, ast.start) + emit(ast, null) + code.slice(ast.end);
}
