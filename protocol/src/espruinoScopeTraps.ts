// Dialect traps that depend on what a name refers to (see ESPRUINO.md, measured on 2v29):
// closures over a `for (let …)` variable all see its last value; built-in errors are not
// `instanceof Error` (nor of their own type, reliably) and have no `name`; `arguments`
// inside an arrow function is the arrow's own, not the enclosing function's; static methods
// are not inherited by subclasses.
import type { AnyNode, ScopeInfo } from './espruinoScopes.js';

export interface ScopeTrap {
  node: AnyNode;
  message: string;
}

const BUILTIN_ERRORS = new Set(['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError', 'InternalError']);

export function checkScopeTraps(program: AnyNode, info: ScopeInfo): ScopeTrap[] {
  const traps: ScopeTrap[] = [];
  const refOf = new Map(info.refs.map((r) => [r.id, r]));

  // A closure sees a loop variable's last value unless every function between it and the loop runs there and then.
  const runsInLoop = (owner: AnyNode, loopOwner: AnyNode): boolean => {
    for (let f = owner; f !== loopOwner; f = info.parentFn.get(f)!) if (!info.runNow.has(f)) return false;
    return true;
  };
  const capturedLoopVars = new Set<string>();
  for (const r of info.refs) {
    const b = r.binding;
    if (!b?.loopHead || r.owner === b.owner || runsInLoop(r.owner, b.owner) || capturedLoopVars.has(`${b.pos}`)) continue;
    capturedLoopVars.add(`${b.pos}`);
    traps.push({
      node: r.id,
      message: `a closure captures \`${b.name}\` of a for (let …) loop (line ${b.line}); on Espruino every closure sees its last value — copy it into a let inside the loop body`,
    });
  }

  // The class a name is bound to, and the static members it defines itself.
  const classOf = (id: AnyNode): AnyNode | null => {
    const b = id.type === 'Identifier' ? refOf.get(id)?.binding : null;
    return b?.cls && !b.reassigned ? b.cls : null;
  };
  const ownStatic = (cls: AnyNode, name: string): boolean =>
    cls.body.body.some((m: AnyNode) => m.static && !m.computed && m.key?.name === name);
  const inheritedStatic = (cls: AnyNode, name: string): string | null => {
    for (let c = cls.superClass ? classOf(cls.superClass) : null; c; c = c.superClass ? classOf(c.superClass) : null) {
      if (ownStatic(c, name)) return c.id.name;
    }
    return null;
  };

  const isGlobal = (id: AnyNode) => id.type === 'Identifier' && refOf.get(id)?.binding === null;
  const visit = (n: AnyNode, fn: AnyNode | null) => {
    if (n.type === 'BinaryExpression' && n.operator === 'instanceof' && isGlobal(n.right) && BUILTIN_ERRORS.has(n.right.name)) {
      traps.push({ node: n, message: `instanceof ${n.right.name} is unreliable on Espruino (a TypeError is not instanceof Error); test a property you set, or use the ES5 error pattern` });
    }
    if (n.type === 'MemberExpression' && !n.computed && n.property.name === 'name' && n.object.type === 'Identifier'
      && refOf.get(n.object)?.binding?.kind === 'catch') {
      traps.push({ node: n, message: `.name of a caught error is undefined on Espruino; use .message or a property you set` });
    }
    if (n.type === 'MemberExpression' && !n.computed) {
      const cls = classOf(n.object);
      const from = cls && !ownStatic(cls, n.property.name) ? inheritedStatic(cls, n.property.name) : null;
      if (from) traps.push({ node: n, message: `static ${n.property.name} is not inherited on Espruino; use ${from}.${n.property.name}` });
    }
    if (n.type === 'Identifier' && n.name === 'arguments' && fn?.type === 'ArrowFunctionExpression' && refOf.get(n)?.binding === null) {
      traps.push({ node: n, message: '`arguments` inside an arrow function is the arrow\'s own on Espruino, not the enclosing function\'s' });
    }
    const inner = n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression' ? n : fn;
    for (const k of Object.keys(n)) {
      if (k === 'loc' || k === 'type') continue;
      const v = n[k];
      if (Array.isArray(v)) { for (const x of v) if (x && typeof x.type === 'string') visit(x, inner); }
      else if (v && typeof v === 'object' && typeof v.type === 'string') visit(v, inner);
    }
  };
  visit(program, null);
  return traps;
}
