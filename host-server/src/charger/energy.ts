// Billing a charging session from its metrics, as pure functions. With the charger's energy
// register (Wh) the session's energy is the last reading minus the first, as OCPP meters are
// read; without it, the trapezoid of power over the charger's timestamps. Readings are kept
// sorted by `ts`, so late (out-of-order) readings land where they belong, and a replayed `ts`
// counts once.

export interface Point {
  /** Charger time, Unix seconds. */
  ts: number;
  /** Watts. */
  w: number;
  /** Energy register, Wh, when the charger reports it. */
  energyWh: number | null;
}

export class SessionMeter {
  private points: Point[] = [];

  constructor(points: Point[] = []) {
    for (const p of points) this.add(p);
  }

  get count(): number {
    return this.points.length;
  }

  /** Adds a reading; false when one with the same ts is already counted. */
  add(p: Point): boolean {
    const a = this.points;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid].ts < p.ts) lo = mid + 1;
      else hi = mid;
    }
    if (lo < a.length && a[lo].ts === p.ts) return false;
    a.splice(lo, 0, p);
    return true;
  }

  /** Energy delivered so far, kWh. */
  kwh(): number {
    const a = this.points;
    if (a.length === 0) return 0;
    const withRegister = a.filter((p) => p.energyWh !== null);
    if (withRegister.length > 0) {
      if (withRegister.length < 2) return 0;
      return Math.max(0, withRegister[withRegister.length - 1].energyWh! - withRegister[0].energyWh!) / 1000;
    }
    let wh = 0;
    for (let i = 1; i < a.length; i++) {
      const dt = a[i].ts - a[i - 1].ts;
      wh += ((Math.max(0, a[i].w) + Math.max(0, a[i - 1].w)) / 2) * (dt / 3600);
    }
    return wh / 1000;
  }

  first(): Point | undefined {
    return this.points[0];
  }

  last(): Point | undefined {
    return this.points[this.points.length - 1];
  }
}

export function cost(kwh: number, tariff: number): number {
  return round(kwh * tariff, 2);
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
