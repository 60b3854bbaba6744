// Time from a set_valve_basic command to the valve_data that reports the valve idle at the
// target angle, for the real valve bundle on a simulated valve: on the virtual clock (device
// time) and on the wall clock (the device running in real time). Each run boots a fresh valve
// at 0° and moves it 0→45, 45→90, 90→0; the bench fails if the valve does not arrive within
// ±1° (the shaft, at the report and after settling) or reports an error on the way.
import { VirtualClock, WallClock, type Clock } from '../../src/espruino/clock.js';
import { SimulatedValve } from '../../src/devices/simulatedValve.js';
import { boot, connect, waitFor, type ValveClient } from './valveClient.js';
import { medianRange } from './stats.js';

const RUNS = 3;
const PASSKEY = 'bench-passkey';
const MOVES = [
  { from: 0, to: 45 },
  { from: 45, to: 90 },
  { from: 90, to: 0 },
];
/** Device time a move may take before the bench fails: 90° takes about 6 s. */
const MOVE_LIMIT_MS = 20_000;
/** Device time after the report at which the shaft is checked again. */
const SETTLE_MS = 1000;
const TOLERANCE_DEG = 1;

interface Move {
  deviceMs: number;
  wallMs: number;
  /** |shaft angle - target| at the report and after settling, degrees. */
  offBy: number;
}

function fail(v: SimulatedValve, why: string): never {
  throw new Error(`${why}\ndevice log:\n${v.esp.logs.slice(-20).join('\n')}`);
}

async function move(v: SimulatedValve, c: ValveClient, target: number): Promise<Move> {
  const from = c.got.length;
  const sent = { deviceMs: v.clock.now(), wallMs: performance.now() };
  c.send({ event: 'set_valve_basic', valve_data: { set_angle: true, angle: target } });
  const arrived = () =>
    c.got.slice(from).find((r) => r.message.event === 'valve_error' || (r.message.event === 'valve_data' && r.message.motion === 'idle' && r.message.get_valvedata.angle === target));
  if (!(await waitFor(v.clock, () => arrived() !== undefined, MOVE_LIMIT_MS))) fail(v, `no valve_data at ${target}° within ${MOVE_LIMIT_MS} ms (shaft at ${v.angle.toFixed(2)}°)`);
  const r = arrived()!;
  if (r.message.event === 'valve_error') fail(v, `moving to ${target}°: valve_error ${JSON.stringify(r.message.error)}`);
  if (r.message.Error !== 'No Error') fail(v, `moving to ${target}°: valve_data reports ${JSON.stringify(r.message.Error)}`);
  const atReport = Math.abs(v.angle - target);
  await waitFor(v.clock, () => false, SETTLE_MS);
  const offBy = Math.max(atReport, Math.abs(v.angle - target));
  if (offBy > TOLERANCE_DEG) fail(v, `moving to ${target}°: the shaft is ${offBy.toFixed(2)}° off (at the report ${atReport.toFixed(2)}°)`);
  return { deviceMs: r.deviceMs - sent.deviceMs, wallMs: r.wallMs - sent.wallMs, offBy };
}

/** One run: a fresh valve at 0° through MOVES, its sensor and switch noise from `seed`. */
async function run(clock: Clock, bundle: string, seed: number): Promise<Move[]> {
  const v = new SimulatedValve({ id: 'bench-valve', bundle, bundleName: 'valve.js', clock, seed, passkey: PASSKEY, startAngle: 0 });
  let c: ValveClient | undefined;
  try {
    await boot(v);
    c = await connect(v);
    c.send({ event: 'request_device_info', passkey: PASSKEY });
    if (!(await waitFor(clock, () => c!.got.some((r) => r.message.event === 'device_info'), 3000))) fail(v, 'no device_info');
    const out: Move[] = [];
    for (const m of MOVES) out.push(await move(v, c, m.to));
    if (v.esp.uncaught.length) fail(v, `uncaught errors: ${v.esp.uncaught.join('; ')}`);
    return out;
  } finally {
    c?.close();
    v.stop();
  }
}

async function runs(kind: 'virtual' | 'wall', clock: () => Clock, bundle: string): Promise<Move[][]> {
  const out: Move[][] = [];
  for (let i = 0; i < RUNS; i++) {
    out.push(await run(clock(), bundle, i + 1));
    console.log(`valve moves, ${kind} clock, run ${i + 1}: ${out[i].map((m) => Math.round(kind === 'virtual' ? m.deviceMs : m.wallMs)).join(', ')} ms`);
  }
  return out;
}

const ms = (n: number) => Math.round(n).toLocaleString('en-US');

/** Times the moves on both clocks and returns the section's lines. */
export async function valveMovesSection(bundle: string): Promise<string[]> {
  const t0 = performance.now();
  const virtual = await runs('virtual', () => new VirtualClock(), bundle);
  const virtualWallMs = performance.now() - t0;
  const wall = await runs('wall', () => new WallClock(), bundle);
  const all = [...virtual, ...wall].flat();
  const worst = Math.max(...all.map((m) => m.offBy));
  const column = (rs: Move[][], i: number, pick: (m: Move) => number) => medianRange(rs.map((r) => pick(r[i])), ms);
  return [
    '### Command to `valve_data` at the target',
    '',
    `- A Node \`ws\` client, authorised, sends \`{"event":"set_valve_basic","valve_data":{"set_angle":true,"angle":…}}\`; the time runs until it receives the \`valve_data\` with \`motion: "idle"\` and \`get_valvedata.angle\` at the target. Each run boots a fresh simulated valve at 0° (the simulated gear motor turns 90° in about 6 s at full drive; the firmware slows it near the target) and moves it 0→45, 45→90, 90→0; ${RUNS} runs per clock, run n with noise seed n, median (range), ms.`,
    '- Virtual clock: device time, advanced in 1 ms steps with real socket I/O between them, so a run repeats exactly for its seed. Wall clock: the device on the real event loop, time as the client sees it (the physics steps on real timers, so it differs from the virtual clock by some tens of ms either way).',
    `- The bench fails unless the shaft is within ±${TOLERANCE_DEG}° of the target at the report and ${SETTLE_MS} ms later, with no error reported; largest distance seen here: ${worst.toFixed(2)}°.`,
    '',
    '| move | virtual clock (device time) | wall clock |',
    '| --- | ---: | ---: |',
    ...MOVES.map((m, i) => `| ${m.from}° → ${m.to}° | ${column(virtual, i, (x) => x.deviceMs)} | ${column(wall, i, (x) => x.wallMs)} |`),
    '',
    `The ${RUNS} virtual-clock runs (boot and moves, ${ms(MOVES.length * RUNS)} moves) took ${(virtualWallMs / 1000).toFixed(1)} s of wall time in all.`,
  ];
}
