import { describe, it, expect } from 'vitest';
import { StationQueue } from '../../src/charger/stationQueue.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('StationQueue', () => {
  it('runs one job at a time in order, urgent jobs before waiting routine ones', async () => {
    const q = new StationQueue(100, () => {});
    const ran: string[] = [];
    let running = 0;
    const job = (name: string) => async () => {
      running++;
      expect(running).toBe(1);
      await tick();
      ran.push(name);
      running--;
    };
    for (let i = 0; i < 5; i++) q.push(job(`m${i}`));
    q.push(job('emergency'), { urgent: true });
    q.push(job('stop'), { urgent: true });
    await q.idle();
    // m0 was already running when the urgent jobs came.
    expect(ran).toEqual(['m0', 'emergency', 'stop', 'm1', 'm2', 'm3', 'm4']);
  });

  it('refuses bounded pushes beyond the limit per lane, never unbounded ones, and keeps going after a failing job', async () => {
    const errors: unknown[] = [];
    const q = new StationQueue(3, (e) => errors.push(e));
    let done = 0;
    const results = Array.from({ length: 6 }, () => q.push(async () => void done++, { bounded: true }));
    // The first job started at once and left the lane, so four fit.
    expect(results).toEqual([true, true, true, true, false, false]);
    expect(q.push(async () => void done++, { urgent: true, bounded: true })).toBe(true);
    expect(q.push(async () => void done++)).toBe(true);
    q.push(async () => {
      throw new Error('boom');
    });
    q.push(async () => void done++);
    await q.idle();
    expect(done).toBe(7);
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom']);
  });

  it('clear drops what waits and lets the running job finish', async () => {
    const q = new StationQueue(100_000, () => {});
    let done = 0;
    for (let i = 0; i < 50_000; i++) q.push(async () => void done++);
    expect(q.size).toBe(49_999);
    expect(q.clear()).toBe(49_999);
    await q.idle();
    expect(done).toBe(1);
    expect(q.size).toBe(0);
  });
});
