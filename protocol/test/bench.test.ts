// The bench harness still runs (quick mode), and its checks can fail: a decoder that accepts
// an invalid vector, an encoder whose bytes are not the message, a contender that drops work
// while timed, and a contender slower than its target all fail.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { families } from '../src/families/index.js';
import { protocolRoot } from './support/vectors.js';
import { workloads } from '../bench/workload.js';
import { contenders } from '../bench/contenders.js';
import { checkDecoder, checkEncoder } from '../bench/verify.js';
import { timeRounds } from '../bench/measure.js';
import { aggregate } from '../bench/aggregate.js';
import type { DirectionRun } from '../bench/once.js';

const all = workloads();
const valveClient = all.find((w) => w.dir.union === 'ValveClientMessage')!;
const c = contenders(valveClient);

describe('protocol bench', () => {
  it('runs end to end in quick mode and reports every direction', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'espfleet-bench-')), 'quick.md');
    execFileSync(process.execPath, ['--import', 'tsx', join(protocolRoot, 'bench', 'run.ts')], {
      cwd: protocolRoot,
      env: { ...process.env, BENCH_QUICK: '1', BENCH_OUT: out },
      stdio: 'pipe',
    });
    const report = readFileSync(out, 'utf8');
    expect(report).toContain('Quick mode');
    for (const dir of families.flatMap((f) => f.directions)) expect(report).toContain(`| ${dir.union} |`);
  }, 60_000);

  it('workloads hold each direction\'s own vectors only', () => {
    for (const w of all) {
      expect(w.texts.length).toBeGreaterThan(0);
      expect(w.vectors.every((v) => v.direction === w.dir.union)).toBe(true);
    }
  });

  it('passes the real contenders and fails a decoder that accepts an invalid vector', () => {
    for (const [name, dec] of Object.entries(c.decode)) expect(checkDecoder(name, dec, valveClient, name !== 'parse')).toEqual([]);
    const lenient = (t: string) => c.decode.ours(t) || t.includes('"event"');
    expect(checkDecoder('lenient', lenient, valveClient, true).length).toBeGreaterThan(0);
  });

  it('fails an encoder whose bytes are not the message', () => {
    for (const [name, enc] of Object.entries(c.encode)) expect(checkEncoder(name, enc, valveClient).problems).toEqual([]);
    const lossy = { ...c.encode.ours, encode: (v: unknown) => Buffer.from(JSON.stringify(v).replace(/,"[a-z_]+":[^,{}]+\}$/, '}')) };
    expect(checkEncoder('lossy', lossy, valveClient).problems.length).toBeGreaterThan(0);
  });

  it('fails a run when a timed pass drops work', () => {
    let passes = 0;
    const flaky = { name: 'flaky', expected: 10, pass: () => (++passes > 3 ? 9 : 10) };
    expect(() => timeRounds([flaky], 10, 2, 1)).toThrow(/expected 10/);
  });

  it('calls a target not met when any run misses it', () => {
    const run = (ours: number): DirectionRun => ({
      family: 'valve',
      direction: 'ValveClientMessage',
      messages: 1,
      decode: { parse: [100, 100], ajv: [80, 80], typebox: [90, 90], ours: [ours, ours] },
      encode: { stringify: [100, 100], fjs: [200, 200], ours: [300, 300] },
    });
    const met = aggregate([[run(95)], [run(95)], [run(95)]])[0].ratios;
    expect(met['decode/parse'].met && met['decode/best'].met && met['encode/fjs'].met && met['encode/stringify'].met).toBe(true);
    const oneSlowRun = aggregate([[run(95)], [run(85)], [run(95)]])[0].ratios;
    expect(oneSlowRun['decode/parse'].met).toBe(false);
    expect(oneSlowRun['decode/best'].met).toBe(false);
  });
});
