// The shared vectors on the Node codecs and on the Espruino modules (in the fidelity realm,
// with and without byte strings). The Lua modules run the same vectors in lua.test.ts.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadVectors, protocolRoot } from './support/vectors.js';
import { espruinoDevice } from './support/espruinoContext.js';
import { nodeCodecs } from './support/codecs.js';

const all = loadVectors();

describe('shared vectors', () => {
  it('cover every message of every family, and every seed example', () => {
    for (const { fam, vectors } of all) {
      for (const dir of fam.directions) {
        for (const m of dir.messages) {
          const accepted = vectors.some((v) => v.direction === dir.union && v.accept && v.name.startsWith(m.typeName));
          expect(accepted, `${fam.name} ${m.typeName}`).toBe(true);
        }
      }
      if (fam.discriminator !== 'socketio') expect(vectors.some((v) => v.name.startsWith('seed example')), fam.name).toBe(true);
    }
  });

  it('carry non-ASCII text (accepted) in every family, as the codecs on a board must pass it through', () => {
    for (const { fam, vectors } of all) {
      expect(vectors.some((v) => v.accept && /[^\x00-\x7f]/.test(v.text)), fam.name).toBe(true);
    }
  });

  for (const { fam, vectors } of all) {
    describe(fam.name, () => {
      it(`Node: ${vectors.length} vectors`, () => {
        for (const v of vectors) {
          const codec = nodeCodecs(fam, fam.directions.find((d) => d.union === v.direction)!);
          const r = codec.decode(v.text);
          expect(r.ok, `${v.name}: ${v.text}`).toBe(v.accept);
          if (v.accept && r.ok) expect(r.value, v.name).toEqual(v.value);
          // Binary input decodes the same.
          expect(codec.decode(Buffer.from(v.text)).ok).toBe(v.accept);
        }
      });

      for (const file of [`${fam.name}.js`, `${fam.name}.debug.js`]) {
        for (const byteStrings of [false, true]) {
          it(`Espruino ${file}${byteStrings ? ', byte strings (ESP32)' : ''}: verdicts, and encode(decode(text)) is the value`, () => {
            const device = espruinoDevice(readFileSync(join(protocolRoot, 'dist', 'espruino', file), 'utf8'), { byteStrings });
            const mod = device.exports;
            let ran = 0;
            for (const v of vectors) {
              if (v.strictJson) continue;
              const r = mod[`decode${v.direction}`](device.into(v.text)) as { ok: boolean; value?: unknown; error?: unknown };
              expect(r.ok, `${v.name}: ${v.text} ${JSON.stringify(r.error)}`).toBe(v.accept);
              if (v.accept) {
                const wire = device.out(mod.encode(r.value) as string);
                const value = v.value as { event: string; data: unknown };
                expect(JSON.parse(wire), `${v.name}: ${wire}`).toEqual(fam.discriminator === 'socketio' ? [value.event, value.data] : v.value);
              }
              ran++;
            }
            expect(ran).toBeGreaterThan(vectors.length / 2);
          });
        }
      }
    });
  }
});
