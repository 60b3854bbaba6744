// Scope analysis of a parsed bundle, for the dialect check's rules that depend on which
// declaration a name refers to and when code runs: every reference resolved the way V8
// resolves it (declarations hoisted), every call whose target function is known statically,
// and the functions that run at the moment they are written (IIFEs, synchronous callbacks).
import type { Node } from 'acorn';

export type AnyNode = Node & Record<string, any>;

export interface Binding {
  name: string;
  kind: 'var' | 'let' | 'const' | 'function' | 'class' | 'param' | 'catch' | 'callee';
  /** Offset of the first declaration; Espruino creates the binding only when it runs. */
  pos: number;
  line: number;
  /** The function (or Program) whose code declares it. */
  owner: AnyNode;
  /** The function literal it names, while it is never reassigned. */
  fn: AnyNode | null;
  /** The class it names (class declarations). */
  cls: AnyNode | null;
  reassigned: boolean;
  /** Declared by a `for (let …)` / `for (let … of …)` head. */
  loopHead: boolean;
}

export interface Ref {
  id: AnyNode;
  /** The function (or Program) whose own code contains the reference. */
  owner: AnyNode;
  binding: Binding | null;
  write: boolean;
}

/** A call in `owner`'s own code that runs function literal `target` there and then. */
export interface Invocation {
  node: AnyNode;
  owner: AnyNode;
  target: AnyNode;
}

export interface ScopeInfo {
  refs: Ref[];
  invocations: Invocation[];
  /** Function literals that run where they are written (IIFEs, callbacks of synchronous array methods). */
  runNow: Set<AnyNode>;
  /** The function (or Program) that contains each function literal. */
  parentFn: Map<AnyNode, AnyNode>;
}

interface Scope {
  parent: Scope | null;
  owner: AnyNode;
  isFunction: boolean;
  bindings: Map<string, Binding>;
}

/** Array methods that call their callback before they return. */
const SYNC_CALLBACK_METHODS = new Set(['forEach', 'map', 'filter', 'some', 'every', 'reduce', 'reduceRight', 'find', 'findIndex', 'sort']);

