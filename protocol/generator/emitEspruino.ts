// The Espruino module of a family: ES5-level JavaScript with no dependencies, loaded on a
// board with require('<family>') (the espruino CLI inlines it as Modules.addCached).
import { minify } from 'terser';
import type { FamilyDef } from '../src/schema/family.js';
import { CompactEmitter } from './emitCompact.js';
import { validatorName } from './emitDispatch.js';
import { checkEspruinoDialect, formatDialectProblems } from '../src/espruinoDialect.js';

export function emitEspruinoSource(fam: FamilyDef): string {
  const c = new CompactEmitter();
  c.use('dec', 'enc');
  const validators: string[] = [];
  const done = new Set<string>();
  for (const dir of fam.directions) {
    if (dir.arrayMessage) validators.push(c.arrayMessage(dir, `v_${dir.arrayMessage.typeName}`));
    for (const m of dir.messages) {
      if (done.has(m.typeName)) continue;
      done.add(m.typeName);
      validators.push(c.message(m, fam, validatorName(m)));
    }
  }
  const exportsOut: string[] = [];
  for (const dir of fam.directions) {
    validators.push(c.dispatch(fam, dir, `check${dir.union}`, validatorName));
    exportsOut.push(`exports.decode${dir.union} = function (t, max) { return dec(t, max, check${dir.union}); };`);
    exportsOut.push(`exports.validate${dir.union} = check${dir.union};`);
  }
  // The gateway's decode gives { event, data }; its encode writes Socket.io's [name, payload] back.
  exportsOut.push(fam.discriminator === 'socketio' ? 'exports.encode = function (m) { return enc([m.event, m.data]); };' : 'exports.encode = enc;');
  for (const [name, values] of Object.entries(fam.constants ?? {})) {
    exportsOut.push(`exports.${name} = ${JSON.stringify(values)};`);
  }
  return [
    `// espfleet protocol, ${fam.name} family, for Espruino. Generated — do not edit.`,
    `// Espruino's JSON.parse is lenient (trailing commas, single quotes); every value it`,
    `// returns is still checked field by field here before the app sees it.`,
    c.helpers(),
    ...validators,
    ...exportsOut,
  ].join('\n') + '\n';
}

export interface EspruinoModule {
  source: string;
  minified: string;
}

export async function emitEspruino(fam: FamilyDef): Promise<EspruinoModule> {
  const source = emitEspruinoSource(fam);
  const problems = checkEspruinoDialect(source);
  if (problems.length) throw new Error(`generated Espruino code for ${fam.name} breaks the dialect:\n${formatDialectProblems(fam.id + '.js', problems)}`);
  const r = await minify(source, {
    ecma: 5,
    // Inlining a function that takes arguments turns its parameters into `var`s that terser
    // declares wherever the caller already has one — after their first use. V8 hoists, so
    // that passes on Node; Espruino does not, and the write lands on an outer binding (the
    // sensor-stream module overwrote its function `i` and threw "Expecting function, got
    // Object"). Level 1 inlines only functions without arguments. The check below refuses
    // any use before declaration that another option might still produce.
    // lhs_constants off: `"a" === x` as the first token of a statement right after a skipped
    // `if` block or `catch` reads the string as empty on Espruino 2v29 (its lexer builds string
    // values only while executing); `x === "a"` is safe (firmware/build/literalAfterSkipCheck.ts).
    compress: { passes: 2, inline: 1, lhs_constants: false },
    mangle: { toplevel: true },
    toplevel: true,
    format: { comments: false },
  });
  const minified = r.code!;
  const after = checkEspruinoDialect(minified);
  if (after.length) throw new Error(`minified Espruino code for ${fam.name} breaks the dialect:\n${formatDialectProblems(fam.id + '.min.js', after)}`);
  return { source, minified };
}
