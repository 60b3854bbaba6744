// Per-device views of one clock that record how each device's timers fire: for every timer its
// lateness (when it ran minus when it was due), and for every interval (a timer with a period)
// how many of its due times within the measured window it ran, against how many there were.
// Intervals are re-armed from their due time (as on Espruino), so a process that falls behind
// shows as runs missing from the window and as lateness that grows, not as a slower period.
import type { Clock } from '../../src/espruino/clock.js';

interface Interval {
  every: number;
  firstDue: number;
  nextDue: number;
  clearedAt: number;
  /** Runs within the window of due times inside it. */
  ran: number;
}

class DeviceTimers {
  intervals = new Map<number, Interval>();
  /** Lateness sum and count per third of the window. */
  lateSum = [0, 0, 0];
  lateCount = [0, 0, 0];
}

export interface DeviceTimerReport {
  id: string;
  /** Interval runs due within the window, and how many of them ran. */
  expected: number;
  ran: number;
  /** ran / expected (1 when the device has no interval due in the window). */
  rate: number;
  /** Mean lateness (ms) of its timers in each third of the window. */
  lateMean: [number, number, number];
}

export interface TimerReport {
  devices: DeviceTimerReport[];
  /** Every lateness in each third of the window, ms. */
  lateness: [number[], number[], number[]];
}

export class TimerMeter {
  private readonly devices = new Map<string, DeviceTimers>();
  private start = Infinity;
  private end = Infinity;
  private lateness: [number[], number[], number[]] = [[], [], []];

  constructor(private readonly clock: Clock) {}

  /** The clock device `id` runs on: `clock`, with its timers recorded. */
  view(id: string): Clock {
    const d = new DeviceTimers();
    this.devices.set(id, d);
    const clock = this.clock;
    return {
      virtual: clock.virtual,
      now: () => clock.now(),
      setTimer: (fn, ms, every = 0) => {
        const due = clock.now() + Math.max(0, ms);
        if (!(every > 0)) return clock.setTimer(() => this.ran(d, due, fn), ms);
        const iv: Interval = { every, firstDue: due, nextDue: due, clearedAt: Infinity, ran: 0 };
        const id = clock.setTimer(
          () => {
            const at = iv.nextDue;
            iv.nextDue += every;
            if (at >= this.start && at <= this.end) iv.ran++;
            this.ran(d, at, fn);
          },
          ms,
          every,
        );
        d.intervals.set(id, iv);
        return id;
      },
      clearTimer: (id) => {
        const iv = d.intervals.get(id);
        if (iv) iv.clearedAt = clock.now();
        clock.clearTimer(id);
      },
    };
  }

  /** Starts the window: the next `ms` of clock time are measured. */
  begin(ms: number): void {
    this.start = this.clock.now();
    this.end = this.start + ms;
    this.lateness = [[], [], []];
    for (const d of this.devices.values()) {
      d.lateSum = [0, 0, 0];
      d.lateCount = [0, 0, 0];
      for (const [id, iv] of d.intervals) if (iv.clearedAt < this.start) d.intervals.delete(id);
    }
  }

  /** What happened in the window (call when it has ended). */
  report(): TimerReport {
    const devices: DeviceTimerReport[] = [];
    for (const [id, d] of this.devices) {
      let expected = 0;
      let ran = 0;
      for (const iv of d.intervals.values()) {
        expected += dueTimes(iv, this.start, Math.min(this.end, iv.clearedAt));
        ran += iv.ran;
      }
      const mean = (i: number) => (d.lateCount[i] ? d.lateSum[i] / d.lateCount[i] : 0);
      devices.push({ id, expected, ran, rate: expected ? ran / expected : 1, lateMean: [mean(0), mean(1), mean(2)] });
    }
    return { devices, lateness: this.lateness };
  }

  private ran(d: DeviceTimers, due: number, fn: () => void): void {
    const now = this.clock.now();
    if (now >= this.start && now <= this.end) {
      const third = Math.min(2, Math.floor(((now - this.start) * 3) / (this.end - this.start)));
      const late = now - due;
      d.lateSum[third] += late;
      d.lateCount[third]++;
      this.lateness[third].push(late);
    }
    fn();
  }
}

/** How many of an interval's due times fall in [from, to]. */
function dueTimes(iv: Interval, from: number, to: number): number {
  const lo = Math.max(from, iv.firstDue);
  if (to < lo) return 0;
  return Math.floor((to - iv.firstDue) / iv.every) - Math.ceil((lo - iv.firstDue) / iv.every) + 1;
}
