// ajv is the oracle: for valid messages drawn from each schema and for mutations of them,
// the generated Node decoders accept and reject exactly what ajv does, and valid messages
// round-trip through encode/decode unchanged.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { families } from '../src/families/index.js';
import { ajvAccepts, ajvDecoded } from './support/oracle.js';
import { validDirection, mutate } from './support/arbitrary.js';
import { nodeCodecs } from './support/codecs.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 400);

for (const fam of families) {
  describe(`${fam.name} (Node codecs vs ajv)`, () => {
    for (const dir of fam.directions) {
      const codec = nodeCodecs(fam, dir);
      it(`${dir.union}: every valid message is accepted, decodes to ajv's value and round-trips`, () => {
        fc.assert(
          fc.property(validDirection(fam, dir), (msg) => {
            const text = JSON.stringify(msg);
            expect(ajvAccepts(fam, dir.union, msg)).toBe(true);
            const r = codec.decode(text);
            if (!r.ok) throw new Error(`rejected ${text}: ${r.error.path} ${r.error.message}`);
            expect(r.value).toEqual(ajvDecoded(fam, dir, JSON.parse(text)));
            const again = codec.decode(codec.encode(r.value));
            expect(again).toEqual({ ok: true, value: r.value });
          }),
          { numRuns: RUNS },
        );
      });

      it(`${dir.union}: mutated messages are accepted exactly when ajv accepts them`, () => {
        const arb = validDirection(fam, dir).chain((m) => mutate(m));
        fc.assert(
          fc.property(arb, (msg) => {
            const text = JSON.stringify(msg);
            if (text === undefined) return;
            const expected = ajvAccepts(fam, dir.union, JSON.parse(text));
            const r = codec.decode(text);
            if (r.ok !== expected) {
              throw new Error(`decoder ${r.ok ? 'accepted' : 'rejected'} but ajv ${expected ? 'accepted' : 'rejected'}: ${text}`);
            }
            if (!r.ok) {
              expect(typeof r.error.path).toBe('string');
              expect(r.error.message.length).toBeGreaterThan(0);
            }
          }),
          { numRuns: RUNS * 2 },
        );
      });

      it(`${dir.union}: arbitrary JSON values agree with ajv`, () => {
        fc.assert(
          fc.property(fc.jsonValue({ maxDepth: 3 }), (v) => {
            const text = JSON.stringify(v);
            expect(codec.decode(text).ok).toBe(ajvAccepts(fam, dir.union, JSON.parse(text)));
          }),
          { numRuns: RUNS },
        );
      });
    }
  });
}
