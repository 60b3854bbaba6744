// npm run bench -w @espfleet/firmware (which runs npm run bench:firmware -w @espfleet/simulator):
// the firmware's benchmark, run here because it needs the simulator, which depends on the
// firmware. Measures the real firmware/dist/valve.js (bundle bytes, JsVars, command to
// valve_data at the target) and the firmware's WebSocket server against a Node `ws` server,
// and writes firmware/bench/RESULTS.md. Fails on a missed target, an over-budget bundle or a
// missing echo.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { RESULTS, VALVE_BUNDLE } from './firmwarePaths.js';
import { valveSizeSection } from './valveSize.js';
import { valveMemorySection } from './valveMemory.js';
import { valveMovesSection } from './valveMoves.js';
import { wsThroughputSection } from './wsThroughput.js';

if (!existsSync(VALVE_BUNDLE)) throw new Error(`${VALVE_BUNDLE} is missing: npm run build -w @espfleet/firmware`);
const bundle = readFileSync(VALVE_BUNDLE, 'utf8');
const started = performance.now();

const size = valveSizeSection(bundle);
const memory = await valveMemorySection(bundle);
const moves = await valveMovesSection(bundle);
const throughput = await wsThroughputSection();

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const text = [
  '# @espfleet/firmware benchmark',
  '',
  `- Machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}; Node ${process.version}; ${new Date().toISOString()}. The machine is shared with other work, so the wall-clock figures vary from run to run; the device-time figures do not depend on it.`,
  '- Command: `npm run bench -w @espfleet/firmware` (runs `simulator/bench/firmware/run.ts`; this file is written by it).',
  `- Whole bench: ${((performance.now() - started) / 1000).toFixed(0)} s.`,
  '',
  '## Valve app (`firmware/dist/valve.js`)',
  '',
  ...size,
  '',
  ...memory,
  '',
  ...moves,
  '',
  ...throughput,
  '',
].join('\n');
writeFileSync(RESULTS, text);
console.log(text);
