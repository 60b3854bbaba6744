// The Espruino dialect check: parses a bundle and lists every construct the Espruino
// interpreter (2v29, measured — see shared/ESPRUINO.md) would reject or silently mis-run.
// Espruino reports parse errors lazily, only when a function first runs, so a bundle
// that is going onto a board must pass this before it is flashed.
import { parse } from 'acorn';
import { MISSING_GLOBALS, MISSING_METHODS, MISSING_STATICS, PROTOTYPES_WITHOUT_BUILTINS } from './espruinoProfile.js';
import { analyseScopes, type AnyNode } from './espruinoScopes.js';
import { checkHoisting } from './espruinoHoisting.js';
import { checkScopeTraps } from './espruinoScopeTraps.js';

export interface DialectProblem {
  line: number;
  column: number;
  message: string;
}

const MISSING_GLOBAL_SET = new Set(MISSING_GLOBALS);
const MISSING_METHOD_SET = new Set(Object.values(MISSING_METHODS).flat());
const PROTOTYPES_WITHOUT_BUILTINS_SET = new Set(PROTOTYPES_WITHOUT_BUILTINS);
/** Methods whose result is text cut from other text, which may carry spaces. */
const TEXT_METHODS = new Set(['substr', 'substring', 'slice', 'charAt', 'replace', 'replaceAll', 'padStart', 'padEnd', 'toString', 'join', 'repeat', 'toUpperCase', 'toLowerCase', 'concat']);

function children(n: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  for (const k of Object.keys(n)) {
    if (k === 'loc' || k === 'start' || k === 'end' || k === 'type') continue;
    const v = n[k];
    if (Array.isArray(v)) for (const x of v) if (x && typeof x.type === 'string') out.push(x);
    if (v && typeof v === 'object' && typeof v.type === 'string') out.push(v);
  }
  return out;
}

