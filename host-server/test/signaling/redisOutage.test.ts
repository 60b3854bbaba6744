// Graceful degradation with a redis-server of the test's own: unreachable at start, killed
// mid-traffic and brought back. Local registration and routing go on, cross-instance routing
// answers the spec's Redis-unavailable error, the process never crashes, errors show in /metrics,
// and when Redis is back each instance re-announces its presence and routing recovers by itself,
// even to an instance that subscribes again only after the others have re-announced.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { start, rest } from '../support.js';
import { account, connect, device, freePort, OwnRedis, RedisDoor } from './support.js';

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => {});
});

const metric = async (s: { url: string }, name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(await (await fetch(`${s.url}/metrics`)).text())?.[1] ?? 0);
async function until(f: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('signaling when Redis goes away', () => {
  it('works locally without Redis at start, then recovers by itself; survives Redis killed mid-traffic', async () => {
    const port = await freePort();
    const redisUrl = `redis://127.0.0.1:${port}`;
    const dataDir = `/tmp/espfleet-outage-${process.pid}`;
    // Two instances on one SQLite file (WAL), Redis not there yet.
    const i1 = await start({ redisUrl, dataDir, signalingPresenceTtlMs: 3000 });
    closers.push(() => i1.close());
    const i2 = await start({ redisUrl, dataDir, signalingPresenceTtlMs: 3000 });
    closers.push(() => i2.close());
    expect(await metric(i1, 'espfleet_signaling_redis_up')).toBe(0);
    const a = await account(i1);
    const b = await account(i1);
    await connect(i1, a, b, a.email);
    const a1 = await device(i1, a, 'a-1');
    const a2 = await device(i1, a, 'a-2');
    const b1 = await device(i2, b, 'b-1');
    expect((await a1.event('user_joined', 1000).catch(() => undefined))).toBeUndefined();
    // Local routing works; cross-instance is refused with the spec's error.
    a1.msg('try_connect', { to_email: a.email, to_device: 'a-2' });
    expect((await a2.event('try_connect')).from_device).toBe('a-1');
    a1.msg('try_connect', { to_email: b.email, to_device: 'b-1' });
    expect(await a1.event('error')).toEqual({ event: 'error', error: 'Failed to route message - Redis unavailable', target_email: b.email, target_device: 'b-1' });
    a1.msg('check');
    expect(await a1.next(Array.isArray)).toEqual([]);
    expect(await metric(i1, 'espfleet_signaling_redis_errors_total')).toBeGreaterThan(0);

    // Redis arrives: both instances re-announce; check and routing work across them.
    const redis = new OwnRedis(port);
    await redis.up();
    closers.push(() => redis.kill());
    await until(async () => (await metric(i1, 'espfleet_signaling_redis_up')) === 1 && (await metric(i2, 'espfleet_signaling_redis_up')) === 1, 5000, 'Redis up');
    expect((await a1.event('user_joined', 3000)).payload).toEqual({ email: b.email, device_id: 'b-1' });
    const probe = new Redis(redisUrl);
    probe.on('error', () => {});
    closers.push(async () => probe.disconnect());
    await until(async () => (await probe.exists(`socket:presence:${b.email}:b-1`)) === 1, 3000, 'presence re-announced');
    a1.msg('check');
    expect((await a1.next(Array.isArray)).map((u: { email: string }) => u.email)).toEqual([b.email]);

    // Traffic every 10 ms from a1 to b1; Redis is killed in the middle and comes back empty.
    let sent = 0;
    const traffic = setInterval(() => a1.msg('ice_candidate', { to_email: b.email, to_device: 'b-1', payload: { candidate: `c${sent++}`, sdpMid: '0', sdpMLineIndex: 0 } }), 10);
    try {
      await until(() => b1.received.filter((m) => m.event === 'ice_candidate').length >= 20, 5000, 'traffic flowing');
      await redis.kill();
      await until(() => a1.received.some((m) => m.event === 'error' && m.error === 'Failed to route message - Redis unavailable'), 5000, 'the Redis-unavailable error');
      // Local routing still works meanwhile.
      a1.msg('sdp_offer', { to_email: a.email, to_device: 'a-2', payload: { sdp: 'v=0', type: 'offer' } });
      expect((await a2.event('sdp_offer')).from_device).toBe('a-1');
      expect((await fetch(`${i1.url}/healthz`)).status).toBe(200);
      await redis.up();
      await until(async () => (await probe.exists(`socket:presence:${b.email}:b-1`)) === 1 && (await probe.exists(`socket:presence:${a.email}:a-1`)) === 1, 5000, 'presence re-announced after restart');
      const before = b1.received.filter((m) => m.event === 'ice_candidate').length;
      await until(() => b1.received.filter((m) => m.event === 'ice_candidate').length >= before + 20, 5000, 'traffic flowing again');
    } finally {
      clearInterval(traffic);
    }
    expect(await metric(i1, 'espfleet_signaling_redis_lost_total')).toBeGreaterThan(0);
    // Nothing failed silently: every routed message was delivered or answered (one whose delivery
    // was not confirmed before Redis died may be both).
    await new Promise((r) => setTimeout(r, 300));
    const delivered = b1.received.filter((m) => m.event === 'ice_candidate').length;
    const refused = a1.received.filter((m) => m.event === 'error' || m.event === 'target_not_found').length;
    expect(delivered + refused).toBeGreaterThanOrEqual(sent);
    expect((await rest(i2, 'GET', '/healthz')).status).toBe(200);
  }, 40_000);

  it('tells an instance that subscribes late of the devices the others announced before it listened', async () => {
    const port = await freePort();
    // i1 reaches Redis only through a door the test opens once i2 has re-announced its devices.
    const door = new RedisDoor(await freePort(), port);
    closers.push(() => door.close());
    const dataDir = mkdtempSync(join(tmpdir(), 'espfleet-late-'));
    const i1 = await start({ redisUrl: door.url, dataDir, signalingPresenceTtlMs: 3000 });
    closers.push(() => i1.close());
    const i2 = await start({ redisUrl: `redis://127.0.0.1:${port}`, dataDir, signalingPresenceTtlMs: 3000 });
    closers.push(() => i2.close());
    const a = await account(i1);
    const b = await account(i1);
    await connect(i1, a, b, a.email);
    const a1 = await device(i1, a, 'a-1');
    const b1 = await device(i2, b, 'b-1');

    const redis = new OwnRedis(port);
    await redis.up();
    closers.push(() => redis.kill());
    const probe = new Redis(redis.url);
    probe.on('error', () => {});
    closers.push(async () => probe.disconnect());
    await until(async () => (await metric(i2, 'espfleet_signaling_redis_up')) === 1 && (await probe.exists(`socket:presence:${b.email}:b-1`)) === 1, 5000, 'i2 re-announced');
    expect(await metric(i1, 'espfleet_signaling_redis_up')).toBe(0);

    await door.open();
    await until(async () => (await metric(i1, 'espfleet_signaling_redis_up')) === 1, 5000, 'i1 subscribed');
    expect((await a1.event('user_joined', 3000)).payload).toEqual({ email: b.email, device_id: 'b-1' });
    expect((await b1.event('user_joined', 3000)).payload).toEqual({ email: a.email, device_id: 'a-1' });
    // i1's view knows where b-1 is: the message goes straight to i2, not broadcast.
    a1.msg('try_connect', { to_email: b.email, to_device: 'b-1' });
    expect((await b1.event('try_connect')).from_device).toBe('a-1');
    const published = await (await fetch(`${i1.url}/metrics`)).text();
    expect(published).toMatch(/^espfleet_signaling_published_total\{how="direct"\} 1$/m);
    expect(published).not.toMatch(/^espfleet_signaling_published_total\{how="broadcast"\} [1-9]/m);
  }, 30_000);
});
