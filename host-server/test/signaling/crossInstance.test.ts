// Routing across instances on a redis-server of the test's own: an instance knows where the
// devices that joined while it listened are, and, from the others' answers to the hello it says
// when it subscribes, those that joined before; the first message to one it does not know is
// broadcast and its holder's ack teaches it. Messages to a known holder go straight to that
// instance, packed per turn and answered in bulk. A holder that no longer has
// the device says "gone" and the message is broadcast again; a holder that died answers nothing
// and the sender gets the spec's target_not_found after the route timeout. A peer speaking the
// bus protocol on the same channel (the frames of busCodec) plays an instance whose view is stale.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { start } from '../support.js';
import { account, connect, device, OwnRedis, spawnInstance } from './support.js';
import { decodeFrame, encodeAck, encodeGone, encodePresence, type BusFrame } from '../../src/signaling/busCodec.js';

const TIMEOUT_MS = 1000;
const CHANNEL = 'socket:messages';

const closers: Array<() => Promise<void>> = [];
let redis: OwnRedis;
const dataDir = `/tmp/espfleet-cross-${process.pid}`;
beforeAll(async () => {
  redis = await OwnRedis.start();
  closers.push(() => redis.kill());
});
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

const metric = async (s: { url: string }, name: string, labels = '') =>
  Number(new RegExp(`^${name}${labels ? `\\{${labels}\\}` : ''} (\\d+)`, 'm').exec(await (await fetch(`${s.url}/metrics`)).text())?.[1] ?? 0);

/** An instance whose Redis connections are ready (before that, cross-instance routing is refused). */
async function ready<S extends { url: string }>(s: S): Promise<S> {
  const end = Date.now() + 5000;
  while ((await metric(s, 'espfleet_signaling_redis_up')) !== 1) {
    if (Date.now() > end) throw new Error('Redis not up');
    await new Promise((r) => setTimeout(r, 20));
  }
  return s;
}

const instance = async () => {
  const s = await start({ redisUrl: redis.url, dataDir, signalingRouteTimeoutMs: TIMEOUT_MS });
  closers.push(() => s.close());
  return ready(s);
};

