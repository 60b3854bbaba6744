// npm run bench -w @espfleet/simulator: (a) how many devices one process keeps at real time,
// running the real firmware bundles with their peers; (b) how much faster than real time one
// device runs on the virtual clock. Writes bench/RESULTS.md. BENCH_QUICK=1: a small fleet for
// a few seconds, printed, not written.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import type { FleetRun } from './realtime/fleetRun.js';
import type { Verdict } from './realtime/verdict.js';
import { RATE_TOLERANCE, GROWTH_LIMIT_MS } from './realtime/verdict.js';
import { GRACE_MS } from './realtime/fleetRun.js';
import { virtualSpeed, type VirtualSpeed } from './virtualSpeed.js';
import { helperCost } from './helperCost.js';
import { median, medianRange } from './firmware/stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const QUICK = process.env.BENCH_QUICK === '1';
const RUNS = QUICK ? 1 : 3;
const SIZES = QUICK ? [20] : [1000, 2000];
const SECONDS = QUICK ? 5 : 20;
const WARMUP = QUICK ? 1 : 5;
const LEGS = QUICK ? 4 : 40;
const WARMUP_LEGS = QUICK ? 1 : 10;
const VIRTUAL_TARGET = 1000;

type Measured = { run: Omit<FleetRun, 'timers'> & { firedInWindow: number }; verdict: Verdict };

function fleetRun(devices: number): Measured {
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(here, 'realtime', 'fleetMain.ts'), String(devices), String(SECONDS), String(WARMUP)],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(out.trim().split('\n').pop()!) as Measured;
}

// Sizes alternate run by run, so drift on the shared machine falls on both.
const runs = new Map<number, Measured[]>(SIZES.map((n) => [n, []]));
for (let i = 0; i < RUNS; i++) {
  for (const n of SIZES) {
    const m = fleetRun(n);
    runs.get(n)!.push(m);
    const v = m.verdict;
    console.log(`run ${i + 1}, ${n} devices: ${v.keepsUp ? 'keeps up' : 'FALLS BEHIND'}; worst rate ${(v.worst.rate * 100).toFixed(1)} %, lateness ${v.lateMean.map((x) => x.toFixed(1)).join(' / ')} ms, loop busy ${m.run.loopBusy.toFixed(2)}${v.failures.length ? '; ' + v.failures.join('; ') : ''}`);
  }
}
const speeds: VirtualSpeed[] = [];
for (let i = 0; i < RUNS; i++) {
  const s = await virtualSpeed(LEGS, WARMUP_LEGS);
  if (s.moves !== s.legs) throw new Error(`virtual clock: ${s.moves} of ${s.legs} moves completed`);
  speeds.push(s);
  console.log(`virtual clock run ${i + 1}: ${Math.round(s.speedup)}× (${s.moves} moves)`);
}

