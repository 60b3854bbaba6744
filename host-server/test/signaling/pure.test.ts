// The router's pure parts: message parsing and validation into the spec's errors, the bus frames,
// token buckets, the local device registry, and account credential checks.
import { describe, expect, it } from 'vitest';
import { parseClientMessage, validate, presenceEvent, targetNotFound, registerOk, pong, error } from '../../src/signaling/wire.js';
import { addressedElsewhere, decodeFrame, encodeAck, encodeHello, encodeJoined, encodeKick, encodePresence, encodeRoute } from '../../src/signaling/busCodec.js';
import { Bucket, KeyedBuckets, perMinute, perSecond, limitMessage } from '../../src/signaling/rateLimit.js';
import { LocalPresence } from '../../src/signaling/presence.js';
import { presenceKey, userDevicesKey, CHANNEL, parseInstanceMember, instanceMember } from '../../src/signaling/redisKeys.js';
import { normaliseEmail, checkPassword } from '../../src/users/credentials.js';

describe('wire', () => {
  it('writes the spec\'s replies field for field, in its order', () => {
    expect(registerOk('49fd')).toBe('{"event":"register","status":"ok","socket_id":"49fd"}');
    expect(pong(1707417600_999)).toBe('{"event":"pong","timestamp":1707417600}');
    expect(targetNotFound('friend@example.com', 'friend-device-id')).toBe(
      '{"event":"target_not_found","error":"User friend@example.com with device friend-device-id is not online","target_email":"friend@example.com","target_device":"friend-device-id"}',
    );
    expect(error('Failed to route message - Redis unavailable', { email: 'f@e.com', device: 'd' })).toBe(
      '{"event":"error","error":"Failed to route message - Redis unavailable","target_email":"f@e.com","target_device":"d"}',
    );
    expect(JSON.parse(presenceEvent('user_left', 'f@e.com', 'd1'))).toEqual({ from_email: 'f@e.com', from_token: '', from_device: 'd1', to_email: '', to_device: '', event: 'user_left', payload: { email: 'f@e.com', device_id: 'd1' } });
  });

  it('parses, and names the field and event in validation errors', () => {
    expect(parseClientMessage('{"event":"ping"}', 1000)).toMatchObject({ ok: true, msg: { event: 'ping', from_email: '' } });
    expect(parseClientMessage('{"event":"nope"}', 1000)).toEqual({ ok: false, reply: '{"event":"error","error":"Unknown event: nope"}' });
    expect(parseClientMessage('{"event":"ping","x":"' + 'é'.repeat(600) + '"}', 1000)).toEqual({ ok: false, reply: '{"event":"error","error":"Message too large: 1223 bytes (at most 1000)"}' });
    const m = (o: object) => (parseClientMessage(JSON.stringify(o), 10_000) as { msg: any }).msg;
    expect(validate(m({ event: 'register', from_token: 't', from_device: 'd' }))).toBe('from_email is required for register');
    expect(validate(m({ event: 'register', from_email: '  ', from_token: 't', from_device: 'd' }))).toBe('from_email is required for register');
    expect(validate(m({ event: 'try_connect', from_email: 'a', from_device: 'd', to_email: 'b' }))).toBe('to_device is required for try_connect');
    expect(validate(m({ event: 'sdp_answer', from_email: 'a', from_device: 'd', to_email: 'b', to_device: 'x'.repeat(257), payload: { sdp: '', type: 'answer' } }))).toBe(
      'to_device must be at most 256 characters without control characters',
    );
    expect(validate(m({ event: 'check' }))).toBeUndefined();
  });
});

