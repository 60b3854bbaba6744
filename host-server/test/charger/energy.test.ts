// Incremental billing: in any arrival order the total equals the sum over the readings sorted
// by ts, and each reading costs the same whatever the session's length.
import { describe, it, expect } from 'vitest';
import { SessionMeter, segmentWh, type Point, type Neighbours } from '../../src/charger/energy.js';

const GAP = 300;

/** The meter fed as the hub feeds it, with neighbours of late readings found in `stored`. */
function feed(points: Point[]): SessionMeter {
  const meter = new SessionMeter(GAP);
  const stored: Point[] = [];
  for (const p of points) {
    let n: Neighbours = { prev: meter.last() };
    if (!meter.follows(p.ts)) {
      if (stored.some((x) => x.ts === p.ts)) continue; // a replay
      n = { prev: stored.filter((x) => x.ts < p.ts).at(-1), next: stored.find((x) => x.ts > p.ts) };
    }
    meter.commit(meter.plan(p, n));
    stored.push(p);
    stored.sort((a, b) => a.ts - b.ts);
  }
  return meter;
}

function sortedWh(points: Point[]): number {
  const a = [...new Map(points.map((p) => [p.ts, p])).values()].sort((x, y) => x.ts - y.ts);
  let wh = 0;
  for (let i = 1; i < a.length; i++) wh += segmentWh(a[i - 1], a[i], GAP);
  return wh;
}

function random(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe('SessionMeter', () => {
  it('bills the trapezoid of power, and the register rise when both readings carry it', () => {
    const m = feed([
      { ts: 0, w: 3600, energyWh: null },
      { ts: 100, w: 3600, energyWh: null },
    ]);
    expect(m.kwh()).toBeCloseTo(0.1, 12);
    const r = feed([
      { ts: 0, w: 3600, energyWh: 500 },
      { ts: 3, w: 3600, energyWh: 515 },
      { ts: 6, w: 3600, energyWh: 530 },
    ]);
    expect(r.kwh()).toBeCloseTo(0.03, 12);
  });

  it('a gap longer than allowed bills nothing without the register, the register rise with it, and says so', () => {
    const m = new SessionMeter(GAP);
    m.commit(m.plan({ ts: 0, w: 3600, energyWh: null }, {}));
    const plan = m.plan({ ts: 301, w: 3600, energyWh: null }, { prev: m.last() });
    expect(plan).toMatchObject({ wh: 0, longGap: true });
    const r = new SessionMeter(GAP);
    r.commit(r.plan({ ts: 0, w: 3600, energyWh: 500 }, {}));
    expect(r.plan({ ts: 900, w: 3600, energyWh: 1400 }, { prev: r.last() })).toMatchObject({ wh: 900, longGap: true });
  });

  it('late, replayed and out-of-order readings give the same total as the sorted readings', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rnd = random(seed);
      const withRegister = seed % 2 === 0;
      let e = 1000;
      const points: Point[] = [];
      for (let ts = 0; ts < 3000; ts += 1 + Math.floor(rnd() * 400)) {
        e += rnd() * 5;
        points.push({ ts, w: Math.round(rnd() * 7000), energyWh: withRegister ? e : null });
      }
      // Shuffle locally (late readings) and replay some.
      const arrival = [...points];
      for (let i = 0; i < arrival.length; i++) {
        const j = Math.min(arrival.length - 1, i + Math.floor(rnd() * 4));
        [arrival[i], arrival[j]] = [arrival[j], arrival[i]];
      }
      arrival.push(...points.filter(() => rnd() < 0.2));
      const m = feed(arrival);
      expect(m.kwh() * 1000).toBeCloseTo(sortedWh(points), 9);
      expect(m.first()?.ts).toBe(points[0].ts);
      expect(m.last()?.ts).toBe(points.at(-1)!.ts);
    }
  });

  it('a reading costs the same at the end of a long session as at its start', () => {
    const m = new SessionMeter(GAP);
    let ts = 0;
    /** The fastest of three runs of n readings, per reading: a pause (GC, another process) cannot inflate it. */
    const perReading = (n: number) => {
      let best = Infinity;
      for (let run = 0; run < 3; run++) {
        const t = performance.now();
        for (const end = ts + n; ts < end; ts++) m.commit(m.plan({ ts, w: 3600, energyWh: null }, { prev: m.last() }));
        best = Math.min(best, (performance.now() - t) / n);
      }
      return best;
    };
    perReading(5_000); // warm up
    const early = perReading(10_000);
    for (const end = ts + 200_000; ts < end; ts++) m.commit(m.plan({ ts, w: 3600, energyWh: null }, { prev: m.last() }));
    const late = perReading(10_000);
    // The old meter re-integrated every reading: 200,000 readings in, it was thousands of times slower.
    expect(late).toBeLessThan(early * 5 + 0.0005);
    expect(m.kwh()).toBeCloseTo((ts - 1) / 1000, 6);
  });
});
