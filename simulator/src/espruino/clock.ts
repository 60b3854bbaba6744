// Time for simulated devices. A virtual clock runs timers in order of due time as fast as
// the host can (deterministic tests, faster than real time); the wall clock runs them at real
// time. Devices in one fleet share one clock.
import { TimerHeap } from './timerHeap.js';

export interface Clock {
  readonly virtual: boolean;
  /** Milliseconds since the Unix epoch, device time. */
  now(): number;
  /**
   * Runs `fn` after `ms`; with `every` (ms, > 0) again every `every` ms after that, counted from
   * when each run was due rather than when it ran, as Espruino re-arms an interval (its
   * jsiTimers add the interval to the timer's time), so a late run does not shift the rest.
   */
  setTimer(fn: () => void, ms: number, every?: number): number;
  clearTimer(id: number): void;
}

export class VirtualClock implements Clock {
  readonly virtual = true;
  private t: number;
  private readonly timers = new TimerHeap();

  /** `start`: device time at creation, ms since the epoch (fixed by default, so runs repeat). */
  constructor(start = Date.UTC(2026, 0, 1, 8, 0, 0)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number, every = 0): number {
    return this.timers.add(fn, this.t + Math.max(0, ms), every);
  }

  clearTimer(id: number): void {
    this.timers.clear(id);
  }

  /** Timers still set. */
  get pending(): number {
    return this.timers.pending;
  }

  /** Runs every timer due within `ms`, in order, and leaves the clock `ms` later. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (let top = this.timers.peek(); top && top.due <= end; top = this.timers.peek()) {
      this.timers.take();
      this.t = Math.max(this.t, top.due);
      top.fn();
    }
    this.t = end;
  }

  /**
   * Advances in steps, yielding to the real event loop between them so that real socket
   * I/O (bridged networking) is delivered while device time passes.
   */
  async advanceAsync(ms: number, stepMs = 10): Promise<void> {
    const end = this.t + ms;
    while (this.t < end) {
      this.advance(Math.min(stepMs, end - this.t));
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  /** Advances until `done()` holds (checked between steps) or `maxMs` of device time has passed. */
  async until(done: () => boolean, maxMs: number, stepMs = 10): Promise<boolean> {
    const end = this.t + maxMs;
    while (!done()) {
      if (this.t >= end) return false;
      this.advance(Math.min(stepMs, end - this.t));
      await new Promise<void>((r) => setImmediate(r));
    }
    return true;
  }
}

/** Longest a wall clock runs timers before letting socket I/O in. */
const BATCH_MS = 10;

/**
 * Real time. All of a clock's timers wait in one heap behind a single Node timer, armed for the
 * earliest: thousands of devices' timers cost one Node timer, and each runs when due by
 * performance.now() (Node arms timers from its cached loop time, which can be stale by the
 * length of the callback that armed them).
 */
export class WallClock implements Clock {
  readonly virtual = false;
  private readonly timers = new TimerHeap();
  private timeout: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private armedFor = Infinity;

  /** Fractional milliseconds, as Espruino's Date.now() gives. */
  now(): number {
    return performance.timeOrigin + performance.now();
  }

  setTimer(fn: () => void, ms: number, every = 0): number {
    const id = this.timers.add(fn, this.now() + Math.max(0, ms), every);
    this.arm();
    return id;
  }

  clearTimer(id: number): void {
    this.timers.clear(id);
  }

  /** Timers still set. */
  get pending(): number {
    return this.timers.pending;
  }

  private arm(): void {
    const top = this.timers.peek();
    if (!top || top.due >= this.armedFor) return;
    this.disarm();
    this.armedFor = top.due;
    const wait = top.due - this.now();
    // Already due: after the pending I/O (setImmediate), not Node's 1 ms minimum timeout. Not
    // unref'd: an unref'd immediate lets the event loop block in its poll phase until other work
    // comes; it keeps the process only until it has run.
    if (wait <= 0) this.immediate = setImmediate(this.run);
    else this.timeout = setTimeout(this.run, Math.ceil(wait)).unref();
  }

  private disarm(): void {
    if (this.timeout) clearTimeout(this.timeout);
    if (this.immediate) clearImmediate(this.immediate);
    this.timeout = this.immediate = undefined;
    this.armedFor = Infinity;
  }

  /** Runs what is due, in order, until nothing is or BATCH_MS have passed (then socket I/O goes first). */
  private readonly run = (): void => {
    // The handle that called this has fired: forget it (clearing a Node timer from inside its
    // own callback confuses Node's timer lists).
    this.timeout = this.immediate = undefined;
    this.armedFor = Infinity;
    const start = this.now();
    for (let top = this.timers.peek(); top && top.due <= this.now(); top = this.timers.peek()) {
      this.timers.take();
      top.fn();
      if (this.now() - start > BATCH_MS) break;
    }
    this.arm();
  };
}
