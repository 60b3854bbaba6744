// Time for simulated devices. A virtual clock runs timers in order of due time as fast as
// the host can (deterministic tests, faster than real time); the wall clock uses the real
// event loop (demos). Devices in one fleet share one clock.

export interface Clock {
  readonly virtual: boolean;
  /** Milliseconds since the Unix epoch, device time. */
  now(): number;
  setTimer(fn: () => void, ms: number): number;
  clearTimer(id: number): void;
}

interface Timer {
  id: number;
  due: number;
  seq: number;
  fn: () => void;
}

/** A binary min-heap keyed by (due, seq): timers due at the same time run in the order they were set. */
class TimerHeap {
  private a: Timer[] = [];
  get size(): number {
    return this.a.length;
  }
  peek(): Timer | undefined {
    return this.a[0];
  }
  push(t: Timer): void {
    const a = this.a;
    a.push(t);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  pop(): Timer | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l], a[m])) m = l;
        if (r < a.length && less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

function less(x: Timer, y: Timer): boolean {
  return x.due < y.due || (x.due === y.due && x.seq < y.seq);
}

export class VirtualClock implements Clock {
  readonly virtual = true;
  private t: number;
  private heap = new TimerHeap();
  private live = new Map<number, Timer>();
  private nextId = 1;
  private seq = 0;

  /** `start`: device time at creation, ms since the epoch (fixed by default, so runs repeat). */
  constructor(start = Date.UTC(2026, 0, 1, 8, 0, 0)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number): number {
    const id = this.nextId++;
    const timer = { id, due: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.live.set(id, timer);
    this.heap.push(timer);
    return id;
  }

  clearTimer(id: number): void {
    this.live.delete(id);
  }

  /** Timers still set. */
  get pending(): number {
    return this.live.size;
  }

  /** Runs every timer due within `ms`, in order, and leaves the clock `ms` later. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const top = this.heap.peek();
      if (!top || top.due > end) break;
      this.heap.pop();
      if (this.live.get(top.id) !== top) continue;
      this.live.delete(top.id);
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

export class WallClock implements Clock {
  readonly virtual = false;
  private timers = new Map<number, NodeJS.Timeout>();
  private nextId = 1;

  /** Fractional milliseconds, as Espruino's Date.now() gives. */
  now(): number {
    return performance.timeOrigin + performance.now();
  }

  setTimer(fn: () => void, ms: number): number {
    const id = this.nextId++;
    const h = setTimeout(() => {
      this.timers.delete(id);
      fn();
    }, Math.max(0, ms));
    h.unref?.();
    this.timers.set(id, h);
    return id;
  }

  clearTimer(id: number): void {
    const h = this.timers.get(id);
    if (h) clearTimeout(h);
    this.timers.delete(id);
  }
}