const isFunctionNode = (n: AnyNode | null | undefined): boolean =>
  !!n && (n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression');

function patternIds(p: AnyNode, out: AnyNode[] = [], defaults: AnyNode[] = []): AnyNode[] {
  switch (p.type) {
    case 'Identifier': out.push(p); break;
    case 'ObjectPattern': for (const q of p.properties) patternIds(q.type === 'RestElement' ? q : q.value, out, defaults); break;
    case 'ArrayPattern': for (const q of p.elements) if (q) patternIds(q, out, defaults); break;
    case 'RestElement': patternIds(p.argument, out, defaults); break;
    case 'AssignmentPattern': defaults.push(p.right); patternIds(p.left, out, defaults); break;
  }
  return out;
}

export function analyseScopes(program: AnyNode): ScopeInfo {
  const pending: Array<{ id: AnyNode; scope: Scope; owner: AnyNode; write: boolean }> = [];
  const calls: Array<{ node: AnyNode; owner: AnyNode; scope: Scope }> = [];
  const parentFn = new Map<AnyNode, AnyNode>();

  const functionScope = (s: Scope): Scope => (s.isFunction ? s : functionScope(s.parent!));
  const declare = (scope: Scope, id: AnyNode, kind: Binding['kind'], fn: AnyNode | null, assigns: boolean, loopHead = false, cls: AnyNode | null = null) => {
    const existing = scope.bindings.get(id.name);
    if (existing) {
      // A second declaration that assigns makes the value unknown.
      if (assigns) existing.reassigned = true;
      return;
    }
    scope.bindings.set(id.name, {
      name: id.name, kind, pos: id.start, line: id.loc!.start.line, owner: scope.owner, fn, cls, reassigned: false, loopHead,
    });
  };
  const newScope = (parent: Scope | null, owner: AnyNode, isFunction: boolean): Scope =>
    ({ parent, owner, isFunction, bindings: new Map() });

  const visitFunction = (n: AnyNode, scope: Scope, owner: AnyNode) => {
    parentFn.set(n, owner);
    const inner = newScope(scope, n, true);
    if (n.type === 'FunctionExpression' && n.id) declare(inner, n.id, 'callee', n, true);
    const defaults: AnyNode[] = [];
    for (const p of n.params) for (const id of patternIds(p, [], defaults)) declare(inner, id, 'param', null, true);
    for (const d of defaults) visit(d, inner, n, null);
    if (n.body.type === 'BlockStatement') for (const s of n.body.body) visit(s, inner, n, n.body);
    else visit(n.body, inner, n, n);
  };

  const visitDeclaration = (n: AnyNode, scope: Scope, owner: AnyNode, loopHead: boolean) => {
    const target = n.kind === 'var' ? functionScope(scope) : scope;
    for (const d of n.declarations) {
      const defaults: AnyNode[] = [];
      const literal = d.init && (d.init.type === 'FunctionExpression' || d.init.type === 'ArrowFunctionExpression') ? d.init : null;
      for (const id of patternIds(d.id, [], defaults)) declare(target, id, n.kind, d.id.type === 'Identifier' ? literal : null, !!d.init, loopHead);
      for (const x of defaults) visit(x, scope, owner, d);
      if (d.init) visit(d.init, scope, owner, d);
    }
  };

  const visit = (n: AnyNode, scope: Scope, owner: AnyNode, parent: AnyNode | null): void => {
    switch (n.type) {
      case 'Identifier': {
        const write = (parent?.type === 'AssignmentExpression' && parent.left === n) || parent?.type === 'UpdateExpression'
          || ((parent?.type === 'ForInStatement' || parent?.type === 'ForOfStatement') && parent.left === n);
        pending.push({ id: n, scope, owner, write });
        return;
      }
      case 'FunctionDeclaration':
        declare(functionScope(scope), n.id, 'function', n, true);
        visitFunction(n, scope, owner);
        return;
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        visitFunction(n, scope, owner);
        return;
      case 'ClassDeclaration':
      case 'ClassExpression': {
        if (n.type === 'ClassDeclaration') declare(scope, n.id, 'class', null, true, false, n);
        const inner = n.type === 'ClassExpression' && n.id ? newScope(scope, owner, false) : scope;
        if (inner !== scope) declare(inner, n.id, 'class', null, true);
        if (n.superClass) visit(n.superClass, inner, owner, n);
        for (const m of n.body.body) {
          if (m.computed) visit(m.key, inner, owner, m);
          if (m.value) visit(m.value, inner, owner, m);
          if (m.type === 'StaticBlock') for (const s of m.body) visit(s, inner, owner, m);
        }
        return;
      }
      case 'VariableDeclaration':
        visitDeclaration(n, scope, owner, false);
        return;
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement': {
        const inner = newScope(scope, owner, false);
        const head = n.type === 'ForStatement' ? n.init : n.left;
        if (head?.type === 'VariableDeclaration') visitDeclaration(head, inner, owner, head.kind !== 'var');
        else if (head) visit(head, inner, owner, n);
        for (const k of ['test', 'update', 'right', 'body']) if (n[k]) visit(n[k], inner, owner, n);
        return;
      }
      case 'BlockStatement':
      case 'SwitchStatement':
      case 'StaticBlock': {
        const inner = newScope(scope, owner, false);
        if (n.discriminant) visit(n.discriminant, scope, owner, n);
        for (const s of n.body ?? n.cases) visit(s, inner, owner, n);
        return;
      }
      case 'CatchClause': {
        const inner = newScope(scope, owner, false);
        if (n.param) for (const id of patternIds(n.param)) declare(inner, id, 'catch', null, true);
        visit(n.body, inner, owner, n);
        return;
      }
      case 'MemberExpression':
        visit(n.object, scope, owner, n);
        if (n.computed) visit(n.property, scope, owner, n);
        return;
      case 'Property':
        if (n.computed) visit(n.key, scope, owner, n);
        visit(n.value, scope, owner, n);
        return;
      case 'LabeledStatement':
        visit(n.body, scope, owner, n);
        return;
      case 'BreakStatement':
      case 'ContinueStatement':
      case 'MetaProperty':
        return;
      case 'CallExpression':
      case 'NewExpression':
        calls.push({ node: n, owner, scope });
        break;
    }
    for (const k of Object.keys(n)) {
      if (k === 'loc' || k === 'type') continue;
      const v = n[k];
      if (Array.isArray(v)) { for (const x of v) if (x && typeof x.type === 'string') visit(x, scope, owner, n); }
      else if (v && typeof v === 'object' && typeof v.type === 'string') visit(v, scope, owner, n);
    }
  };

  const top = newScope(null, program, true);
  for (const s of program.body) visit(s, top, program, program);

  const resolve = (name: string, scope: Scope | null): Binding | null =>
    !scope ? null : scope.bindings.get(name) ?? resolve(name, scope.parent);
  const refs: Ref[] = [];
  const refOf = new Map<AnyNode, Ref>();
  for (const p of pending) {
    const r: Ref = { id: p.id, owner: p.owner, binding: resolve(p.id.name, p.scope), write: p.write };
    if (r.write && r.binding) r.binding.reassigned = true;
    refs.push(r);
    refOf.set(p.id, r);
  }

  const knownFunction = (e: AnyNode): AnyNode | null => {
    if (isFunctionNode(e)) return e;
    if (e.type !== 'Identifier') return null;
    const b = refOf.get(e)?.binding;
    return b && !b.reassigned && b.fn ? b.fn : null;
  };
  const invocations: Invocation[] = [];
  const runNow = new Set<AnyNode>();
  for (const { node, owner } of calls) {
    const c = node.callee;
    const targets: AnyNode[] = [];
    const direct = knownFunction(c);
    if (direct) targets.push(direct);
    else if (c.type === 'MemberExpression' && !c.computed) {
      const method = c.property.name;
      const obj = (method === 'call' || method === 'apply') ? knownFunction(c.object) : null;
      if (obj) targets.push(obj);
      if (SYNC_CALLBACK_METHODS.has(method)) for (const a of node.arguments) { const f = knownFunction(a); if (f) targets.push(f); }
    }
    for (const t of targets) {
      invocations.push({ node, owner, target: t });
      if (t.type !== 'FunctionDeclaration' && parentFn.get(t) === owner && t.start >= node.start && t.end <= node.end) runNow.add(t);
    }
  }
  return { refs, invocations, runNow, parentFn };
}