export function checkEspruinoDialect(source: string): DialectProblem[] {
  const problems: DialectProblem[] = [];
  let ast: AnyNode;
  try {
    ast = parse(source, { ecmaVersion: 2022, sourceType: 'script', locations: true }) as AnyNode;
  } catch (e) {
    const err = e as { loc?: { line: number; column: number }; message: string };
    return [{ line: err.loc?.line ?? 0, column: err.loc?.column ?? 0, message: `does not parse: ${err.message}` }];
  }
  const add = (n: AnyNode, message: string) =>
    problems.push({ line: n.loc!.start.line, column: n.loc!.start.column, message });

  // Measured on 2v29: the lexer builds a string's value only while executing, and it reads the
  // token after a skipped `if` block or an unrun `catch` before execution is back on, so a
  // statement starting with a string right after an `if`/`try` sees it as empty:
  // `if(a){…}"x"===t&&f()` never calls f. terser writes that shape with lhs_constants on.
  const literalAfterSkip = (body: AnyNode[]) => {
    for (let i = 1; i < body.length; i++) {
      const s = body[i];
      const first = source.charAt(s.start);
      if ((body[i - 1].type === 'IfStatement' || body[i - 1].type === 'TryStatement') && s.type === 'ExpressionStatement' && (first === '"' || first === "'" || first === '`')) {
        add(s, 'a statement that starts with a string right after an `if` or `try` reads that string as empty on Espruino; start it otherwise, e.g. `x === "a"`');
      }
    }
  };

  const visit = (n: AnyNode, parent: AnyNode | null) => {
    if (n.type === 'Program' || n.type === 'BlockStatement' || n.type === 'StaticBlock') literalAfterSkip(n.body);
    if (n.type === 'SwitchCase') literalAfterSkip(n.consequent);
    switch (n.type) {
      case 'ObjectPattern':
      case 'ArrayPattern':
        add(n, 'destructuring is not supported by Espruino');
        break;
      case 'AssignmentPattern':
        add(n, 'default parameters are not supported by Espruino');
        break;
      case 'RestElement':
        add(n, 'rest parameters are not supported by Espruino');
        break;
      case 'SpreadElement':
        add(n, 'spread is not supported by Espruino');
        break;
      case 'ChainExpression':
        add(n, 'optional chaining (?.) is not supported by Espruino');
        break;
      case 'AwaitExpression':
      case 'YieldExpression':
        add(n, `${n.type === 'AwaitExpression' ? 'await' : 'yield'} is not supported by Espruino`);
        break;
      case 'LabeledStatement':
        add(n, 'labelled statements are not supported by Espruino');
        break;
      case 'PrivateIdentifier':
        add(n, '#private members are not supported by Espruino');
        break;
      case 'TaggedTemplateExpression':
        add(n, 'tagged templates are not supported by Espruino');
        break;
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        if (n.async) add(n, 'async functions are not supported by Espruino');
        if (n.generator) add(n, 'generators are not supported by Espruino');
        break;
      case 'Literal':
        if (n.regex) add(n, 'regular expressions misbehave silently on Espruino; use a character loop');
        if (n.bigint !== undefined) add(n, 'BigInt is not supported by Espruino');
        break;
      case 'BinaryExpression':
        if (n.operator === '**') add(n, '** is not supported by Espruino; use Math.pow');
        break;
      case 'AssignmentExpression':
        if (['**=', '??=', '||=', '&&='].includes(n.operator)) add(n, `${n.operator} is not supported by Espruino`);
        if (n.left.type === 'MemberExpression' && !n.left.computed && n.left.property.name === 'length') {
          add(n, 'assigning to .length throws on Espruino');
        }
        break;
      case 'Property':
        if (n.computed) add(n, 'computed property names are not supported by Espruino');
        break;
      case 'MethodDefinition':
      case 'PropertyDefinition':
        if (n.computed) add(n, 'computed property names are not supported by Espruino');
        // Measured on 2v29: `class A { x; }` does not parse ("Got ';' expected '='").
        if (n.type === 'PropertyDefinition' && n.value === null) add(n, 'a class field needs an initializer on Espruino (`x = undefined;`)');
        break;
      case 'ClassDeclaration':
      case 'ClassExpression':
        if (n.superClass && n.superClass.type === 'Identifier' && /Error$/.test(n.superClass.name)) {
          add(n, '`class extends Error` throws on Espruino; use a plain object or the ES5 prototype pattern');
        }
        break;
      case 'MemberExpression':
        if (!n.computed && n.object.type === 'Identifier' && MISSING_STATICS[n.object.name]?.includes(n.property.name)) {
          add(n, `${n.object.name}.${n.property.name} does not exist on Espruino`);
        } else if (isBuiltinPrototype(n.object) && !(parent?.type === 'AssignmentExpression' && parent.left === n)) {
          add(n, `${n.object.object.name}.prototype.${n.computed ? '…' : n.property.name} is undefined on Espruino (built-in methods live on instances: use [].slice.call, ''.charAt.call)`);
        } else if (!n.computed && MISSING_METHOD_SET.has(n.property.name) && parent?.type === 'CallExpression' && parent.callee === n) {
          add(n, `.${n.property.name}() does not exist on Espruino`);
        }
        break;
      case 'Identifier':
        if (MISSING_GLOBAL_SET.has(n.name) && isReference(n, parent)) add(n, `${n.name} does not exist on Espruino`);
        break;
      case 'CallExpression':
        if (n.callee.type === 'Identifier' && n.callee.name === 'Number' && n.arguments.length === 1 && mayBeSpacedText(n.arguments[0])) {
          add(n, 'Number() of text does not trim on Espruino (Number(" 12 ") is NaN); trim the text first');
        }
        if (n.callee.type === 'MemberExpression' && !n.callee.computed && n.callee.object.type === 'Identifier' && n.callee.object.name === 'Math'
          && n.callee.property.name === 'pow' && n.arguments[1]?.type === 'Literal' && typeof n.arguments[1].value === 'number' && n.arguments[1].value > 30) {
          add(n, 'Math.pow is inexact for large exponents on Espruino (Math.pow(2,31) is not 2147483648); write the constant');
        }
        break;
      case 'UnaryExpression':
        if (n.operator === '+' && mayBeSpacedText(n.argument)) add(n, 'unary + of text does not trim on Espruino (+" 12 " is NaN); trim the text first');
        break;
    }
    for (const c of children(n)) visit(c, n);
  };
  visit(ast, null);
  const scopes = analyseScopes(ast);
  for (const p of [...checkHoisting(scopes), ...checkScopeTraps(ast, scopes)]) add(p.node, p.message);
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** `X.prototype` of a constructor whose built-in methods Espruino keeps off its prototype. */
function isBuiltinPrototype(e: AnyNode): boolean {
  return e.type === 'MemberExpression' && !e.computed && e.property.name === 'prototype'
    && e.object.type === 'Identifier' && PROTOTYPES_WITHOUT_BUILTINS_SET.has(e.object.name);
}

/**
 * Text that Number() or unary + may be given with spaces around it, as far as the code shows:
 * a literal with leading or trailing whitespace, a piece cut from other text (substr, slice,
 * split(…)[i], replace, …), String()/JSON.stringify, or a concatenation with literal text.
 * A plain variable or property is not flagged (its type is unknown here), nor anything
 * that went through .trim() — the fix.
 */
function mayBeSpacedText(e: AnyNode): boolean {
  switch (e.type) {
    case 'Literal':
      return typeof e.value === 'string' && e.value !== e.value.trim();
    case 'TemplateLiteral': {
      const text = e.quasis.map((q: AnyNode) => q.value.cooked).join('x');
      return text !== text.trim() || e.expressions.some(mayBeSpacedText);
    }
    case 'BinaryExpression':
      return e.operator === '+' && [e.left, e.right].some((x: AnyNode) => x.type === 'TemplateLiteral' || (x.type === 'Literal' && typeof x.value === 'string') || mayBeSpacedText(x));
    case 'CallExpression': {
      const c = e.callee;
      if (c.type === 'Identifier') return c.name === 'String';
      if (c.type !== 'MemberExpression' || c.computed) return false;
      if (c.object.type === 'Identifier' && c.object.name === 'JSON') return c.property.name === 'stringify';
      return TEXT_METHODS.has(c.property.name);
    }
    case 'MemberExpression':
      return e.computed && e.object.type === 'CallExpression' && e.object.callee.type === 'MemberExpression' && e.object.callee.property.name === 'split';
    default:
      return false;
  }
}

/** An identifier that reads a variable (not a property name or object key). */
function isReference(n: AnyNode, parent: AnyNode | null): boolean {
  if (!parent) return true;
  if (parent.type === 'MemberExpression' && parent.property === n && !parent.computed) return false;
  if ((parent.type === 'Property' || parent.type === 'MethodDefinition' || parent.type === 'PropertyDefinition') && parent.key === n && !parent.computed) {
    return parent.type === 'Property' && parent.shorthand;
  }
  return true;
}

export function formatDialectProblems(file: string, problems: DialectProblem[]): string {
  return problems.map((p) => `${file}:${p.line}:${p.column + 1}: ${p.message}`).join('\n');
}
