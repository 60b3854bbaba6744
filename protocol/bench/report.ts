// RESULTS.md: the machine, the exact command and settings as run, the method, and per family
// and direction the rates and target ratios (median and range over the runs) with verdicts.
import os from 'node:os';
import { readFileSync } from 'node:fs';
import type { DirectionSummary } from './aggregate.js';
import type { Settings } from './settings.js';
import { TARGETS } from './targets.js';
import { WARM_UP_ROUNDS } from './measure.js';
import type { Spread } from './stats.js';

const int = (x: number) => Math.round(x).toLocaleString('en-US');
const rate = (s: Spread) => `${int(s.median)} (${int(s.min)}–${int(s.max)})`;
const ratio = (s: Spread) => `${s.median.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;

/** The pinned versions of the baselines (devDependencies are exact). */
function baselineVersions(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { devDependencies: Record<string, string> };
  return ['ajv', '@sinclair/typebox', 'fast-json-stringify'].map((n) => `${n} ${pkg.devDependencies[n]}`).join(', ');
}

export function familiesMet(rows: DirectionSummary[]): Map<string, boolean> {
  const met = new Map<string, boolean>();
  for (const r of rows) met.set(r.family, (met.get(r.family) ?? true) && Object.values(r.ratios).every((x) => x.met));
  return met;
}

export function renderReport(rows: DirectionSummary[], s: Settings): string {
  const cpu = os.cpus();
  const L = [
    '# @espfleet/protocol benchmark',
    '',
    s.quick ? '**Quick mode (BENCH_QUICK=1): a harness check, not a measurement.**\n' : '',
    `- Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.platform()} ${os.release()}; shared with other work, runs serialised by \`flock /tmp/espfleet-bench.lock\``,
    `- Node ${process.version}; ${baselineVersions()}; ${new Date().toISOString()}`,
    '- Command (after `npm run build`): `flock /tmp/espfleet-bench.lock npm run bench -w @espfleet/protocol`',
    `- Settings as run: runs ${s.runs} (separate processes), each with ${s.rounds} rounds of ${s.roundMs} ms per contender per direction, after ${WARM_UP_ROUNDS} warm-up rounds. These are fixed in \`bench/settings.ts\`; only BENCH_QUICK=1 changes them.`,
    '',
    '## Method',
    '',
    '- Workload, per family and direction: that direction\'s accepted vectors from `vectors/<family>.json` (one per distinct text). Every contender is first checked on all of that direction\'s vectors, accepted and rejected: a validating decoder must accept exactly the accepted ones; every encoder\'s bytes must parse back to the message. Each timed pass must return the expected count of accepted messages or bytes written; otherwise the run fails.',
    '- Decode contenders take the text and answer accepted or not: `JSON.parse` alone; `JSON.parse` + ajv (8, draft 2020-12) with the message\'s own compiled schema picked by the tag read from the parsed value (a `Map` lookup; the variant property where two messages share a tag); the same with TypeBox\'s `TypeCompiler.Compile` of TypeBox schemas built from the same JSON Schema; and ours, `decode<Direction>(text).ok` from the built `dist/node` module.',
    '- Encode contenders return the bytes a socket write needs: `Buffer.from(JSON.stringify(wire))`; `Buffer.from(fjs(wire))` with fast-json-stringify compiled per message schema, picked by tag; and ours, `Buffer.from(encode<Direction>(value))`. The values hold their schema\'s fields only (what a typed app value holds), so all three write the same JSON; a Socket.io event is the array `[name, payload]` for the other two, `{ event, data }` for ours.',
    '- Each direction is measured in its own process in every run, so call sites learn only that direction\'s messages, as in an app. Its contenders run interleaved, the order rotating every round. Per run, a rate is the median round, and a ratio is the median over rounds of ours ÷ the baseline in that same round. The tables give the median over the runs and, in brackets, the range (min–max). A target is met only if every run met it.',
    '',
    '## Targets (issue 13), on every family',
    '',
    ...TARGETS.map((t) => `- ${t.label} ≥ ${t.atLeast.toFixed(1)}`),
    '',
  ];
  const met = familiesMet(rows);
  L.push('| family | verdict | targets missed in at least one run |', '| --- | --- | --- |');
  for (const [family, ok] of met) {
    const missed = TARGETS.filter((t) => rows.some((r) => r.family === family && !r.ratios[t.id].met)).map((t) => t.label);
    L.push(`| ${family} | ${ok ? 'met' : '**not met**'} | ${missed.join('; ') || '—'} |`);
  }
  L.push('', '## Target ratios (ours ÷ baseline, same rounds)', '');
  L.push(`| family | direction | msgs | ${TARGETS.map((t) => `${t.label} (≥ ${t.atLeast.toFixed(1)})`).join(' | ')} |`);
  L.push(`| --- | --- | ---: | ${TARGETS.map(() => '---').join(' | ')} |`);
  for (const r of rows) {
    const cells = TARGETS.map((t) => `${ratio(r.ratios[t.id].spread)} ${r.ratios[t.id].met ? 'met' : '**not met**'}`);
    L.push(`| ${r.family} | ${r.direction} | ${r.messages} | ${cells.join(' | ')} |`);
  }
  L.push('', '## Decode + validate, messages per second', '');
  L.push('| family | direction | JSON.parse | JSON.parse + ajv (picked) | JSON.parse + TypeBox (picked) | decode (ours) |');
  L.push('| --- | --- | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const d = r.rates.decode;
    L.push(`| ${r.family} | ${r.direction} | ${rate(d.parse)} | ${rate(d.ajv)} | ${rate(d.typebox)} | ${rate(d.ours)} |`);
  }
  L.push('', '## Encode to bytes, messages per second', '');
  L.push('| family | direction | Buffer.from(JSON.stringify) | Buffer.from(fast-json-stringify) | Buffer.from(encode) (ours) |');
  L.push('| --- | --- | ---: | ---: | ---: |');
  for (const r of rows) {
    const e = r.rates.encode;
    L.push(`| ${r.family} | ${r.direction} | ${rate(e.stringify)} | ${rate(e.fjs)} | ${rate(e.ours)} |`);
  }
  L.push('', 'Espruino module sizes are in `dist/espruino/SIZES.md` after a build (valve target: under 8 KB minified).', '');
  return L.filter((l, i) => l !== '' || L[i - 1] !== '').join('\n');
}
