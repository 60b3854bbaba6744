// The shared vectors, random input and the size limit on the generated Lua modules, under
// the real lua5.1 and lua5.3 interpreters.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { join } from 'node:path';
import { loadVectors, protocolRoot } from './support/vectors.js';
import { LUA_VERSIONS, luaAvailable, runLua } from './support/lua.js';

const all = loadVectors();
type Result = { ok: boolean; value?: unknown; error?: { path: string; message: string }; threw?: string };

for (const version of LUA_VERSIONS) {
  const available = luaAvailable(version);
  // Without the interpreter this must fail in CI, never pass by skipping.
  const run = available || process.env.CI === 'true' ? describe : describe.skip;
  run(`Lua ${version}`, () => {
    it('is installed', () => expect(available, `lua${version} is missing: apt-get install lua${version}`).toBe(true));
    for (const { fam, vectors } of all) {
      const mod = join(protocolRoot, 'dist', 'lua', version, `${fam.name}.lua`);
      it(`${fam.name}: ${vectors.length} shared vectors`, () => {
        const results = runLua(version, mod, vectors.map((v) => ({ fn: `decode${v.direction}`, text: v.text }))) as Result[];
        vectors.forEach((v, i) => {
          const r = results[i];
          expect(r.threw, v.name).toBeUndefined();
          expect(r.ok, `${v.name}: ${v.text} → ${JSON.stringify(r.error)}`).toBe(v.accept);
          if (v.accept) expect(r.value, v.name).toEqual(v.value);
          else expect(typeof r.error?.message).toBe('string');
        });
      });
      it(`${fam.name}: random and truncated input never raises`, () => {
        const texts = fc.sample(fc.oneof(fc.string({ maxLength: 200, unit: 'binary' }), fc.json({ maxDepth: 3 })), 300);
        for (const v of vectors.filter((x) => x.accept).slice(0, 10)) for (let i = 0; i < v.text.length; i += 3) texts.push(v.text.slice(0, i));
        const fns = fam.directions.map((d) => `decode${d.union}`);
        const results = runLua(version, mod, texts.map((text, i) => ({ fn: fns[i % fns.length], text }))) as Result[];
        for (const r of results) {
          expect(r.threw).toBeUndefined();
          expect(typeof r.ok).toBe('boolean');
        }
      });
    }
    it('refuses a message over 64 KiB', () => {
      const big = JSON.stringify({ event: 'request_device_info', passkey: 'x'.repeat(70_000) });
      const [r] = runLua(version, join(protocolRoot, 'dist', 'lua', version, 'valve.lua'), [{ fn: 'decodeValveClientMessage', text: big }]) as Result[];
      expect(r).toEqual({ ok: false, error: { path: '', message: 'message is larger than the 65536-byte limit' } });
    });
  });
}
