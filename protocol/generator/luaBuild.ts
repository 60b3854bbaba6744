import ts from 'typescript';
import * as tstl from 'typescript-to-lua';

export interface LuaBundleOptions {
  /** Virtual absolute path (e.g. '/virtual/valve.ts') -> TypeScript source. */
  files: Record<string, string>;
  /** One of the keys of `files`; its exports table is what the bundle returns. */
  entry: string;
  luaTarget: '5.1' | '5.3';
}

/**
 * Compiles in-memory TypeScript to one self-contained Lua chunk with TypeScriptToLua.
 * The chunk ends with `return <entry exports>`, so load it with `dofile(path)`,
 * `require(name)` or `loadstring(src)()`. Relative imports between the virtual files
 * (`import { jsonDecode } from './json'` or `'./json.js'`) are resolved inside the bundle.
 */
export function buildLuaBundle(opts: LuaBundleOptions): string {
  if (!(opts.entry in opts.files)) throw new Error(`buildLuaBundle: entry ${opts.entry} is not in files`);
  const { diagnostics, transpiledFiles } = tstl.transpileVirtualProject(opts.files, {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
    strict: true,
    skipLibCheck: true,
    noHeader: true,
    luaTarget: opts.luaTarget as tstl.LuaTarget,
    luaLibImport: tstl.LuaLibImportKind.RequireMinimal, // only the used lualib helpers, once per bundle
    noImplicitSelf: true,
    noImplicitGlobalVariables: true,
    luaBundle: 'bundle.lua',
    luaBundleEntry: opts.entry,
    // TSTL resolves `require` paths itself and does not map NodeNext-style './x.js' to './x.ts'.
    luaPlugins: [{ plugin: { moduleResolution: (dep: string) => (/^\.\.?\/.*\.js$/.test(dep) ? dep.slice(0, -3) : undefined) } }],
  });
  const errors = diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    const text = errors.map((d) => {
      const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      if (d.file === undefined || d.start === undefined) return msg;
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      return `${d.file.fileName}:${line + 1}:${character + 1}: ${msg}`;
    });
    throw new Error(`TypeScriptToLua failed (Lua ${opts.luaTarget}):\n${text.join('\n')}`);
  }
  const bundle = transpiledFiles.find((f) => f.lua !== undefined && f.outPath.endsWith('bundle.lua'));
  if (bundle?.lua === undefined) throw new Error('TypeScriptToLua produced no bundle');
  return bundle.lua;
}
