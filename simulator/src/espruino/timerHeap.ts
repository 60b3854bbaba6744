// The timers of a clock, ordered by due time: a binary min-heap keyed by (due, seq), so timers
// due at the same time run in the order they were set. Clearing is lazy: a cleared timer stays
// in the heap until it surfaces and is dropped, which keeps clearTimer O(1).

export interface Timer {
  id: number;
  due: number;
  seq: number;
  fn: () => void;
  /** Repeat period (ms), for a timer that re-arms from its due time; 0 for a one-shot. */
  every: number;
}

function less(x: Timer, y: Timer): boolean {
  return x.due < y.due || (x.due === y.due && x.seq < y.seq);
}

export class TimerHeap {
  private a: Timer[] = [];
  private readonly live = new Map<number, Timer>();
  private nextId = 1;
  private seq = 0;

  /** Timers still set. */
  get pending(): number {
    return this.live.size;
  }

  add(fn: () => void, due: number, every: number): number {
    const id = this.nextId++;
    const t: Timer = { id, due, seq: this.seq++, fn, every };
    this.live.set(id, t);
    this.push(t);
    return id;
  }

  clear(id: number): void {
    this.live.delete(id);
  }

  /** The next live timer, cleared ones dropped on the way. */
  peek(): Timer | undefined {
    let top = this.a[0];
    while (top && this.live.get(top.id) !== top) {
      this.pop();
      top = this.a[0];
    }
    return top;
  }

  /**
   * Takes the next live timer off for running: a one-shot leaves the clock, a repeating one is
   * put back at its next due time (its due time plus its period, not the time it ran).
   */
  take(): Timer | undefined {
    const top = this.peek();
    if (!top) return undefined;
    this.pop();
    if (top.every > 0) {
      const again: Timer = { id: top.id, due: top.due + top.every, seq: this.seq++, fn: top.fn, every: top.every };
      this.live.set(top.id, again);
      this.push(again);
    } else this.live.delete(top.id);
    return top;
  }

  private push(t: Timer): void {
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

  private pop(): void {
    const a = this.a;
    const last = a.pop();
    if (!a.length || !last) return;
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
}
