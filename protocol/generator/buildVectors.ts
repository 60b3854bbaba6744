// Builds protocol/vectors/<family>.json: wire texts with the verdict and decoded value every
// target (Node, Espruino, Lua) must produce. Verdicts and values come from ajv — an
// implementation independent of the generator — never from the decoders under test.
// The seed examples are copied verbatim from ../shared/seeds when it is there; run with
// `npm run vectors -w @espfleet/protocol` and commit the result.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { families } from '../src/families/index.js';
import type { DirectionDef, FamilyDef } from '../src/schema/family.js';
import { ajvAccepts, ajvDecoded } from '../test/support/oracle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const seeds = join(root, '..', '..', 'shared', 'seeds');

export interface Vector {
  name: string;
  direction: string;
  text: string;
  accept: boolean;
  value?: unknown;
  /** Depends on strict JSON syntax; Espruino's lenient JSON.parse accepts it, so Espruino skips it. */
  strictJson?: boolean;
}

function verdict(fam: FamilyDef, dir: DirectionDef, name: string, text: string, strictJson = false): Vector {
  let parsed: unknown;
  let accept = false;
  try {
    parsed = JSON.parse(text);
    accept = ajvAccepts(fam, dir.union, parsed);
  } catch {
    accept = false;
  }
  const v: Vector = { name, direction: dir.union, text, accept };
  if (accept) v.value = ajvDecoded(fam, dir, parsed);
  if (strictJson) v.strictJson = true;
  return v;
}

function seedBlocks(fam: FamilyDef): string[] {
  const file = join(seeds, fam.seed);
  if (!existsSync(file)) return [];
  const md = readFileSync(file, 'utf8');
  const blocks: string[] = [];
  const re = /```json\n([\s\S]*?)```/g;
  for (let m = re.exec(md); m; m = re.exec(md)) blocks.push(m[1].trim());
  return blocks;
}

function tagOf(fam: FamilyDef, value: unknown): string | undefined {
  if (fam.discriminator === 'socketio') return Array.isArray(value) ? String(value[0]) : undefined;
  return value && typeof value === 'object' ? String((value as Record<string, unknown>)[fam.discriminator]) : undefined;
}

function build(fam: FamilyDef): Vector[] {
  const out: Vector[] = [];
  seedBlocks(fam).forEach((text, i) => {
    const value = JSON.parse(text);
    const accepting = fam.directions.filter((d) => ajvAccepts(fam, d.union, value));
    const name = `seed example ${i + 1}, verbatim`;
    if (accepting.length) for (const d of accepting) out.push(verdict(fam, d, name, text));
    else {
      // Rejected everywhere: the seed shows placeholders such as "YYYY-MM-DD HH:MM:SS".
      const tag = tagOf(fam, value);
      const d = fam.directions.find((x) => x.messages.some((m) => m.tag === tag)) ?? fam.directions[0];
      out.push(verdict(fam, d, `${name} (placeholder values, rejected)`, text));
    }
  });

  for (const dir of fam.directions) {
    const examples: Array<[string, unknown]> = [];
    if (dir.arrayMessage) dir.arrayMessage.examples.forEach((e, i) => examples.push([`${dir.arrayMessage!.typeName} example ${i + 1}`, e]));
    for (const m of dir.messages) m.examples.forEach((e, i) => examples.push([`${m.typeName} example ${i + 1}`, e]));
    for (const [name, e] of examples) out.push(verdict(fam, dir, name, JSON.stringify(e)));

    for (const m of dir.messages) {
      const ex = structuredClone(m.examples[0]);
      const body = (fam.discriminator === 'socketio' ? (ex as unknown[])[1] : ex) as Record<string, unknown>;
      const skip = [fam.discriminator, m.variant?.property];
      const fields = Object.keys(body).filter((k) => !skip.includes(k));
      for (const k of fields.slice(0, 3)) {
        const missing = structuredClone(ex) as Record<string, unknown>;
        delete ((fam.discriminator === 'socketio' ? (missing as unknown as unknown[])[1] : missing) as Record<string, unknown>)[k];
        out.push(verdict(fam, dir, `${m.typeName} without ${k}`, JSON.stringify(missing)));
        for (const bad of [{}, 'text', 1.5, -1, null, true]) {
          const wrong = structuredClone(ex) as Record<string, unknown>;
          ((fam.discriminator === 'socketio' ? (wrong as unknown as unknown[])[1] : wrong) as Record<string, unknown>)[k] = bad;
          const v = verdict(fam, dir, `${m.typeName} with ${k} = ${JSON.stringify(bad)}`, JSON.stringify(wrong));
          if (!v.accept) {
            out.push(v);
            break;
          }
        }
      }
      const extra = structuredClone(ex) as Record<string, unknown>;
      ((fam.discriminator === 'socketio' ? (extra as unknown as unknown[])[1] : extra) as Record<string, unknown>).unknown_extra = [1, 'two'];
      out.push(verdict(fam, dir, `${m.typeName} with an unknown extra field`, JSON.stringify(extra)));
    }

    const first = JSON.stringify(dir.messages[0].examples[0]);
    const tagField = fam.discriminator === 'socketio' ? undefined : fam.discriminator;
    const unknownTag = fam.discriminator === 'socketio' ? JSON.stringify(['no_such_event', {}]) : JSON.stringify({ [tagField!]: 'no_such_event' });
    out.push(
      verdict(fam, dir, 'unknown discriminator', unknownTag),
      verdict(fam, dir, 'not JSON', '{"'),
      verdict(fam, dir, 'empty text', ''),
      verdict(fam, dir, 'JSON null', 'null'),
      verdict(fam, dir, 'a number', '42'),
      verdict(fam, dir, 'a string', '"hello"'),
      verdict(fam, dir, 'trailing comma', first.replace(/}$/, ',}').replace(/]$/, ',]'), true),
      verdict(fam, dir, 'single quotes', first.replace(/"/g, "'"), true),
      verdict(fam, dir, 'trailing garbage', first + ' x', true),
    );
    if (tagField) {
      const body = structuredClone(dir.messages[0].examples[0]) as Record<string, unknown>;
      delete body[tagField];
      out.push(verdict(fam, dir, 'missing discriminator', JSON.stringify(body)));
      out.push(verdict(fam, dir, 'discriminator not a string', JSON.stringify({ ...body, [tagField]: 7 })));
      out.push(verdict(fam, dir, 'an array', '[]'));
    }
  }
  return out;
}

const outDir = join(root, 'vectors');
mkdirSync(outDir, { recursive: true });
for (const fam of families) {
  const vectors = build(fam);
  writeFileSync(join(outDir, `${fam.name}.json`), JSON.stringify({ family: fam.name, seed: fam.seed, vectors }, null, 2) + '\n');
  console.log(`${fam.name}: ${vectors.length} vectors (${vectors.filter((v) => v.accept).length} accept)`);
}
