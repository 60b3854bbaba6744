// A firmware bundle compiled once for every device that runs it, with the realm's helpers
// reached through a script-scope binding instead of a global property.
//
// Why: the realm rewrites every `+` (and template literal, unary `+`, …) into a call of a helper
// on the realm's global `__espruinoRealm`. In a node:vm context every global property read goes
// through the context's interceptor, ~65 ns (a closure variable: ~1 ns), so the rewrite cost
// far more than the helper itself. A `const` declared at a script's top level lives in the
// context's script scope, which V8 resolves before the global object, at closure-variable speed.
// The realm's global cannot be redeclared (it is non-configurable), so the rewritten code names
// the same object by another name. And one vm.Script runs in every context, so a fleet parses
// and rewrites its bundle once, not once per device boot.
//
// The rewrite is the protocol package's, reached the only way it is offered: by running code in
// a realm. Wrapped in a function expression, the bundle comes back as a function whose source
// text is the rewritten bundle (the rewrite treats each expression on its own, so wrapping does
// not change it).
import vm from 'node:vm';
import { createEspruinoContext, runInEspruinoContext } from '@espfleet/protocol/espruino-realm';

/** The realm global the rewritten code calls (protocol's espruinoRealm/source.ts HELPERS). */
const REALM_HELPERS = '__espruinoRealm';
/** The script-scope name the compiled bundle uses for it. */
const SCRIPT_HELPERS = '__espruinoHelpers';
const OPEN = 'function () {\n';
const CLOSE = '\n}';
/** Bundles compiled recently; a fleet runs one or two. */
const KEPT = 8;
const compiled = new Map<string, vm.Script | null>();

function compile(code: string, filename: string, byteStrings: boolean): vm.Script | null {
  // The renaming is exact only if neither name is in the bundle's own text.
  if (code.includes(REALM_HELPERS) || code.includes(SCRIPT_HELPERS)) return null;
  try {
    new vm.Script(code, { filename });
    const wrapped = runInEspruinoContext(createEspruinoContext({ byteStrings }), `(${OPEN}${code}${CLOSE})`, filename);
    if (typeof wrapped !== 'function') return null;
    const text = Function.prototype.toString.call(wrapped);
    if (!text.startsWith(OPEN) || !text.endsWith(CLOSE)) return null;
    const body = text.slice(OPEN.length, text.length - CLOSE.length);
    return new vm.Script(body.split(REALM_HELPERS).join(SCRIPT_HELPERS), { filename });
  } catch {
    // Code that does not compile runs the ordinary way, which reports its error as a board would.
    return null;
  }
}

/** The bundle compiled for contexts of the fidelity realm, or null when it must run the ordinary way. */
export function bundleScript(code: string, filename: string, byteStrings: boolean): vm.Script | null {
  const key = `${byteStrings ? 'b' : 'u'}${filename}\u0000${code}`;
  let script = compiled.get(key);
  if (script === undefined) {
    script = compile(code, filename, byteStrings);
    if (compiled.size >= KEPT) compiled.delete(compiled.keys().next().value!);
    compiled.set(key, script);
  }
  return script;
}

/** Runs a compiled bundle in a realm's context. */
export function runBundleScript(script: vm.Script, context: vm.Context): unknown {
  vm.runInContext(`const ${SCRIPT_HELPERS} = this.${REALM_HELPERS};`, context);
  return script.runInContext(context);
}
