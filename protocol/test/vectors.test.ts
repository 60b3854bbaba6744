// The shared vectors on the Node codecs and on the Espruino modules (in an Espruino-shaped
// vm context). The Lua modules run the same vectors in lua.test.ts.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadVectors, protocolRoot } from './support/vectors.js';
import { loadEspruinoModule } from './support/espruinoContext.js';
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

      it('Espruino module', () => {
        const mod = loadEspruinoModule(readFileSync(join(protocolRoot, 'dist', 'espruino', `${fam.name}.js`), 'utf8'));
        let ran = 0;
        for (const v of vectors) {
          if (v.strictJson) continue;
          const r = mod[`decode${v.direction}`](v.text) as { ok: boolean; value?: unknown; error?: { path: string; message: string } };
          expect(r.ok, `${v.name}: ${v.text} ${JSON.stringify(r.error)}`).toBe(v.accept);
          // Values cross the vm boundary: compare as JSON.
          if (v.accept) expect(JSON.parse(JSON.stringify(r.value)), v.name).toEqual(v.value);
          ran++;
        }
        expect(ran).toBeGreaterThan(vectors.length / 2);
      });
    });
  }
});
