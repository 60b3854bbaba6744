// Billing a charging session from its metrics, incrementally: the session's energy is the sum
// over consecutive readings (in `ts` order) of each segment's energy, so adding a reading only
// changes the segments next to it. A segment between two readings that both carry the energy
// register is the register's rise (as OCPP meters are read; over a whole session this adds up
// to last − first); otherwise the trapezoid of power over the charger's timestamps, or nothing
// when the readings are further apart than the allowed gap (nobody knows what flowed then).
// A reading after the last one needs only the last one; a late reading needs its two neighbours,
// which the caller fetches from storage. Nothing here keeps the session's readings.

export interface Point {
  /** Charger time, Unix seconds. */
  ts: number;
  /** Watts. */
  w: number;
  /** Energy register, Wh, when the charger reports it. */
  energyWh: number | null;
}

/** The readings next to a new one in `ts` order (none when it is the first or the last). */
export interface Neighbours {
  prev?: Point;
  next?: Point;
}

/** A reading's effect, computed before it is stored and applied (commit) only once it is. */
export interface Plan {
  wh: number;
  first: Point;
  last: Point;
  /** A segment next to the reading is longer than the allowed gap. */
  longGap: boolean;
}

/** Energy of the segment from a to b (a.ts < b.ts), Wh. */
export function segmentWh(a: Point, b: Point, maxGapS: number): number {
  if (a.energyWh !== null && b.energyWh !== null) return Math.max(0, b.energyWh - a.energyWh);
  const dt = b.ts - a.ts;
  if (dt > maxGapS) return 0;
  return ((Math.max(0, a.w) + Math.max(0, b.w)) / 2) * (dt / 3600);
}

export class SessionMeter {
  /**
   * @param wh energy counted so far (a stored session's kwh × 1000)
   * @param firstPoint, lastPoint the session's earliest and latest readings counted
   */
  constructor(
    readonly maxGapS: number,
    private wh = 0,
    private firstPoint?: Point,
    private lastPoint?: Point,
  ) {}

  /** Energy delivered so far, kWh. */
  kwh(): number {
    return this.wh / 1000;
  }

  first(): Point | undefined {
    return this.firstPoint;
  }

  last(): Point | undefined {
    return this.lastPoint;
  }

  /** A reading after every counted one: its neighbours are known without storage. */
  follows(ts: number): boolean {
    return this.lastPoint === undefined || ts > this.lastPoint.ts;
  }

  /** What counting `p` between its neighbours does; nothing changes until commit. */
  plan(p: Point, n: Neighbours): Plan {
    const gap = this.maxGapS;
    const before = n.prev && n.next ? segmentWh(n.prev, n.next, gap) : 0;
    const after = (n.prev ? segmentWh(n.prev, p, gap) : 0) + (n.next ? segmentWh(p, n.next, gap) : 0);
    return {
      wh: this.wh + after - before,
      first: n.prev && this.firstPoint ? this.firstPoint : p,
      last: n.next && this.lastPoint ? this.lastPoint : p,
      longGap: (n.prev !== undefined && p.ts - n.prev.ts > gap) || (n.next !== undefined && n.next.ts - p.ts > gap),
    };
  }

  commit(plan: Plan): void {
    this.wh = plan.wh;
    this.firstPoint = plan.first;
    this.lastPoint = plan.last;
  }
}

export function cost(kwh: number, tariff: number): number {
  return round(kwh * tariff, 2);
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
