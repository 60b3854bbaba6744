// One run of a fleet at real time: the real firmware bundles on the wall clock, half the valves
// swept by a client, half the chargers charging for a backend, every device's timers metered
// over a window, and what the workload must have done counted.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Fleet } from '../../src/fleet.js';
import { WallClock } from '../../src/espruino/clock.js';
import { FIRMWARE } from '../firmware/firmwarePaths.js';
import { TimerMeter, type TimerReport } from './timerMeter.js';
import { Peers } from './peers.js';
import type { PeerCounts } from './peersProtocol.js';

export interface FleetRunOptions {
  devices: number;
  /** Length of the measured window, s. */
  seconds: number;
  /** Time between boot and the window, s (WiFi, connections, the first moves). */
  warmupSeconds: number;
  /** Busy-wait this long (ms) every 10 ms in one valve's own timer: a deliberately slowed device. */
  slowDeviceMs?: number;
}

export interface FleetRun {
  options: FleetRunOptions;
  bootMs: number;
  heapPerDeviceKb: number;
  /** Busy fraction of the simulator's event loop over the window, and the process's CPU (all threads, cores). */
  loopBusy: number;
  cpuCores: number;
  timers: TimerReport;
  timersPerSecond: number;
  uncaught: number;
  /** Valves swept: each one's completed moves in the window; chargers charging: each one's metrics. */
  moves: number[];
  metrics: number[];
  /** Charging chargers whose relay was closed at the end, of those meant to charge; idle ones with it open. */
  charging: number;
  idleOpen: number;
  peerErrors: string[];
}

/**
 * Interval runs due in the window are counted if they run up to this long after it: a run due
 * just before the end is not missing because it is a few ms late (a 1 s interval has only ~20
 * due times in the window, so one of them is 5 %). Lateness itself is judged on its own.
 */
export const GRACE_MS = 1000;

const bundle = (name: string) => readFileSync(join(FIRMWARE, 'dist', name), 'utf8');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const diff = (a: Record<string, number>, b: Record<string, number>, key: string) => (b[key] ?? 0) - (a[key] ?? 0);

export async function runFleet(o: FleetRunOptions): Promise<FleetRun> {
  const peers = new Peers();
  const clock = new WallClock();
  const meter = new TimerMeter(clock);
  try {
    const server = await peers.serve();
    global.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const fleet = new Fleet({
      clock,
      deviceClock: (id) => meter.view(id),
      valves: o.devices / 2,
      chargers: o.devices / 2,
      valveBundle: bundle('valve.js'),
      chargerBundle: bundle('charger.js'),
      server,
      seed: 1,
    });
    fleet.start();
    const bootMs = performance.now() - t0;
    try {
      const swept = fleet.valves.filter((_, i) => i % 2 === 0);
      const charged = fleet.chargers.filter((_, i) => i % 2 === 0);
      // Until every device has joined WiFi, the valves serve and the chargers are connected.
      for (let waited = 0; ; waited += 100) {
        const up = fleet.devices.every((d) => d.esp.online) && fleet.valves.every((v) => v.port !== undefined);
        if (up && (await peers.counts()).publishers >= fleet.chargers.length) break;
        if (waited > 60_000) throw new Error('the fleet did not come up within 60 s');
        await sleep(100);
      }
      await peers.drive(swept.map((v) => ({ id: v.id, port: v.port ?? 0, passkey: String(v.config.passkey) })));
      charged.forEach((c, i) => c.placeCard([4, i & 255, (i >> 8) & 255, 7]));
      if (o.slowDeviceMs) {
        fleet.valves[1].esp.eval(`setInterval(function () { var t = Date.now(); while (Date.now() - t < ${o.slowDeviceMs}) {} }, 10);`);
      }
      await sleep(o.warmupSeconds * 1000);
      global.gc?.();
      const heapPerDeviceKb = (process.memoryUsage().heapUsed - heap0) / 1024 / o.devices;
      const before: PeerCounts = await peers.counts();
      meter.begin(o.seconds * 1000);
      const cpu0 = process.cpuUsage();
      const loop0 = performance.eventLoopUtilization();
      const w0 = performance.now();
      await sleep(o.seconds * 1000);
      const wall = performance.now() - w0;
      const cpu = process.cpuUsage(cpu0);
      const loopBusy = performance.eventLoopUtilization(loop0).utilization;
      await sleep(GRACE_MS);
      const timers = meter.report();
      const after = await peers.counts();
      const fired = timers.lateness.reduce((n, l) => n + l.length, 0);
      return {
        options: o,
        bootMs,
        heapPerDeviceKb,
        loopBusy,
        cpuCores: (cpu.user + cpu.system) / 1000 / wall,
        timers,
        timersPerSecond: fired / (wall / 1000),
        uncaught: fleet.devices.reduce((n, d) => n + d.esp.uncaught.length, 0),
        moves: swept.map((v) => diff(before.moves, after.moves, v.id)),
        metrics: charged.map((c) => diff(before.metrics, after.metrics, String(c.config.estacionId))),
        charging: charged.filter((c) => c.relayClosed).length,
        idleOpen: fleet.chargers.filter((c, i) => i % 2 === 1 && !c.relayClosed).length,
        peerErrors: after.errors,
      };
    } finally {
      fleet.stop();
    }
  } finally {
    await peers.close();
  }
}
