// Two and three real instances sharing the machine's Redis (a logical database of this test's
// own; keys keep the spec's names) and one PostgreSQL schema: routing, check and presence across
// instances, the spec's keys and TTLs, and user_left after an instance is killed.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, pgSchemaUrl, postgresReachable, dropTestSchemas } from '../support.js';
import { account, claimRedisDb, connect, device, redisReachable, spawnInstance, CI } from './support.js';

const ready = (await redisReachable()) && (await postgresReachable());
if (!ready && CI) throw new Error('the cluster tests need Redis at 127.0.0.1:6379 and PostgreSQL at 127.0.0.1:5432 (CI=true: not skipped)');

describe.skipIf(!ready)('signaling across instances over Redis', () => {
  let db: Awaited<ReturnType<typeof claimRedisDb>>;
  let redis: Redis;
  const databaseUrl = pgSchemaUrl();
  const closers: Array<() => Promise<void>> = [];
  const instance = async (o: Record<string, unknown> = {}) => {
    const s = await start({ databaseUrl, redisUrl: db.url, ...o });
    closers.push(() => s.close());
    return s;
  };

  beforeAll(async () => {
    db = await claimRedisDb();
    redis = new Redis(db.url);
  });
  afterAll(async () => {
    for (const c of closers.reverse()) await c().catch(() => {});
    redis?.disconnect();
    await db?.release();
    await dropTestSchemas();
  });

  it('routes between users on three instances, lists devices from all of them, and keeps the spec\'s keys', async () => {
    const [i1, i2, i3] = [await instance(), await instance(), await instance()];
    const a = await account(i1);
    const b = await account(i2);
    const c = await account(i3);
    await connect(i1, a, b, a.email);
    await connect(i2, a, c, a.email);
    const da = await device(i1, a, 'a-laptop', { device_name: 'Laptop', device_type: 'desktop' });
    const db2 = await device(i2, b, 'b-phone', { device_name: 'Phone', device_type: 'mobile' });
    expect((await da.event('user_joined')).payload).toEqual({ email: b.email, device_id: 'b-phone' });
    const dc = await device(i3, c, 'c-tablet', { device_type: 'tablet' });
    expect((await da.event('user_joined')).payload).toEqual({ email: c.email, device_id: 'c-tablet' });

    // The spec's Redis schema, exactly.
    expect(JSON.parse((await redis.get(`socket:presence:${b.email}:b-phone`))!)).toEqual({ socket_id: db2.socketId, device_name: 'Phone', device_type: 'mobile' });
    expect(await redis.hgetall(`socket:user_devices:${b.email}`)).toEqual({ 'b-phone': db2.socketId });
    const ttl = await redis.pttl(`socket:presence:${b.email}:b-phone`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);

    da.msg('check');
    const list = await da.next(Array.isArray);
    expect(list.sort((x: { email: string }, y: { email: string }) => (x.email < y.email ? -1 : 1))).toEqual(
      [
        { email: b.email, devices: [{ socket_id: db2.socketId, device_name: 'Phone', device_type: 'mobile' }] },
        { email: c.email, devices: [{ socket_id: dc.socketId, device_name: null, device_type: 'tablet' }] },
      ].sort((x, y) => (x.email < y.email ? -1 : 1)),
    );

    // Exactly as received, in both directions, across instances.
    const offer = `{"from_email":"${a.email}","from_token":"","from_device":"a-laptop","to_email":"${b.email}","to_device":"b-phone","event":"sdp_offer","payload":{"sdp":"v=0\\r\\n...","type":"offer"}}`;
    const raw: string[] = [];
    db2.ws.on('message', (d) => raw.push(d.toString()));
    da.send(offer);
    await db2.event('sdp_offer');
    expect(raw.filter((r) => r.includes('sdp_offer'))).toEqual([offer]);
    db2.msg('sdp_answer', { to_email: a.email, to_device: 'a-laptop', payload: { sdp: 'v=0', type: 'answer' } });
    expect((await da.event('sdp_answer')).from_device).toBe('b-phone');
    da.msg('ice_candidate', { to_email: c.email, to_device: 'c-tablet', payload: { candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0 } });
    expect((await dc.event('ice_candidate')).payload.candidate).toBe('candidate:1');
    // b and c are not connected with each other, even across instances.
    db2.msg('try_connect', { to_email: c.email, to_device: 'c-tablet' });
    expect((await db2.event('error')).error).toBe(`Not connected with ${c.email}: send a connection request first`);

    // Nobody holds the device: target_not_found after the spec's 5 s.
    const t0 = Date.now();
    da.msg('try_connect', { to_email: b.email, to_device: 'b-old-phone' });
    expect(await da.event('target_not_found', 8000)).toEqual({
      event: 'target_not_found', error: `User ${b.email} with device b-old-phone is not online`, target_email: b.email, target_device: 'b-old-phone',
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4900);
    expect(da.received.filter((m) => m.event === 'error')).toEqual([]);

    // The same device registering on another instance takes over: the old socket is closed.
    const moved = await device(i1, b, 'b-phone');
    expect((await db2.closedWith()).code).toBe(1000);
    expect(await redis.hget(`socket:user_devices:${b.email}`, 'b-phone')).toBe(moved.socketId);
    da.msg('try_connect', { to_email: b.email, to_device: 'b-phone' });
    expect((await moved.event('try_connect')).from_email).toBe(a.email);

    // disconnect: user_left on the other instances, keys gone.
    dc.msg('disconnect');
    expect((await da.event('user_left')).payload).toEqual({ email: c.email, device_id: 'c-tablet' });
    expect(await redis.exists(`socket:presence:${c.email}:c-tablet`)).toBe(0);
  }, 30_000);

  it('announces user_left for the devices of an instance that was killed, once its TTL passes', async () => {
    const ttl = 1500;
    const i1 = await instance({ signalingPresenceTtlMs: ttl });
    const dead = await spawnInstance({ databaseUrl, redisUrl: db.url, signalingPresenceTtlMs: ttl, dataDir: `/tmp/espfleet-dead-${process.pid}` });
    closers.push(() => dead.kill());
    const a = await account(i1);
    const b = await account(i1);
    await connect(i1, a, b, a.email);
    const da = await device(i1, a, 'a-1');
    await device(dead, b, 'b-1');
    expect((await da.event('user_joined')).payload).toEqual({ email: b.email, device_id: 'b-1' });
    const killedAt = Date.now();
    await dead.kill();
    const left = await da.event('user_left', ttl * 3);
    expect(left.payload).toEqual({ email: b.email, device_id: 'b-1' });
    // Within the TTL plus one heartbeat (a third of it) and a little scheduling.
    expect(Date.now() - killedAt).toBeLessThan(ttl + ttl / 3 + 1000);
    expect(await redis.exists(`socket:presence:${b.email}:b-1`)).toBe(0);
    expect(await redis.hexists(`socket:user_devices:${b.email}`, 'b-1')).toBe(0);
    da.msg('check');
    expect(await da.next(Array.isArray)).toEqual([]);
  }, 30_000);
});
