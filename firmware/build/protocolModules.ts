// An esbuild plugin for the protocol's generated Espruino codecs. They are CommonJS scripts
// (`exports.x = …`), which esbuild would wrap in helpers (Object.getOwnPropertyNames, getters)
// that the board lacks; this loads the readable twin (`<family>.debug.js`) as an ES module
// instead, so terser minifies it with the app and only the imported family is bundled. Each
// top-level `exports.x = …` becomes `export var x = …` beside the codec's own declarations, so
// esbuild keeps only the decoders and encoders the app imports and the helpers they reach.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { parse, tokenizer } from 'acorn';
import type { Plugin } from 'esbuild';

const PREFIX = '@espfleet/protocol/espruino/';

interface ExportStatement {
  name: string;
  /** Where `exports.name =` starts and where its value starts, in the source. */
  start: number;
  valueStart: number;
}

function exportStatements(source: string): ExportStatement[] {
  const ast = parse(source, { ecmaVersion: 5, sourceType: 'script' }) as unknown as { body: any[] };
  const out: ExportStatement[] = [];
  for (const st of ast.body) {
    const e = st.type === 'ExpressionStatement' ? st.expression : null;
    if (e && e.type === 'AssignmentExpression' && e.operator === '=' && e.left.type === 'MemberExpression' && e.left.object.name === 'exports' && !e.left.computed) {
      out.push({ name: e.left.property.name, start: st.start, valueStart: e.right.start });
    }
  }
  return out;
}

/** Names a CommonJS script assigns with top-level `exports.NAME = …` statements. */
export function exportedNames(source: string): string[] {
  return [...new Set(exportStatements(source).map((s) => s.name))];
}

/**
 * The module as ESM: every top-level `exports.NAME = value;` becomes `export var NAME = value;`
 * in place. Refuses a script that assigns a name twice or uses `exports` any other way, which
 * this rewrite would change the meaning of.
 */
export function asEsModule(source: string): string {
  const statements = exportStatements(source);
  const names = statements.map((s) => s.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new Error(`protocol codec assigns exports.${twice} twice; it cannot become an ES module`);
  let out = '';
  let at = 0;
  for (const s of statements) {
    out += source.slice(at, s.start) + `export var ${s.name} = `;
    at = s.valueStart;
  }
  const uses = [...tokenizer(source, { ecmaVersion: 5 })].filter((t) => t.type.label === 'name' && (t as { value?: unknown }).value === 'exports').length;
  if (uses !== statements.length) throw new Error('protocol codec uses `exports` other than in top-level `exports.NAME = …` statements');
  return out + source.slice(at);
}

export function protocolModules(fromDir: string): Plugin {
  const require = createRequire(fromDir + '/');
  return {
    name: 'espfleet-protocol-espruino',
    setup(b) {
      b.onResolve({ filter: /^@espfleet\/protocol\/espruino\// }, (args) => {
        const family = args.path.slice(PREFIX.length).replace(/\.js$/, '');
        const minified = require.resolve(`${PREFIX}${family}.js`);
        return { path: minified.replace(/\.js$/, '.debug.js'), namespace: 'espfleet-codec' };
      });
      b.onLoad({ filter: /.*/, namespace: 'espfleet-codec' }, async (args) => ({
        contents: asEsModule(await readFile(args.path, 'utf8')),
        loader: 'js',
      }));
      // Espruino's own modules (net, crypto, Storage, Wifi, …) stay `require("…")` calls.
      b.onResolve({ filter: /^[A-Za-z]/ }, (args) => (args.kind === 'require-call' ? { path: args.path, external: true } : undefined));
    },
  };
}
