// The Espruino dialect check: parses a bundle and lists every construct the Espruino
// interpreter (2v29, measured — see shared/ESPRUINO.md) would reject or silently mis-run.
// Espruino reports parse errors lazily, only when a function first runs, so a bundle
// that is going onto a board must pass this before it is flashed.
import { parse, type Node } from 'acorn';

export interface DialectProblem {
  line: number;
  column: number;
  message: string;
}

const MISSING_GLOBALS = new Set([
  'Map', 'Set', 'WeakMap', 'WeakSet', 'Symbol', 'Proxy', 'Reflect', 'BigInt', 'Intl', 'TextEncoder', 'TextDecoder',
  'setImmediate', 'queueMicrotask', 'RegExp', 'structuredClone', 'globalThis',
]);

const MISSING_STATICS: Record<string, Set<string>> = {
  Number: new Set(['isInteger', 'isFinite', 'isNaN', 'isSafeInteger', 'MAX_SAFE_INTEGER', 'MIN_SAFE_INTEGER', 'EPSILON']),
  Array: new Set(['from', 'of', 'prototype']),
  String: new Set(['prototype', 'raw']),
  Function: new Set(['prototype']),
  Object: new Set(['freeze', 'isFrozen', 'getOwnPropertySymbols']),
  Math: new Set(['trunc', 'hypot', 'log2', 'cbrt', 'sign', 'clz32', 'fround', 'imul']),
  Promise: new Set(['race', 'allSettled', 'any']),
};

const MISSING_METHODS = new Set(['flat', 'flatMap', 'at', 'finally', 'toPrecision', 'trimStart', 'trimEnd', 'codePointAt', 'localeCompare', 'matchAll']);

type AnyNode = Node & Record<string, any>;

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

  const visit = (n: AnyNode, parent: AnyNode | null) => {
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
        break;
      case 'ClassDeclaration':
      case 'ClassExpression':
        if (n.superClass && n.superClass.type === 'Identifier' && /Error$/.test(n.superClass.name)) {
          add(n, '`class extends Error` throws on Espruino; use a plain object or the ES5 prototype pattern');
        }
        break;
      case 'MemberExpression':
        if (!n.computed && n.object.type === 'Identifier' && MISSING_STATICS[n.object.name]?.has(n.property.name)) {
          add(n, `${n.object.name}.${n.property.name} does not exist on Espruino`);
        } else if (!n.computed && MISSING_METHODS.has(n.property.name) && parent?.type === 'CallExpression' && parent.callee === n) {
          add(n, `.${n.property.name}() does not exist on Espruino`);
        }
        break;
      case 'Identifier':
        if (MISSING_GLOBALS.has(n.name) && isReference(n, parent)) add(n, `${n.name} does not exist on Espruino`);
        break;
    }
    for (const c of children(n)) visit(c, n);
  };
  visit(ast, null);
  return problems;
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