/** Every frame on the channel, decoded, as it passes. */
async function watchChannel(): Promise<{ frames: BusFrame[]; until(p: (f: BusFrame) => boolean, what: string): Promise<BusFrame> }> {
  const sub = new Redis(redis.url);
  closers.push(async () => sub.disconnect());
  const frames: BusFrame[] = [];
  sub.on('message', (_c: string, raw: string) => {
    const f = decodeFrame(raw);
    if (f) frames.push(f);
  });
  await sub.subscribe(CHANNEL);
  return {
    frames,
    async until(p, what) {
      const end = Date.now() + 3000;
      for (;;) {
        const f = frames.find(p);
        if (f) return f;
        if (Date.now() > end) throw new Error(`no ${what} on the channel`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('routing across instances', () => {
  it('sends straight to the holder of a device that joined before it listened, answered in bulk', async () => {
    // b-1 joins before i1 exists: i1 learns where it is from i2's answer to its hello.
    const i2 = await instance();
    const channel = await watchChannel();
    const a = await account(i2);
    const b = await account(i2);
    await connect(i2, a, b, a.email);
    const b1 = await device(i2, b, 'b-1');
    const i1 = await instance();
    const a1 = await device(i1, a, 'a-1');
    const raw: string[] = [];
    b1.ws.on('message', (d) => raw.push(d.toString()));

    a1.msg('try_connect', { to_email: b.email, to_device: 'b-1' });
    expect((await b1.event('try_connect')).from_device).toBe('a-1');

    // A burst: each text arrives exactly as sent, in order, through direct frames only.
    const texts = Array.from({ length: 100 }, (_, k) =>
      `{"from_email":"${a.email}","from_token":"","from_device":"a-1","to_email":"${b.email}","to_device":"b-1","event":"ice_candidate","payload":{"candidate":"candidate:${k} 1 udp 1 10.0.0.1 ${k} typ host","sdpMid":"0","sdpMLineIndex":0}}`,
    );
    for (const t of texts) a1.send(t);
    const end = Date.now() + 5000;
    while (raw.filter((r) => r.includes('"ice_candidate"')).length < texts.length && Date.now() < end) await sleep(20);
    expect(raw.filter((r) => r.includes('"ice_candidate"'))).toEqual(texts);
    const direct = channel.frames.filter((f) => f.kind === 'direct');
    expect(direct.flatMap((f) => (f.kind === 'direct' ? f.messages.map((m) => m.text) : [])).slice(1)).toEqual(texts);
    expect(await metric(i1, 'espfleet_signaling_published_total', 'how="direct"')).toBe(101);
    expect(await metric(i1, 'espfleet_signaling_published_total', 'how="broadcast"')).toBe(0);

    // A device that joins while i1 listens is reached directly from the first message.
    const b2 = await device(i2, b, 'b-2');
    expect((await a1.event('user_joined')).payload).toEqual({ email: b.email, device_id: 'b-2' });
    a1.msg('try_connect', { to_email: b.email, to_device: 'b-2' });
    expect((await b2.event('try_connect')).from_device).toBe('a-1');
    expect(await metric(i1, 'espfleet_signaling_published_total', 'how="direct"')).toBe(102);
    expect(await metric(i1, 'espfleet_signaling_published_total', 'how="broadcast"')).toBe(0);

    // Past the route timeout: the holder's bulk answer arrived, so no message is reported missing.
    await channel.until((f) => f.kind === 'handled', 'bulk answer');
    await sleep(TIMEOUT_MS + 500);
    expect(a1.received.filter((m) => m.event === 'target_not_found' || m.event === 'error')).toEqual([]);
  }, 20_000);

  it('broadcasts again what a holder says it does not have, and answers target_not_found when nobody has it', async () => {
    const [i1, i2] = [await instance(), await instance()];
    const channel = await watchChannel();
    const pub = new Redis(redis.url);
    closers.push(async () => pub.disconnect());
    const a = await account(i1);
    const b = await account(i1);
    await connect(i1, a, b, a.email);
    const a1 = await device(i1, a, 'a-1');
    const b1 = await device(i2, b, 'b-1');
    await a1.event('user_joined');
    a1.msg('try_connect', { to_email: b.email, to_device: 'b-1' });
    await b1.event('try_connect');
    const first = await channel.until((f) => f.kind === 'direct', 'the direct frame to i2');
    const i1Id = first.kind === 'direct' ? first.origin : '';
    const i2Id = first.kind === 'direct' ? first.to : '';

    // A stale view: a peer on the bus ("stale") says b-1 joined it; i1 now sends b-1's messages there.
    await pub.publish(CHANNEL, encodePresence('stale', 'user_joined', b.email, 'b-1', []));
    await sleep(100);
    a1.msg('ice_candidate', { to_email: b.email, to_device: 'b-1', payload: { candidate: 'c1', sdpMid: '0', sdpMLineIndex: 0 } });
    const toStale = await channel.until((f) => f.kind === 'direct' && f.to === 'stale', 'a direct frame to the stale peer');
    if (toStale.kind !== 'direct') throw new Error('unreachable');
    expect(JSON.parse(toStale.messages[0].text).payload.candidate).toBe('c1');
    await pub.publish(CHANNEL, encodeGone(i1Id, 'stale', toStale.messages[0].seq, toStale.messages[0].text));
    // Broadcast again: i2, which holds b-1, delivers it, once.
    expect((await b1.event('ice_candidate')).payload.candidate).toBe('c1');
    expect(await metric(i1, 'espfleet_signaling_published_total', 'how="retried"')).toBe(1);
    // i2's ack of that broadcast teaches i1 where b-1 is: the next message goes straight to i2.
    await channel.until((f) => f.kind === 'ack' && f.holder === i2Id, "i2's ack");
    a1.msg('ice_candidate', { to_email: b.email, to_device: 'b-1', payload: { candidate: 'c2', sdpMid: '0', sdpMLineIndex: 0 } });
    await channel.until((f) => f.kind === 'direct' && f.to === i2Id && JSON.parse(f.messages[0].text).payload.candidate === 'c2', 'a direct frame to i2 again');
    expect((await b1.event('ice_candidate')).payload.candidate).toBe('c2');

    // A device only the stale peer claims (it acks the broadcast), then says it does not have.
    a1.msg('try_connect', { to_email: b.email, to_device: 'b-ghost' });
    const ghost = await channel.until((f) => f.kind === 'route' && f.device === 'b-ghost', 'the broadcast for b-ghost');
    if (ghost.kind !== 'route') throw new Error('unreachable');
    await pub.publish(CHANNEL, encodeAck(i1Id, 'stale', [ghost.id]));
    await sleep(100);
    a1.msg('sdp_offer', { to_email: b.email, to_device: 'b-ghost', payload: { sdp: 'v=0', type: 'offer' } });
    const offer = await channel.until((f) => f.kind === 'direct' && f.to === 'stale' && f.messages[0].device === 'b-ghost', 'a direct frame for b-ghost');
    if (offer.kind !== 'direct') throw new Error('unreachable');
    const goneAt = Date.now();
    await pub.publish(CHANNEL, encodeGone(i1Id, 'stale', offer.messages[0].seq, offer.messages[0].text));
    expect(await a1.event('target_not_found', TIMEOUT_MS * 3)).toEqual({
      event: 'target_not_found', error: `User ${b.email} with device b-ghost is not online`, target_email: b.email, target_device: 'b-ghost',
    });
    // The broadcast retry had its full timeout to find the device.
    expect(Date.now() - goneAt).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    // Only the sdp_offer was missing: the acked try_connect got no answer.
    expect(a1.received.filter((m) => m.event === 'target_not_found' || m.event === 'error')).toEqual([]);
  }, 20_000);

  it('answers target_not_found for direct messages to an instance that was killed', async () => {
    const i1 = await instance();
    const dead = await spawnInstance({ redisUrl: redis.url, dataDir, signalingRouteTimeoutMs: TIMEOUT_MS });
    closers.push(() => dead.kill());
    await ready(dead);
    const a = await account(i1);
    const b = await account(i1);
    await connect(i1, a, b, a.email);
    const a1 = await device(i1, a, 'a-1');
    const b1 = await device(dead, b, 'b-1');
    await a1.event('user_joined');
    a1.msg('try_connect', { to_email: b.email, to_device: 'b-1' });
    await b1.event('try_connect');
    // Its bulk answer (within 100 ms) confirms the try_connect before the kill.
    await sleep(400);
    await dead.kill();

    const sentAt = Date.now();
    a1.msg('ice_candidate', { to_email: b.email, to_device: 'b-1', payload: { candidate: 'lost', sdpMid: '0', sdpMLineIndex: 0 } });
    expect(await a1.event('target_not_found', TIMEOUT_MS * 3)).toEqual({
      event: 'target_not_found', error: `User ${b.email} with device b-1 is not online`, target_email: b.email, target_device: 'b-1',
    });
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(await metric(i1, 'espfleet_signaling_published_total', 'how="direct"')).toBe(2);
    // The silent instance is no longer trusted: the next message is broadcast (and also not found).
    a1.msg('ice_candidate', { to_email: b.email, to_device: 'b-1', payload: { candidate: 'again', sdpMid: '0', sdpMLineIndex: 0 } });
    await a1.event('target_not_found', TIMEOUT_MS * 3);
    expect(await metric(i1, 'espfleet_signaling_published_total', 'how="broadcast"')).toBe(1);
  }, 30_000);
});
