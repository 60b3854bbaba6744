import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { families } from '../../src/families/index.js';
import type { FamilyDef } from '../../src/schema/family.js';

export interface Vector {
  name: string;
  direction: string;
  text: string;
  accept: boolean;
  value?: unknown;
  strictJson?: boolean;
}

export const protocolRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function loadVectors(): Array<{ fam: FamilyDef; vectors: Vector[] }> {
  return families.map((fam) => ({
    fam,
    vectors: (JSON.parse(readFileSync(join(protocolRoot, 'vectors', `${fam.name}.json`), 'utf8')) as { vectors: Vector[] }).vectors,
  }));
}
