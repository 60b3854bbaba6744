// Redis (a redis-server of the test's own) killed mid-traffic: each instance goes on serving its
// own charger and dashboards, says so in /metrics, and carries on across instances once Redis
// is back (the owner takes its lease again, so nobody else takes the station).
import { describe, it, expect, afterEach, afterAll } from 'vitest';
import { seedStation, dropTestSchemas, rest, Client, wsUrl } from '../support.js';
import { OwnRedis } from '../signaling/support.js';
import { services, instances, nowS, reading, publisher, dashboard, eventually, type Instance } from './support.js';

const up = await services();
afterAll(async () => {
  if (up) await dropTestSchemas();
});

describe.skipIf(!up)('Redis lost and back', () => {
  const clients: Client[] = [];
  const running: Instance[] = [];
  let redis: OwnRedis | undefined;
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of running.splice(0)) await s.close();
    await redis?.kill();
  });

  const redisUp = (s: Instance) => /^espfleet_cluster_redis_up 1$/m.test(s.metrics.text());

  it('keeps serving each instance\'s own clients while Redis is away and recovers when it returns', async () => {
    redis = await OwnRedis.start();
    const [a, b] = await instances(2, redis.url);
    running.push(a, b);
    await seedStation(a);
    const here = await dashboard(a, 1, clients);
    const there = await dashboard(b, 1, clients);
    const esp = await publisher(a, 1, clients);
    esp.send({ type: 'nfc_scan', nfc_uid: 'VIRTUAL-1-A4F2E8' });
    const sid = (await esp.type('start', 5000)).session_id;
    const t0 = nowS();
    esp.send(reading(sid, t0));
    await here.type('metrics', 5000);
    await there.type('metrics', 5000);

    await redis.kill();
    await eventually(() => !redisUp(a) && !redisUp(b), 5000, 'both instances see Redis gone');
    for (let i = 1; i <= 10; i++) esp.send(reading(sid, t0 + i));
    for (let i = 1; i <= 10; i++) expect(await here.type('metrics', 5000)).toMatchObject({ kwh: i / 1000 });
    expect(a.metrics.text()).toMatch(/espfleet_cluster_redis_lost_total 1/);
    expect(a.metrics.text()).toMatch(/espfleet_cluster_frames_total\{how="dropped"\} [1-9]/);
    // B's own clients are served too: a dashboard's stop there has no owner to reach, and is answered.
    there.send({ type: 'stop', session_id: sid });
    expect(await there.type('error', 5000)).toEqual({ type: 'error', message: 'ESP32 no conectado' });

    await redis.up();
    await eventually(() => redisUp(a) && redisUp(b), 10_000, 'both instances back on Redis');
    // Messages reach B again; B's late dashboard sees what A stored meanwhile.
    await eventually(async () => {
      esp.send(reading(sid, t0 + 11));
      return (await there.next((m) => m.type === 'metrics' && m.kwh === 0.011, 300).catch(() => undefined)) !== undefined;
    }, 5000, 'a reading on A shown on B again');
    const late = new Client(wsUrl(b, '/ws?role=client&estacionId=1'));
    clients.push(late);
    expect(await late.type('init', 5000)).toMatchObject({ charger: { session: { session_id: sid, kwh: 0.011 } } });
    // A took its lease again: B's stop is carried to A and ends the session there.
    there.send({ type: 'stop', session_id: sid });
    expect(await esp.type('stop', 5000)).toEqual({ type: 'stop', session_id: sid });
    expect(await there.type('session_ended', 5000)).toMatchObject({ session_id: sid, kwh: 0.011 });
    expect((await rest(b, 'GET', `/api/v1/sessions/${sid}`)).body.metrics).toHaveLength(12);
  });
});
