// The storage the incremental meter relies on, on both databases: a late reading's neighbours,
// and a reading with the session's totals written together or not at all.
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/storage/openStore.js';
import type { SessionMetric, Store } from '../../src/storage/store.js';
import { postgresReachable, pgSchemaUrl, dropTestSchemas } from '../support.js';

const pgUp = await postgresReachable();
if (!pgUp && process.env.CI === 'true') throw new Error('PostgreSQL at 127.0.0.1:5432 is not reachable: the storage suites must run against it in CI');
const backends = pgUp ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);
const dir = mkdtempSync(join(tmpdir(), 'espfleet-metric-storage-'));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (pgUp) await dropTestSchemas();
});

describe.each(backends)('session metrics on %s', (backend) => {
  async function session(): Promise<{ store: Store; sid: number }> {
    const store = await openStore(backend === 'postgres' ? { databaseUrl: pgSchemaUrl(), dataDir: dir } : { dataDir: join(dir, String(Math.random())) });
    const station = await store.createStation({ name: 'E1', tariff: 7 });
    const user = await store.createUser({ name: 'Ana' });
    const row = await store.createSession({ stationId: station.id, userId: user.id, cardUid: 'C', startedAt: 1_000_000 });
    return { store, sid: row.id };
  }
  const metric = (sessionId: number, ts: number): SessionMetric => ({ sessionId, ts, v: 230, a: 10, w: 2300, energyWh: ts * 2, kwh: ts / 1000, cost: 0, time: ts });
  const totals = (kwh: number) => ({ kwh, cost: kwh * 7, duration: 9, lastTs: 9, lastW: 2300, firstEnergyWh: 2 });

  it('metricsAround finds the reading at or before ts and the one after', async () => {
    const { store, sid } = await session();
    try {
      expect(await store.metricsAround(sid, 5)).toEqual({});
      for (const ts of [3, 9, 6]) expect(await store.addMetric(metric(sid, ts), totals(ts))).toBe(true);
      const around = (ts: number) => store.metricsAround(sid, ts).then((r) => [r.atOrBefore?.ts, r.after?.ts]);
      expect(await around(-1)).toEqual([undefined, 3]);
      expect(await around(3)).toEqual([3, 6]);
      expect(await around(5)).toEqual([3, 6]);
      expect(await around(7)).toEqual([6, 9]);
      expect(await around(Number.MAX_SAFE_INTEGER)).toEqual([9, undefined]);
      expect((await store.metricsAround(sid, 6)).atOrBefore).toEqual(metric(sid, 6));
    } finally {
      await store.close();
    }
  });

  it('addMetric writes the reading and the totals together; a replayed ts changes neither', async () => {
    const { store, sid } = await session();
    try {
      expect(await store.addMetric(metric(sid, 3), totals(0.5))).toBe(true);
      expect(await store.getSession(sid)).toMatchObject({ kwh: 0.5, cost: 3.5, lastTs: 9, firstEnergyWh: 2 });
      expect(await store.addMetric({ ...metric(sid, 3), w: 1 }, totals(99))).toBe(false);
      expect(await store.getSession(sid)).toMatchObject({ kwh: 0.5, cost: 3.5 });
      expect((await store.listMetrics(sid)).map((m) => m.w)).toEqual([2300]);
    } finally {
      await store.close();
    }
  });
});
