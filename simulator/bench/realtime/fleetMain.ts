// One fleet run in a process of its own (so runs do not share a heap or compiled code):
// `node --expose-gc --import tsx bench/realtime/fleetMain.ts DEVICES SECONDS WARMUP`; prints
// the run and its verdict as one JSON line (lateness lists left out).
import { runFleet } from './fleetRun.js';
import { judge } from './verdict.js';

const [devices, seconds, warmupSeconds] = process.argv.slice(2).map(Number);
const run = await runFleet({ devices, seconds, warmupSeconds });
const verdict = judge(run);
const { timers, ...rest } = run;
console.log(JSON.stringify({ run: { ...rest, firedInWindow: timers.lateness.reduce((n, l) => n + l.length, 0) }, verdict }));
process.exit(0);
