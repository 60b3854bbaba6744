// Espruino does not hoist: a `var`, function or class binding exists only once its
// declaration has run. Before that, a read or call of the name finds an outer binding or
// throws `"f" is not defined`, and a write goes to an outer (or global) variable. V8 hoists,
// so such code passes every Node test and breaks on the board (the minified sensor-stream
// module did: `(i=e)…;var i` overwrote the module's function `i`).
//
// Flagged: a use of a binding textually before its declaration in the code of the same
// function (or the top level), and a call that runs — there and then — a function whose
// code uses a binding of the caller's scope declared further down. A function runs there and
// then when it is called by a name bound to it and never reassigned, called as an IIFE or
// through .call/.apply, or passed to a synchronous array method (forEach, map, …). Functions
// stored or passed anywhere else are assumed to run later, so they are never flagged.
import type { AnyNode, Binding, ScopeInfo, Ref } from './espruinoScopes.js';

export interface HoistingProblem {
  node: AnyNode;
  message: string;
}

const NOT_HOISTED = 'Espruino does not hoist declarations';

function describe(b: Binding): string {
  return `${b.kind === 'function' ? 'function' : b.kind === 'class' ? 'class' : 'variable'} \`${b.name}\``;
}

export function checkHoisting(info: ScopeInfo): HoistingProblem[] {
  const problems: HoistingProblem[] = [];
  const ownRefs = new Map<AnyNode, Ref[]>();
  for (const r of info.refs) ownRefs.set(r.owner, [...(ownRefs.get(r.owner) ?? []), r]);
  const ownCalls = new Map<AnyNode, typeof info.invocations>();
  for (const c of info.invocations) ownCalls.set(c.owner, [...(ownCalls.get(c.owner) ?? []), c]);

  // Every reference that runs when function f is called, through the calls it makes there and then.
  const runs = new Map<AnyNode, Ref[]>();
  const runsOf = (f: AnyNode): Ref[] => {
    const done = runs.get(f);
    if (done) return done;
    const out: Ref[] = [];
    runs.set(f, out); // recursion ends here
    out.push(...(ownRefs.get(f) ?? []));
    for (const c of ownCalls.get(f) ?? []) out.push(...runsOf(c.target));
    return out;
  };

  for (const r of info.refs) {
    const b = r.binding;
    if (b && b.owner === r.owner && r.id.start < b.pos) {
      problems.push({
        node: r.id,
        message: `${describe(b)} is ${r.write ? 'assigned' : 'used'} before its declaration on line ${b.line}; ${NOT_HOISTED}`,
      });
    }
  }

  for (const c of info.invocations) {
    const reported = new Set<Binding>();
    for (const r of runsOf(c.target)) {
      const b = r.binding;
      if (!b || b.owner !== c.owner || b.pos <= c.node.start || r.owner === c.owner || reported.has(b)) continue;
      reported.add(b);
      const name = c.target.id?.name ?? (c.node.callee.type === 'Identifier' ? c.node.callee.name : 'a function');
      problems.push({
        node: c.node,
        message: `calling ${name} here runs code (line ${r.id.loc!.start.line}) that uses ${describe(b)} before its declaration on line ${b.line}; ${NOT_HOISTED}`,
      });
    }
  }
  return problems;
}
