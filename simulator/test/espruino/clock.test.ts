// Clocks: timers in due order, intervals re-armed from their due time (Espruino's jsiTimers add
// the interval to the timer's time), so a late run does not shift the runs after it.
import { describe, it, expect } from 'vitest';
import { VirtualClock, WallClock } from '../../src/espruino/clock.js';

const busy = (ms: number) => {
  const t = performance.now();
  while (performance.now() - t < ms);
};

describe('clocks', () => {
  it('virtual: timers run in due order, intervals every period, cleared ones never', () => {
    const clock = new VirtualClock(0);
    const seen: string[] = [];
    clock.setTimer(() => seen.push(`b${clock.now()}`), 20);
    clock.setTimer(() => seen.push(`a${clock.now()}`), 10);
    const every = clock.setTimer(() => seen.push(`i${clock.now()}`), 15, 15);
    const gone = clock.setTimer(() => seen.push('never'), 5);
    clock.clearTimer(gone);
    clock.advance(45);
    clock.clearTimer(every);
    clock.advance(100);
    expect(seen).toEqual(['a10', 'i15', 'b20', 'i30', 'i45']);
    expect(clock.pending).toBe(0);
  });

  it('wall: a late interval run does not delay the ones after it', async () => {
    const clock = new WallClock();
    let runs = 0;
    const id = clock.setTimer(
      () => {
        runs++;
        if (runs === 1) busy(45);
      },
      10,
      10,
    );
    await new Promise((r) => setTimeout(r, 105));
    clock.clearTimer(id);
    // Re-armed from when it ran, the 45 ms stall would have cost four runs (about 6 by 105 ms).
    expect(runs).toBeGreaterThanOrEqual(8);
  });

  it('wall: one-shots run once, in due order, at or after their due time', async () => {
    const clock = new WallClock();
    const seen: Array<[string, number]> = [];
    const t0 = clock.now();
    clock.setTimer(() => seen.push(['b', clock.now() - t0]), 30);
    clock.setTimer(() => seen.push(['a', clock.now() - t0]), 10);
    clock.clearTimer(clock.setTimer(() => seen.push(['never', 0]), 5));
    await new Promise((r) => setTimeout(r, 60));
    expect(seen.map((s) => s[0])).toEqual(['a', 'b']);
    expect(seen[0][1]).toBeGreaterThanOrEqual(10);
    expect(seen[1][1]).toBeGreaterThanOrEqual(30);
    expect(clock.pending).toBe(0);
  });
});
