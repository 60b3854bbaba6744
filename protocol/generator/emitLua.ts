// The Lua module of a family (Lua 5.1 and 5.3, NodeMCU's versions): the same validators as
// the Node build, in TypeScript that typescript-to-lua compiles, bundled with the JSON
// layer (src/lua/json.ts) into one self-contained file per family and Lua version.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FamilyDef } from '../src/schema/family.js';
import { luaDialect } from './dialect.js';
import { ValidatorEmitter } from './emitValidator.js';
import { emitDispatch, validatorName } from './emitDispatch.js';
import { buildLuaBundle } from './luaBuild.js';

const jsonSource = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'lua', 'json.ts'), 'utf8');

export function emitLuaSource(fam: FamilyDef): string {
  const v = new ValidatorEmitter(luaDialect);
  const out: string[] = [
    `// espfleet protocol, ${fam.name} family, for Lua. Generated — do not edit.`,
    `import { NULL, isArray, isObject, newArray, jsonDecode, jsonEncode } from './json';`,
    `export { NULL, isArray, isObject, newArray, jsonDecode, jsonEncode };`,
    `function ok(v: any): any { return { ok: true, value: v }; }`,
    `function fail(p: string, m: string): any { return { ok: false, error: { path: p, message: m } }; }`,
    `function dec(t: any, max: number | undefined, check: (this: void, o: any) => any): any {`,
    `  if (typeof t !== 'string') return fail('', 'message must be text');`,
    `  const s: string = t;`,
    `  const limit: number = max === undefined ? 65536 : max;`,
    `  if (s.length > limit) return fail('', 'message is larger than the ' + string.format('%d', limit) + '-byte limit');`,
    `  const r = jsonDecode(s);`,
    `  if (!r.ok) return fail('', 'invalid JSON: ' + r.error);`,
    `  return check(r.value);`,
    `}`,
    `declare const string: { format(this: void, f: string, ...a: any[]): string };`,
    // Referenced by some families only.
    `void NULL; void isArray; void isObject; void newArray;`,
  ];
  const validators: string[] = [];
  const done = new Set<string>();
  for (const dir of fam.directions) {
    if (dir.arrayMessage) validators.push(v.arrayMessage(dir, `v_${dir.arrayMessage.typeName}`));
    for (const m of dir.messages) {
      if (done.has(m.typeName)) continue;
      done.add(m.typeName);
      validators.push(v.message(m, fam, validatorName(m)));
    }
  }
  out.push(v.formatFunctions(), ...validators);
  for (const dir of fam.directions) {
    const U = dir.union;
    out.push(emitDispatch(fam, dir, luaDialect, `check${U}`));
    out.push(`export function decode${U}(t: any, max?: number): any { return dec(t, max, check${U}); }`);
    out.push(`export function validate${U}(o: any): any { return check${U}(o); }`);
    out.push(
      fam.discriminator === 'socketio'
        ? `export function encode${U}(m: any): string { return jsonEncode([m.event, m.data]); }`
        : `export function encode${U}(m: any): string { return jsonEncode(m); }`,
    );
  }
  for (const [name, values] of Object.entries(fam.constants ?? {})) {
    const entries = Object.entries(values).map(([k, x]) => `${/^[A-Za-z_]\w*$/.test(k) ? k : `[${JSON.stringify(k)}]`}: ${JSON.stringify(x)}`);
    out.push(`export const ${name} = { ${entries.join(', ')} };`);
  }
  return out.join('\n') + '\n';
}

export function emitLua(fam: FamilyDef, luaTarget: '5.1' | '5.3'): string {
  const header = `-- espfleet protocol: ${fam.name} family for Lua ${luaTarget}. Generated from protocol/src/families — do not edit.\n-- local m = require("${fam.name}"); local r = m.decode…(text); if r.ok then … r.value … else … r.error.path, r.error.message end\n`;
  return (
    header +
    buildLuaBundle({
      files: { '/virtual/json.ts': jsonSource, [`/virtual/${fam.id}.ts`]: emitLuaSource(fam) },
      entry: `/virtual/${fam.id}.ts`,
      luaTarget,
    })
  );
}
