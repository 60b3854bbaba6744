// Station leases on the machine's Redis: one holder at a time, renewed while owned, taken again
// when Redis forgot it, given up (with `lost`) when another instance holds it.
import { describe, it, expect, afterEach } from 'vitest';
import { Redis } from 'ioredis';
import { Cluster } from '../../src/cluster/cluster.js';
import { leaseKey } from '../../src/cluster/leaseScripts.js';
import { Metrics } from '../../src/metrics.js';
import { createLogger } from '../../src/log.js';
import { services, clusterRedis, eventually } from './support.js';

const up = await services();

describe.skipIf(!up)('station leases', () => {
  const open: Cluster[] = [];
  let redis: Awaited<ReturnType<typeof clusterRedis>> | undefined;
  afterEach(async () => {
    for (const c of open.splice(0)) await c.close();
    await redis?.release();
  });

  async function member(leaseTtlMs = 600) {
    const c = new Cluster(redis!.url, { log: createLogger('silent'), metrics: new Metrics(), leaseTtlMs });
    open.push(c);
    const lost: number[] = [];
    c.bind({ dashboard: () => {}, want: () => {}, command: async () => [], lost: (s) => lost.push(s) });
    await eventually(() => c.up, 5000, 'cluster Redis up');
    return Object.assign(c, { lost });
  }

  it('one holder at a time; the holder renews it past its TTL; a released lease is free at once', async () => {
    redis = await clusterRedis();
    const a = await member();
    const b = await member();
    expect(await a.claim(5)).toEqual({ kind: 'owned' });
    expect(await b.claim(5)).toEqual({ kind: 'held', holder: a.id });
    await new Promise((r) => setTimeout(r, 1000)); // past the 600 ms TTL: only renewal keeps it
    expect(await b.claim(5)).toEqual({ kind: 'held', holder: a.id });
    expect(await b.holder(5)).toBe(a.id);
    await a.release(5);
    expect(await b.holder(5)).toBeNull();
    expect(await b.claim(5)).toEqual({ kind: 'owned' });
  });

  it('a lease Redis forgot is taken again by its owner; one another instance took is given up with lost', async () => {
    redis = await clusterRedis();
    const a = await member();
    expect(await a.claim(7)).toEqual({ kind: 'owned' });
    expect(await a.claim(8)).toEqual({ kind: 'owned' });
    const r = new Redis(redis.url, { maxRetriesPerRequest: 0 });
    await r.del(leaseKey(7));
    await r.set(leaseKey(8), 'someone-else', 'PX', 10_000);
    await eventually(async () => (await r.get(leaseKey(7))) === a.id, 2000, 'lease 7 taken again');
    await eventually(() => a.lost.includes(8), 2000, 'lease 8 given up');
    expect(await r.get(leaseKey(8))).toBe('someone-else');
    r.disconnect();
  });

  it('is settled a lease TTL after Redis came up, when a free lease means its owner is gone', async () => {
    redis = await clusterRedis();
    const a = await member(400);
    expect(a.settled()).toBe(false);
    await eventually(() => a.settled(), 2000, 'settled');
  });
});
