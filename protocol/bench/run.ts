// npm run bench -w @espfleet/protocol (after npm run build; for RESULTS.md under the shared
// lock: flock /tmp/espfleet-bench.lock npm run bench -w @espfleet/protocol).
// Runs the bench several times in separate processes and writes the combined report.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { settingsFromEnv } from './settings.js';
import { assertBuilt } from './shippedCodecs.js';
import type { DirectionRun, RunOutput } from './once.js';
import { families } from '../src/families/index.js';
import { aggregate } from './aggregate.js';
import { familiesMet, renderReport } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const settings = settingsFromEnv(join(here, 'RESULTS.md'));
assertBuilt();

const directions = families.flatMap((f) => f.directions.map((d) => d.union));
const runs: DirectionRun[][] = [];
for (let i = 0; i < settings.runs; i++) {
  const run: DirectionRun[] = [];
  for (const direction of directions) {
    const stdout = execFileSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(here, 'once.ts')], {
      env: { ...process.env, BENCH_ROUNDS: String(settings.rounds), BENCH_ROUND_MS: String(settings.roundMs), BENCH_DIRECTION: direction },
      encoding: 'utf8',
    });
    const out = JSON.parse(stdout) as RunOutput;
    if (!out.ok) {
      console.error('bench verification failed:\n' + out.problems.join('\n'));
      process.exit(2);
    }
    run.push(out.direction);
  }
  runs.push(run);
  console.error(`run ${i + 1}/${settings.runs} done`);
}

const rows = aggregate(runs);
const report = renderReport(rows, settings);
if (settings.out) writeFileSync(settings.out, report);
console.log(report);
// A missed target is a result (RESULTS.md says so); only a failed check of the harness exits non-zero,
// so `npm run bench` at the root goes on to the other packages' benches.
if (!settings.quick && [...familiesMet(rows).values()].some((met) => !met)) console.error('protocol bench: some targets not met (see bench/RESULTS.md)');
