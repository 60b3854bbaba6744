// npm run bench -w @espfleet/simulator
// (a) How many simulated devices one process sustains at real time: a fleet of valves and
//     chargers (half idle, half active: valves moving, chargers charging) on the wall clock,
//     with timer lateness as the measure of keeping up, CPU use, and memory per device.
// (b) How much faster than real time one device runs on the virtual clock.
// Devices run the firmware-style test bundles (test/bundles) until the firmware lands.
import { writeFileSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { Fleet } from '../src/fleet.js';
import { WallClock, VirtualClock } from '../src/espruino/clock.js';
import { SimulatedValve } from '../src/devices/simulatedValve.js';

const here = dirname(fileURLToPath(import.meta.url));
const bundle = (n: string) => readFileSync(join(here, '..', 'test', 'bundles', n), 'utf8');
const DEVICES = Number(process.env.BENCH_DEVICES ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);

/** A wall clock that records how late each timer fires. */
class MeasuredClock extends WallClock {
  lateness: number[] = [];
  override setTimer(fn: () => void, ms: number): number {
    const due = performance.now() + Math.max(0, ms);
    return super.setTimer(() => {
      this.lateness.push(performance.now() - due);
      fn();
    }, ms);
  }
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

async function fleetAtRealTime() {
  global.gc?.();
  const before = process.memoryUsage();
  const clock = new MeasuredClock();
  const t0 = performance.now();
  const fleet = new Fleet({
    clock,
    valves: DEVICES / 2,
    chargers: DEVICES / 2,
    valveBundle: bundle('valve-driver.js'),
    chargerBundle: bundle('charger-driver.js'),
  });
  fleet.start();
  const startMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 3000));
  global.gc?.();
  const after = process.memoryUsage();
  // Half of each kind active: valves sweep between 10° and 80°, chargers charge a vehicle.
  fleet.valves.forEach((v, i) => {
    if (i % 2 === 0) v.esp.eval('setInterval(function () { move(state.angle < 45 ? 80 : 10); }, 6000); move(80);');
  });
  fleet.chargers.forEach((c, i) => i % 2 === 0 && c.placeCard([4, i & 255, (i >> 8) & 255, 7]));
  clock.lateness = [];
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - w0;
  const moving = fleet.valves.filter((v) => v.motor.mode === 'drive').length;
  const charging = fleet.chargers.filter((c) => c.relayClosed).length;
  const uncaught = fleet.devices.reduce((n, d) => n + d.esp.uncaught.length, 0);
  fleet.stop();
  return {
    devices: DEVICES,
    startMs,
    perDeviceKb: (after.heapUsed + after.external - before.heapUsed - before.external) / 1024 / DEVICES,
    rssPerDeviceKb: (after.rss - before.rss) / 1024 / DEVICES,
    timers: clock.lateness.length,
    timersPerSecond: clock.lateness.length / (wall / 1000),
    p50: pct(clock.lateness, 50),
    p99: pct(clock.lateness, 99),
    cpu: (cpu.user + cpu.system) / 1000 / wall,
    moving,
    charging,
    uncaught,
  };
}

function virtualSpeedup() {
  const clock = new VirtualClock();
  const v = new SimulatedValve({ id: 'valve-speed', bundle: bundle('valve-driver.js'), clock });
  v.start();
  v.esp.eval('setInterval(function () { move(state.angle < 45 ? 80 : 10); }, 6000); move(80);');
  const deviceSeconds = 600;
  const t = performance.now();
  clock.advance(deviceSeconds * 1000);
  const wall = (performance.now() - t) / 1000;
  const moves = v.esp.eval('state.moves') as number;
  v.stop();
  return { deviceSeconds, wall, speedup: deviceSeconds / wall, moves };
}

const f = await fleetAtRealTime();
const s = virtualSpeedup();
const keepsUp = f.p99 < 50 && f.cpu < 0.9 * os.cpus().length;
const lines = [
  '# @espfleet/simulator benchmark',
  '',
  `- Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}; ${new Date().toISOString()}`,
  '- Command: `npm run bench -w @espfleet/simulator` (node --expose-gc; BENCH_DEVICES, BENCH_SECONDS to change the run)',
  '- Workload: the firmware-style test bundles (`test/bundles`); half the valves sweep 10°↔80° (50 Hz control loop, INA219 read every 20 ms), half idle (1 Hz telemetry); half the chargers charge (INA226 every 1 s), half wait for a card (PN532 polled every 50 ms), all on the wall clock.',
  '',
  '## (a) Devices at real time',
  '',
  '| devices | boot all | heap+external per device | RSS per device | device timers/s | timer lateness p50 | p99 | CPU (cores) | valves moving | chargers charging | uncaught | keeps up (p99 < 50 ms) | target |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  `| ${f.devices} | ${(f.startMs / 1000).toFixed(1)} s | ${f.perDeviceKb.toFixed(0)} KB | ${f.rssPerDeviceKb.toFixed(0)} KB | ${Math.round(f.timersPerSecond).toLocaleString('en-US')} | ${f.p50.toFixed(1)} ms | ${f.p99.toFixed(1)} ms | ${f.cpu.toFixed(2)} | ${f.moving} | ${f.charging} | ${f.uncaught} | ${keepsUp ? 'yes' : 'NO'} | 1,000 devices: ${f.devices >= 1000 && keepsUp ? 'met' : 'NOT met'} |`,
  '',
  '## (b) Virtual clock, one device',
  '',
  '| device time | wall time | speed-up over real time | valve moves | target (100×) |',
  '| ---: | ---: | ---: | ---: | --- |',
  `| ${s.deviceSeconds} s | ${s.wall.toFixed(2)} s | ${Math.round(s.speedup).toLocaleString('en-US')}× | ${s.moves} | ${s.speedup >= 100 ? 'met' : 'NOT met'} |`,
  '',
];
writeFileSync(join(here, 'RESULTS.md'), lines.join('\n'));
console.log(lines.join('\n'));
