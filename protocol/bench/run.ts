// npm run bench -w @espfleet/protocol
// Per family, in one run: decode+validate throughput against JSON.parse alone and against
// JSON.parse + an ajv validator compiled from the same schema; encode against JSON.stringify.
// Rounds are interleaved so machine noise hits every contender alike; medians are reported.
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { families } from '../src/families/index.js';
import { familyJsonSchema } from '../src/schema/jsonSchema.js';
import type { FamilyDef } from '../src/schema/family.js';
import { loadVectors } from '../test/support/vectors.js';
import { nodeCodecs } from '../test/support/codecs.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 150);

type Work = () => number;

/** Messages per second of `fn` over `items`, run for about ROUND_MS. */
function rate(items: number, fn: Work): number {
  let n = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(ROUND_MS) * 1_000_000n;
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let k = 0; k < 50; k++) sink += fn();
    n += 50 * items;
    elapsed = process.hrtime.bigint() - start;
  }
  if (sink === -1) console.log(sink);
  return n / (Number(elapsed) / 1e9);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function compare(contenders: Record<string, Work>, items: number): Record<string, number> {
  const samples: Record<string, number[]> = {};
  for (const k of Object.keys(contenders)) samples[k] = [];
  for (const fn of Object.values(contenders)) rate(items, fn); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, fn] of Object.entries(contenders)) samples[k].push(rate(items, fn));
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

const ajv = new Ajv2020({ strict: false });
ajv.addKeyword('x-format');
for (const fam of families) ajv.addSchema(familyJsonSchema(fam));

function messageValidator(fam: FamilyDef, value: unknown): ValidateFunction {
  // The ajv baseline gets the best case: the one message schema, chosen in advance.
  const dirs = fam.directions;
  for (const d of dirs) {
    for (const m of d.messages) {
      const body = fam.discriminator === 'socketio' ? (value as unknown[])[1] : value;
      const tag = fam.discriminator === 'socketio' ? (value as unknown[])[0] : (body as Record<string, unknown>)[fam.discriminator];
      if (m.tag === tag && (!m.variant || (body as Record<string, unknown>)[m.variant.property] === m.variant.value)) {
        const v = ajv.getSchema(`https://espfleet.dev/schemas/${fam.name}.json#/$defs/${m.typeName}`)!;
        return fam.discriminator === 'socketio' ? (((x: unknown[]) => v(x[1])) as unknown as ValidateFunction) : v;
      }
    }
    if (d.arrayMessage && Array.isArray(value)) return ajv.getSchema(`https://espfleet.dev/schemas/${fam.name}.json#/$defs/${d.arrayMessage.typeName}`)!;
  }
  throw new Error('no schema');
}

interface Row {
  family: string;
  messages: number;
  parse: number;
  ajv: number;
  ajvBest: number;
  decode: number;
  stringify: number;
  encode: number;
}

const rows: Row[] = [];
for (const { fam, vectors } of loadVectors()) {
  // Seed and family examples (accepted, one per distinct text) are the workload.
  const seen = new Set<string>();
  const work = vectors.filter((v) => v.accept && !seen.has(v.text) && seen.add(v.text));
  const texts = work.map((v) => v.text);
  const decoders = work.map((v) => nodeCodecs(fam, fam.directions.find((d) => d.union === v.direction)!));
  const validators = work.map((v) => messageValidator(fam, JSON.parse(v.text)));
  const unions = work.map((v) => ajv.getSchema(`https://espfleet.dev/schemas/${fam.name}.json#/$defs/${v.direction}`)!);
  const values = work.map((v, i) => {
    const r = decoders[i].decode(v.text);
    if (!r.ok) throw new Error('bench workload does not decode: ' + v.text);
    return r.value;
  });
  const N = texts.length;
  const d = compare(
    {
      parse: () => {
        let s = 0;
        for (let i = 0; i < N; i++) s += JSON.parse(texts[i]) ? 1 : 0;
        return s;
      },
      ajv: () => {
        let s = 0;
        for (let i = 0; i < N; i++) s += unions[i](JSON.parse(texts[i])) ? 1 : 0;
        return s;
      },
      ajvBest: () => {
        let s = 0;
        for (let i = 0; i < N; i++) s += validators[i](JSON.parse(texts[i])) ? 1 : 0;
        return s;
      },
      decode: () => {
        let s = 0;
        for (let i = 0; i < N; i++) s += decoders[i].decode(texts[i]).ok ? 1 : 0;
        return s;
      },
    },
    N,
  );
  // Encoders take the union and dispatch, as an app calls them.
  const e = compare(
    {
      stringify: () => {
        let s = 0;
        for (let i = 0; i < N; i++) s += JSON.stringify(values[i]).length;
        return s;
      },
      encode: () => {
        let s = 0;
        for (let i = 0; i < N; i++) s += decoders[i].encode(values[i]).length;
        return s;
      },
    },
    N,
  );
  rows.push({ family: fam.name, messages: N, parse: d.parse, ajv: d.ajv, ajvBest: d.ajvBest, decode: d.decode, stringify: e.stringify, encode: e.encode });
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const r2 = (x: number) => x.toFixed(2);
const lines = [
  '# @espfleet/protocol benchmark',
  '',
  `- Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}`,
  `- Node ${process.version}; ${new Date().toISOString()}`,
  '- Command: `npm run bench -w @espfleet/protocol`',
  `- Method: per family, the accepted vector texts (seed and schema examples) as the workload; ${ROUNDS} interleaved rounds of ${ROUND_MS} ms per contender, medians in messages per second.`,
  '- Baselines: `JSON.parse` alone; `JSON.parse` + ajv compiled from the same schema our decoder implements (the direction union, `oneOf` of its messages, from `dist/json-schema`); and, for reference, ajv\'s best case: the one message schema picked in advance, which no decoder of a union gets to do.',
  '- Targets: decode+validate ≥ 0.85 × JSON.parse and ≥ JSON.parse + ajv (same schema); encode ≥ 1.5 × JSON.stringify.',
  '',
  '| family | msgs | JSON.parse | + ajv (same schema) | + ajv (message picked) | decode (ours) | decode / parse | decode / ajv | decode / ajv picked | JSON.stringify | encode (ours) | encode / stringify | targets |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
];
let allMet = true;
for (const r of rows) {
  const dp = r.decode / r.parse;
  const da = r.decode / r.ajv;
  const es = r.encode / r.stringify;
  const met = dp >= 0.85 && da >= 1 && es >= 1.5;
  allMet &&= met;
  lines.push(
    `| ${r.family} | ${r.messages} | ${fmt(r.parse)} | ${fmt(r.ajv)} | ${fmt(r.ajvBest)} | ${fmt(r.decode)} | ${r2(dp)} | ${r2(da)} | ${r2(r.decode / r.ajvBest)} | ${fmt(r.stringify)} | ${fmt(r.encode)} | ${r2(es)} | ${met ? 'met' : 'NOT met'} |`,
  );
}
lines.push('', `Espruino module sizes are in \`dist/espruino/SIZES.md\` after a build (valve target: under 8 KB minified).`, '');
writeFileSync(join(here, 'RESULTS.md'), lines.join('\n'));
console.log(lines.join('\n'));
if (!allMet) process.exitCode = 1;
