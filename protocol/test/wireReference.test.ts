// docs/wire-reference.md is generated from the schemas and the AsyncAPI document: the
// committed file must be what the generator writes today.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { families } from '../src/families/index.js';
import { buildAsyncApi } from '../src/schema/asyncapi.js';
import { wireReference, repoRoot, WIRE_REFERENCE } from '../generator/wireReference.js';

describe('wire reference', () => {
  const text = wireReference(families, buildAsyncApi(families));

  it('is up to date (npm run wire-reference -w @espfleet/protocol rewrites it)', () => {
    expect(readFileSync(join(repoRoot, WIRE_REFERENCE), 'utf8') === text, `${WIRE_REFERENCE} is out of date: run npm run wire-reference -w @espfleet/protocol`).toBe(true);
  });

  it('has every message of every family, with its fields and examples', () => {
    for (const fam of families) {
      expect(text).toContain(`## ${fam.title}`);
      expect(text).toContain(`(specs/${fam.seed})`);
      for (const dir of fam.directions) {
        expect(text).toContain(`### ${dir.union}: ${dir.from} → ${dir.to}`);
        for (const m of dir.messages) {
          expect(text).toContain(`#### \`${m.tag}\``);
          for (const field of Object.keys(m.schema.properties)) expect(text).toContain(`| \`${field}\` |`);
        }
      }
    }
    // Seed constants come through the AsyncAPI channel descriptions.
    expect(text).toContain('`4005` ESTACION_NOT_FOUND — "Estacion no encontrada"');
    expect(text).toContain('{"type":"metrics","session_id":123,"v":220.5,"a":16.2,"w":3572.1,"ts":1699276425}');
  });
});
