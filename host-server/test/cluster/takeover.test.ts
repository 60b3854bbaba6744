// An instance killed (SIGKILL) mid-session: its charger reconnects to another instance, which
// takes the station over once the dead owner's lease lapses and goes on from storage, billing
// nothing twice; a session whose charger never returns is closed by another instance.
import { describe, it, expect, afterEach, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rest, seedStation, dropTestSchemas, pgSchemaUrl, Client } from '../support.js';
import { spawnInstance } from '../signaling/support.js';
import { services, clusterRedis, nowS, reading, publisher, dashboard, eventually } from './support.js';

const up = await services();
afterAll(async () => {
  if (up) await dropTestSchemas();
});

describe.skipIf(!up)('an instance killed mid-session', () => {
  const clients: Client[] = [];
  const procs: Array<{ kill(): Promise<void> }> = [];
  const dirs: string[] = [];
  let redis: Awaited<ReturnType<typeof clusterRedis>> | undefined;
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const p of procs.splice(0)) await p.kill();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    await redis?.release();
  });

  async function two(o: Record<string, unknown> = {}) {
    redis = await clusterRedis();
    const databaseUrl = pgSchemaUrl();
    const out = [];
    for (let i = 0; i < 2; i++) {
      const dataDir = mkdtempSync(join(tmpdir(), 'espfleet-cluster-'));
      dirs.push(dataDir);
      const p = await spawnInstance({ databaseUrl, redisUrl: redis.url, open: true, dataDir, clusterLeaseTtlMs: 1500, ...o });
      procs.push(p);
      out.push(p);
    }
    return out;
  }

  it('the charger reconnects to B, which takes over after the lease lapses; its resent readings count once', async () => {
    const [a, b] = await two();
    await seedStation(a, { tariff: 7 });
    const dash = await dashboard(b, 1, clients);
    const esp = await publisher(a, 1, clients);
    esp.send({ type: 'nfc_scan', nfc_uid: 'VIRTUAL-1-A4F2E8' });
    const sid = (await esp.type('start', 5000)).session_id;
    const t0 = nowS();
    for (let i = 0; i < 10; i++) esp.send(reading(sid, t0 + i));
    for (let i = 0; i < 10; i++) await dash.type('metrics', 5000);

    await a.kill();
    await esp.closedWith(5000);
    const killedAt = Date.now();
    const back = await publisher(b, 1, clients);
    expect(await back.type('connected', 5000)).toMatchObject({ role: 'publisher' });
    // No start before the dead owner's lease lapses: B has not taken over yet.
    expect(await back.type('start', 8000)).toMatchObject({ session_id: sid });
    expect(Date.now() - killedAt).toBeGreaterThan(500);
    expect(await back.type('sync_request', 5000)).toMatchObject({ session_id: sid, last_ts: t0 + 9 });
    for (let i = 3; i < 30; i++) back.send(reading(sid, t0 + i));
    let last;
    do last = await dash.type('metrics', 5000);
    while (last.kwh < 0.029);
    expect(last).toMatchObject({ session_id: sid, kwh: 0.029, cost: 0.2 });
    back.send({ type: 'stop', session_id: sid });
    expect(await dash.type('session_ended', 5000)).toMatchObject({ session_id: sid, kwh: 0.029, cost: 0.2 });
    const stored = (await rest(b, 'GET', `/api/v1/sessions/${sid}`)).body;
    expect(stored).toMatchObject({ kwh: 0.029, cost: 0.2, endReason: 'stop-charger' });
    expect(stored.metrics.map((m: { ts: number }) => m.ts)).toEqual(Array.from({ length: 30 }, (_, i) => t0 + i));
    expect((await fetch(b.url + '/metrics').then((r) => r.text()))).toMatch(/espfleet_cluster_takeovers_total\{why="charger_connected"\} 1/);
  });

  it('a session whose charger never returns is adopted by B and closed when the charger stays silent', async () => {
    const [a, b] = await two({ chargerTimeoutMs: 2500 });
    await seedStation(a);
    const esp = await publisher(a, 1, clients);
    esp.send({ type: 'nfc_scan', nfc_uid: 'VIRTUAL-1-A4F2E8' });
    const sid = (await esp.type('start', 5000)).session_id;
    const t0 = nowS();
    for (let i = 0; i < 5; i++) esp.send(reading(sid, t0 + i));
    await eventually(async () => (await rest(b, 'GET', `/api/v1/sessions/${sid}`)).body.metrics.length === 5, 5000, 'readings stored');
    await a.kill();
    await eventually(async () => (await rest(b, 'GET', `/api/v1/sessions/${sid}`)).body.endedAt !== null, 12_000, 'the session closed by B');
    expect((await rest(b, 'GET', `/api/v1/sessions/${sid}`)).body).toMatchObject({ endReason: 'timeout', kwh: 0.004 });
    expect((await rest(b, 'GET', '/api/v1/stations/1')).body.status).toBe('desconectado');
  });
});
