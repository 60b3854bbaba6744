// One app entry → one script for Espruino: bundled by esbuild (TypeScript stripped, ES2022
// syntax kept as written), wrapped in a function so nothing lands in the board's globals,
// minified by terser without ever declaring a variable after its use, and dialect-checked.
import { build } from 'esbuild';
import { minify } from 'terser';
import { SourceMap } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { checkEspruinoDialect, type DialectProblem } from '@espfleet/protocol/espruino-dialect';
import { protocolModules } from './protocolModules.js';
import { partSizes, type PartSize } from './partSizes.js';

export interface Bundle {
  /** The readable bundle (not minified). */
  debug: string;
  minified: string;
  /** Every dialect problem in either script, located in the bundle and, where known, in the source. */
  problems: string[];
  /** The minified bundle's bytes per source file, largest first. */
  parts: PartSize[];
}

/** Terser's settings for the board, as the protocol's Espruino codecs use them. */
export const TERSER_OPTIONS = {
  // ES2015 output lets terser write arrows and shorthand, which Espruino runs (docs/espruino.md).
  ecma: 2015 as const,
  compress: {
    passes: 3,
    // Inlining a function that takes arguments turns its parameters into `var`s that terser may
    // declare after their first use; V8 hoists them, Espruino does not (docs/espruino.md). Level 1
    // inlines only functions without arguments; the dialect check refuses whatever slips through.
    inline: 1 as const,
    // Anonymous `function` expressions that use neither `this` nor `arguments` become arrows.
    // Unsafe only for a function called with `new` or given a prototype; the firmware's
    // constructors are classes and the codecs have none (both bundles ran on Espruino 2v29).
    unsafe_arrows: true,
    // `x === "a"` stays as written: turned into `"a" === x`, a statement that then starts with the
    // string right after an `if` reads it as empty on Espruino (docs/espruino.md).
    lhs_constants: false,
  },
  mangle: true,
  format: { comments: false },
};

type Origin = { fileName?: string; lineNumber?: number; columnNumber?: number };

/** `file:line:col: message`, in the source first when the map knows it, then in the bundle. */
function locate(problems: DialectProblem[], bundleName: string, map: SourceMap, root: string): string[] {
  // esbuild names sources relative to the bundle's folder; the codecs by their namespace.
  const mapDir = resolve(root, dirname(bundleName));
  return problems.map((p) => {
    const at = `${bundleName}:${p.line}:${p.column + 1}`;
    const o = map.findOrigin(p.line, p.column + 1) as Origin;
    if (!o.fileName || !o.lineNumber) return `${at}: ${p.message}`;
    const file = o.fileName.startsWith('espfleet-codec:') ? o.fileName.slice('espfleet-codec:'.length) : resolve(mapDir, o.fileName);
    return `${relative(root, file)}:${o.lineNumber}:${o.columnNumber}: ${p.message} [${at}]`;
  });
}

/** What an entry exports (esbuild's ESM view of it); an app entry should export nothing. */
async function entryExports(entry: string, root: string): Promise<string[]> {
  const r = await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', write: false, metafile: true, logLevel: 'silent', plugins: [protocolModules(root)] });
  return Object.values(r.metafile.outputs).flatMap((o) => o.exports);
}

export async function bundleApp(entry: string, name: string, root: string): Promise<Bundle> {
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    // CommonJS output keeps `require("net")` as it is; ESM or IIFE output would route it through
    // a shim built on Proxy, which the board lacks.
    format: 'cjs',
    platform: 'node',
    target: 'es2022',
    outfile: `${root}/dist/${name}.debug.js`,
    write: false,
    sourcemap: 'external',
    sourcesContent: false,
    legalComments: 'none',
    banner: { js: '(function () {' },
    footer: { js: '})();' },
    logLevel: 'silent',
    plugins: [protocolModules(root)],
  });
  const debug = r.outputFiles.find((f) => f.path.endsWith('.js'))!.text;
  // CommonJS output of an entry with exports assigns module.exports through getters the board lacks.
  if (debug.includes('module.exports')) {
    throw new Error(`${relative(root, entry)} exports ${(await entryExports(entry, root)).join(', ')}; an app entry runs for its effects and exports nothing`);
  }
  const debugMap = JSON.parse(r.outputFiles.find((f) => f.path.endsWith('.map'))!.text);
  const m = await minify(debug, { ...TERSER_OPTIONS, sourceMap: { content: debugMap, asObject: true } });
  const minified = m.code!;
  const check = (code: string) => checkEspruinoDialect(code);
  const minifiedMap = new SourceMap(m.map as never);
  const problems = [
    ...locate(check(minified), `dist/${name}.js`, minifiedMap, root),
    ...locate(check(debug), `dist/${name}.debug.js`, new SourceMap(debugMap), root),
  ];
  return { debug, minified, problems, parts: partSizes(minified, minifiedMap, `dist/${name}.js`, root) };
}