const plus = helperCost(RUNS);

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const ms = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const num = (x: number) => Math.round(x).toLocaleString('en-US');
const row = (n: number) => {
  const rs = runs.get(n)!;
  const col = (pick: (m: Measured) => number, show: (x: number) => string) => medianRange(rs.map(pick), show);
  const met = rs.every((m) => m.verdict.keepsUp);
  const worst = rs.map((m) => `${m.verdict.worst.id} ${pct(m.verdict.worst.rate)}`).join(', ');
  return [
    `| ${num(n)} | ${col((m) => m.run.bootMs / 1000, (x) => x.toFixed(1) + ' s')} | ${col((m) => m.run.heapPerDeviceKb, num)} KB | ${col((m) => m.run.firedInWindow / SECONDS, num)} | ${col((m) => m.verdict.rates.min, pct)} | ${col((m) => m.verdict.rates.p1, pct)} | ${col((m) => m.verdict.rates.median, pct)} | ${col((m) => m.verdict.lateMean[0], ms)} → ${col((m) => m.verdict.lateMean[2], ms)} ms | ${col((m) => m.verdict.lateP99[0], ms)} → ${col((m) => m.verdict.lateP99[2], ms)} ms | ${col((m) => m.run.loopBusy, f2)} | ${col((m) => m.run.cpuCores, f2)} | ${col((m) => median(m.run.moves), num)} | ${col((m) => median(m.run.metrics), num)} | ${col((m) => m.run.uncaught, num)} | ${rs.map((m) => (m.verdict.keepsUp ? 'yes' : 'no')).join(', ')} | ${met ? 'met' : 'not met'} |`,
    worst,
    rs.flatMap((m) => m.verdict.failures),
  ] as const;
};
const rows = SIZES.map((n) => ({ n, r: row(n) }));
const lines = [
  '# @espfleet/simulator benchmark',
  '',
  `- Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}; ${new Date().toISOString()}. Shared with other work.`,
  '- Command: `flock /tmp/espfleet-bench.lock npm run bench -w @espfleet/simulator` (each fleet run in its own `node --expose-gc` process; `BENCH_QUICK=1` for the quick mode the tests run).',
  `- Every figure: median (min – max) of ${RUNS} runs; the 1,000- and 2,000-device runs alternate.`,
  '',
  '## (a) Devices at real time',
  '',
  '- Workload: the real firmware, `firmware/dist/valve.js` and `charger.js`, on the wall clock; half the devices valves, half chargers. Every valve joins WiFi and serves its WebSocket; half of them are swept 10° ↔ 80° by a WebSocket client that sends the next `set_valve_basic` as soon as the valve reports itself idle at the target (control loop every 25 ms while moving, 500 ms at rest; motor physics every 5 ms). Every charger connects to a backend that answers like the host server (`connected`, a `start` for each `nfc_scan`); half of them get a card at the start and charge (INA226 sampled every second, a reading sent every 3 s), half wait for a card (PN532 polled every 250 ms). The backend and the valve clients run in a worker thread (they are other machines in real use).',
  `- Measured over a ${SECONDS} s window, after the fleet is up (WiFi joined, valves serving, chargers connected), the sweeps and sessions started and ${WARMUP} s more. Every timer a device sets is metered through its clock (Fleet's \`deviceClock\`, bench/realtime/timerMeter.ts).`,
  `- Keeps up when every one of these holds (bench/realtime/verdict.ts): every device's intervals ran at their nominal rate within ${RATE_TOLERANCE * 100} % (runs of the due times that fell in the window, made by ${GRACE_MS / 1000} s after it, over those due times; intervals are re-armed from their due time, as Espruino does, so a process that falls behind leaves due runs undone instead of stretching the period); the fleet's mean timer lateness in the window's last third is at most ${GROWTH_LIMIT_MS} ms above its first third; no uncaught error; no socket error at the peers; every swept valve completed at least one move per 10 s; every charging charger has its relay closed and sent at least one reading per 3 s less one; no waiting charger closed its relay. "Met" only if every run kept up.`,
  '- Loop busy: the simulator thread\'s event-loop utilisation; CPU: the whole process (both threads and V8\'s helpers), in cores.',
  '',
  '| devices | boot all | heap per device | device timers run/s | interval rate: worst device | 1st percentile | median | mean lateness, first → last third | p99 lateness, first → last third | loop busy | CPU | moves per swept valve | readings per charging charger | uncaught | kept up (per run) | target |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ...rows.map(({ r }) => r[0]),
  '',
  ...rows.map(({ n, r }) => `- ${num(n)} devices, worst device per run: ${r[1]}.${r[2].length ? ' Failed: ' + [...new Set(r[2])].join('; ') + '.' : ''}`),
  '',
  '## (b) Virtual clock, one device',
  '',
  `- The real valve bundle swept 10° ↔ 80° by a WebSocket client, ${LEGS} legs of 8 s device time after ${WARMUP_LEGS} untimed (JIT warm-up), device time advanced in 100 ms steps with socket I/O between them; every leg must end with the valve idle at the target.`,
  '',
  `| device time | wall time | speed-up over real time | moves completed | target (${num(VIRTUAL_TARGET)}×) |`,
  '| ---: | ---: | ---: | ---: | --- |',
  `| ${num(speeds[0].deviceSeconds)} s | ${medianRange(speeds.map((s) => s.wallSeconds), (x) => x.toFixed(2) + ' s')} | ${medianRange(speeds.map((s) => s.speedup), (x) => num(x) + '×')} | ${speeds.map((s) => s.moves).join(', ')} of ${LEGS} | ${speeds.every((s) => s.speedup >= VIRTUAL_TARGET) ? 'met' : 'not met'} |`,
  '',
  '## (c) What a rewritten `+` costs',
  '',
  '- The realm rewrites every `+` (and `+=`, template literals, unary `+`) into a call of its helper `__espruinoRealm.add`, for Espruino\'s number printing. Measured (bench/helperCost.ts): 2,000,000 number additions in a loop in a realm context, ns per `+`, alternated. Reading any global in a node:vm context goes through the context\'s interceptor; a script-scope `const` does not. Compiled bundles (src/espruino/bundleScript.ts) reach the helper through such a binding; console input and `Modules.addCached` text still run through the realm\'s own path.',
  '',
  '| the helper through the global (as rewritten) | through a script-scope binding (compiled bundles) | plain `+` (no fidelity; for scale) |',
  '| ---: | ---: | ---: |',
  `| ${medianRange(plus.global, (x) => x.toFixed(1) + ' ns')} | ${medianRange(plus.scriptScope, (x) => x.toFixed(1) + ' ns')} | ${medianRange(plus.plain, (x) => x.toFixed(1) + ' ns')} |`,
  '',
];
if (!QUICK) writeFileSync(join(here, 'RESULTS.md'), lines.join('\n'));
console.log(lines.join('\n'));
