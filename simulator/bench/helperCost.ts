// What one rewritten `+` costs in a device's context: the realm's helper called the way the
// realm's rewrite writes it (through the global `__espruinoRealm`, a vm interceptor read on
// every call) against the way compiled bundles reach it (a script-scope binding, see
// src/espruino/bundleScript.ts), and a plain `+`. Alternated, in one process.
import vm from 'node:vm';
import { createEspruinoContext } from '@espfleet/protocol/espruino-realm';

const N = 2_000_000;
const loop = (plus: string) => `(function () { var x = 0; for (var i = 0; i < ${N}; i++) x = ${plus}; return x; })()`;
const VARIANTS = {
  global: loop('__espruinoRealm.add(x, i)'),
  scriptScope: loop('__benchHelpers.add(x, i)'),
  plain: loop('x + i'),
};

export type HelperCost = Record<keyof typeof VARIANTS, number[]>;

/** Nanoseconds per `+`, `runs` times each, alternated. */
export function helperCost(runs: number): HelperCost {
  const context = createEspruinoContext();
  vm.runInContext('const __benchHelpers = this.__espruinoRealm;', context);
  const scripts = Object.entries(VARIANTS).map(([k, code]) => [k, new vm.Script(code)] as const);
  const out: HelperCost = { global: [], scriptScope: [], plain: [] };
  for (let r = 0; r < runs + 1; r++) {
    for (const [k, script] of scripts) {
      const t = performance.now();
      if (script.runInContext(context) !== (N * (N - 1)) / 2) throw new Error(`${k}: wrong sum`);
      // The first round warms the JIT up and is not kept.
      if (r) out[k as keyof HelperCost].push(((performance.now() - t) * 1e6) / N);
    }
  }
  return out;
}
