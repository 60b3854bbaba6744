// Whether a fleet run kept up, and why not: every device's intervals ran at their nominal rate,
// lateness did not grow from the first third of the window to the last, and the workload did
// what it should have (no uncaught errors, every swept valve moved, every charging charger sent
// its readings).
import type { FleetRun } from './fleetRun.js';

/** Largest shortfall (or excess) of a device's interval runs against its due times. */
export const RATE_TOLERANCE = 0.05;
/** Largest rise of the fleet's mean lateness, last third against first, ms. */
export const GROWTH_LIMIT_MS = 10;
/** A 70° sweep takes about 6 s of device time: at least one completed move per this many seconds. */
const SECONDS_PER_MOVE = 10;
/** The charger sends a reading every 3 s while charging. */
const READING_EVERY_S = 3;

export interface Verdict {
  keepsUp: boolean;
  failures: string[];
  /** The device whose interval rate is furthest from nominal. */
  worst: { id: string; rate: number };
  /** Device interval rates: minimum, 1st percentile, median. */
  rates: { min: number; p1: number; median: number };
  /** Fleet mean lateness (ms) per third of the window, and p99 per third. */
  lateMean: [number, number, number];
  lateP99: [number, number, number];
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

export function percentile(xs: number[], p: number): number {
  const s = Float64Array.from(xs).sort();
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : 0;
}

export function judge(run: FleetRun): Verdict {
  const failures: string[] = [];
  const devices = run.timers.devices.filter((d) => d.expected > 0);
  const off = (r: number) => Math.abs(1 - r);
  const worst = devices.reduce((w, d) => (off(d.rate) > off(w.rate) ? d : w), devices[0] ?? { id: '-', rate: 1 });
  const slow = devices.filter((d) => off(d.rate) > RATE_TOLERANCE);
  if (!devices.length) failures.push('no device had an interval due in the window');
  if (slow.length) failures.push(`${slow.length} of ${devices.length} devices off their interval rate by more than ${RATE_TOLERANCE * 100} % (worst ${worst.id}: ${(worst.rate * 100).toFixed(1)} %)`);
  const [first, , last] = run.timers.lateness;
  const lateMean = run.timers.lateness.map(mean) as [number, number, number];
  const lateP99 = run.timers.lateness.map((l) => percentile(l, 99)) as [number, number, number];
  if (mean(last) - mean(first) > GROWTH_LIMIT_MS) failures.push(`mean lateness grew from ${mean(first).toFixed(1)} ms to ${mean(last).toFixed(1)} ms`);
  if (run.uncaught) failures.push(`${run.uncaught} uncaught errors`);
  if (run.peerErrors.length) failures.push(`${run.peerErrors.length} socket errors at the peers (${run.peerErrors[0]})`);
  const minMoves = Math.max(1, Math.floor(run.options.seconds / SECONDS_PER_MOVE));
  const stuck = run.moves.filter((m) => m < minMoves).length;
  if (stuck) failures.push(`${stuck} of ${run.moves.length} swept valves completed fewer than ${minMoves} moves`);
  const minReadings = Math.max(1, Math.floor(run.options.seconds / READING_EVERY_S) - 1);
  const quiet = run.metrics.filter((m) => m < minReadings).length;
  if (quiet) failures.push(`${quiet} of ${run.metrics.length} charging chargers sent fewer than ${minReadings} readings`);
  if (run.charging !== run.metrics.length) failures.push(`${run.metrics.length - run.charging} chargers meant to charge had the relay open`);
  if (run.idleOpen !== run.options.devices / 2 - run.metrics.length) failures.push('an idle charger closed its relay');
  const rates = devices.map((d) => d.rate);
  return {
    keepsUp: failures.length === 0,
    failures,
    worst: { id: worst.id, rate: worst.rate },
    rates: { min: Math.min(...rates), p1: percentile(rates, 1), median: percentile(rates, 50) },
    lateMean,
    lateP99,
  };
}