describe('bus frames', () => {
  it('round-trip, carrying the routed text untouched', () => {
    const text = '{"event":"sdp_offer","payload":{"sdp":"v=0\\r\\n","x":"\\n"}}\n';
    expect(decodeFrame(encodeRoute('i1', 7, 'a@b.c', 'dev\t1', text))).toEqual({ kind: 'route', origin: 'i1', id: 7, email: 'a@b.c', device: 'dev\t1', text });
    expect(decodeFrame(encodeAck('i1', 'i2', [1, 2, 3]))).toEqual({ kind: 'ack', to: 'i1', holder: 'i2', ids: [1, 2, 3] });
    expect(decodeFrame(encodePresence('i2', 'user_joined', 'a@b.c', 'd', ['x@y.z']))).toEqual({ kind: 'presence', origin: 'i2', event: 'user_joined', email: 'a@b.c', device: 'd', audience: ['x@y.z'] });
    expect(decodeFrame(encodeKick('i3', 'a@b.c', 'd', 's'))).toEqual({ kind: 'kick', origin: 'i3', email: 'a@b.c', device: 'd', socketId: 's' });
  });

  it('ignores anything else on the channel', () => {
    for (const raw of ['', 'hello', 'R[1,2]\nx', 'Rnot json\nx', 'A["i",1,"x"]', 'P{"o":"i","e":"other","m":"a","d":"b","a":[]}', 'K["a","b"]', 'P{"o":"i","e":"user_left","m":"a","d":"b","a":[1]}']) {
      expect(decodeFrame(raw), raw).toBeUndefined();
    }
  });

  it('carries a hello to every instance, and its answers only to the instance that said it', () => {
    expect(decodeFrame(encodeHello('i1'))).toEqual({ kind: 'hello', origin: 'i1' });
    const joined = encodeJoined('i1', 'i2', 'a@b.c', 'd', ['x@y.z']);
    expect(decodeFrame(joined)).toEqual({ kind: 'joined', to: 'i1', origin: 'i2', email: 'a@b.c', device: 'd', audience: ['x@y.z'] });
    expect(addressedElsewhere(Buffer.from(joined), Buffer.from('i1'))).toBe(false);
    expect(addressedElsewhere(Buffer.from(joined), Buffer.from('i3'))).toBe(true);
    expect(addressedElsewhere(Buffer.from(encodeHello('i1')), Buffer.from('i3'))).toBe(false);
    for (const raw of ['H', 'Hi1\nx', 'Ji1', 'Ji1\n{"o":"i2","m":"a","d":"b","a":[1]}', 'Ji1\nnot json']) expect(decodeFrame(raw), raw).toBeUndefined();
  });

  it('names keys as the spec does', () => {
    expect(presenceKey('a@b.c', 'dev-1')).toBe('socket:presence:a@b.c:dev-1');
    expect(userDevicesKey('a@b.c')).toBe('socket:user_devices:a@b.c');
    expect(CHANNEL).toBe('socket:messages');
    expect(parseInstanceMember(instanceMember('s', 'a@b.c', 'd:1'))).toEqual({ socketId: 's', email: 'a@b.c', deviceId: 'd:1' });
    expect(parseInstanceMember('junk')).toBeUndefined();
  });
});

describe('rate limits', () => {
  it('allows a burst, then refills at the rate', () => {
    const b = new Bucket(perSecond(10), 0);
    let n = 0;
    while (b.take(0)) n++;
    expect(n).toBe(20);
    expect(b.waitMs(0)).toBe(100);
    expect(b.take(99)).toBe(false);
    expect(b.take(100)).toBe(true);
    expect(b.full(10_000)).toBe(true);
    const m = new Bucket(perMinute(3), 0);
    expect([m.take(0), m.take(0), m.take(0), m.take(0)]).toEqual([true, true, true, false]);
    expect(m.waitMs(0)).toBe(20_000);
  });

  it('keeps one bucket per address and forgets full ones', () => {
    const k = new KeyedBuckets(perSecond(1));
    k.bucket('1.2.3.4', 0).take(0);
    k.bucket('5.6.7.8', 0);
    k.prune(0);
    expect(k.size).toBe(1);
    k.prune(5000);
    expect(k.size).toBe(0);
    expect(limitMessage('register events', 'address', '6/min', 0)).toBe('Rate limit exceeded: at most 6/min register events per client address; retry in 1 ms');
  });
});

describe('local presence', () => {
  it('replaces a device\'s older entry and removes only the current one', () => {
    const p = new LocalPresence<{ email: string; deviceId: string; socketId: string }>();
    const old = { email: 'a', deviceId: 'd', socketId: '1' };
    const neu = { email: 'a', deviceId: 'd', socketId: '2' };
    expect(p.add(old)).toBeUndefined();
    expect(p.add(neu)).toBe(old);
    expect(p.remove(old)).toBe(false);
    expect([...p.devicesOf('a')]).toEqual([neu]);
    expect(p.remove(neu)).toBe(true);
    expect(p.hasUser('a')).toBe(false);
    expect(p.size).toBe(0);
  });
});

describe('credentials', () => {
  it('normalises emails and bounds passwords', () => {
    expect(normaliseEmail(' Ana@Example.COM ')).toEqual({ ok: true, email: 'ana@example.com' });
    expect(normaliseEmail('a@b@c').ok).toBe(false);
    expect(normaliseEmail('a\u0000@b.c').ok).toBe(false);
    expect(normaliseEmail(5)).toEqual({ ok: false, message: 'email must be a string' });
    expect(checkPassword('1234567').ok).toBe(false);
    expect(checkPassword('12345678').ok).toBe(true);
    expect(checkPassword('x'.repeat(257)).ok).toBe(false);
  });
});
