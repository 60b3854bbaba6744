// The router on one instance (no Redis): every event, its replies and errors as the spec writes
// them, bad input of every kind, rate limits, idle sockets, and the spec's own JavaScript flow.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { start, rest, wsUrl } from '../support.js';
import { account, connect, device, Sig, uniqueEmail } from './support.js';

const here = dirname(fileURLToPath(import.meta.url));
const servers: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const s of servers) await s.close();
});

async function server(o: Parameters<typeof start>[0] = {}) {
  const s = await start(o);
  servers.push(s);
  return s;
}

/** Two users with an accepted connection, one device each. */
async function pair(s: { url: string }) {
  const a = await account(s);
  const b = await account(s);
  await connect(s, a, b, a.email);
  return { a, b, da: await device(s, a, 'laptop-a', { device_name: 'Laptop', device_type: 'desktop' }), db: await device(s, b, 'phone-b', { device_name: 'Phone', device_type: 'mobile' }) };
}

describe('signaling router, one instance', () => {
  it('registers with a fresh socket_id, answers connect, ping and check, and announces joins', async () => {
    const s = await server();
    const { a, b, da, db } = await pair(s);
    expect(da.socketId).toMatch(/^[0-9a-f-]{36}$/);
    expect(db.socketId).not.toBe(da.socketId);
    expect(await da.event('user_joined')).toEqual({
      from_email: b.email, from_token: '', from_device: 'phone-b', to_email: '', to_device: '', event: 'user_joined', payload: { email: b.email, device_id: 'phone-b' },
    });
    da.msg('connect');
    expect(await da.event('connected')).toEqual({ event: 'connected', status: 'ok' });
    const before = Math.floor(Date.now() / 1000);
    da.msg('ping');
    const p = await da.event('pong');
    expect(Object.keys(p)).toEqual(['event', 'timestamp']);
    expect(p.timestamp).toBeGreaterThanOrEqual(before);
    expect(p.timestamp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    da.msg('check');
    expect(await da.next(Array.isArray)).toEqual([{ email: b.email, devices: [{ socket_id: db.socketId, device_name: 'Phone', device_type: 'mobile' }] }]);
    // A user with no connections online: [].
    const c = await account(s);
    const dc = await device(s, c, 'tab');
    dc.msg('check');
    expect(await dc.next(Array.isArray)).toEqual([]);
    void a;
  });

  it('routes try_connect, sdp_offer, sdp_answer and ice_candidate exactly as received', async () => {
    const s = await server();
    const { a, b, da, db } = await pair(s);
    const texts = [
      `{"from_email":"${a.email}","from_token":"","from_device":"laptop-a","to_email":"${b.email}","to_device":"phone-b","event":"try_connect","payload":{"request_id":"r-1","extra":[1,2.50,"ü"]}}`,
      JSON.stringify({ from_email: a.email, from_token: '', from_device: 'laptop-a', to_email: b.email, to_device: 'phone-b', event: 'sdp_offer', payload: { sdp: 'v=0\no=- 1234567890 2 IN IP4 127.0.0.1\n...', type: 'offer' } }),
      JSON.stringify({ from_email: a.email, from_token: '', from_device: 'laptop-a', to_email: b.email, to_device: 'phone-b', event: 'ice_candidate', payload: { candidate: 'candidate:1 1 udp 2122260223 192.168.1.100 54321 typ host', sdpMid: '0', sdpMLineIndex: 0 } }),
    ];
    const raw: string[] = [];
    db.ws.on('message', (d) => raw.push(d.toString()));
    for (const t of texts) da.send(t);
    const end = Date.now() + 3000;
    while (raw.filter((r) => !r.includes('user_joined')).length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(raw.filter((r) => !r.includes('user_joined'))).toEqual(texts);
    const answer = JSON.stringify({ from_email: b.email, from_token: '', from_device: 'phone-b', to_email: a.email, to_device: 'laptop-a', event: 'sdp_answer', payload: { sdp: 'v=0\n...', type: 'answer' } });
    db.send(answer);
    expect(await da.event('sdp_answer')).toEqual(JSON.parse(answer));
  });

  it('answers target_not_found with the spec text for a device that is not online', async () => {
    const s = await server();
    const { a, b, da } = await pair(s);
    da.msg('try_connect', { to_email: b.email, to_device: 'friend-device-id', payload: { request_id: 'x' } });
    expect(await da.event('target_not_found')).toEqual({
      event: 'target_not_found', error: `User ${b.email} with device friend-device-id is not online`, target_email: b.email, target_device: 'friend-device-id',
    });
    void a;
  });

  it('routes only between connected users', async () => {
    const s = await server();
    const { da, b } = await pair(s);
    const stranger = await account(s);
    const ds = await device(s, stranger, 'stranger-1');
    da.msg('try_connect', { to_email: stranger.email, to_device: 'stranger-1' });
    expect(await da.event('error')).toEqual({ event: 'error', error: `Not connected with ${stranger.email}: send a connection request first`, target_email: stranger.email, target_device: 'stranger-1' });
    ds.msg('sdp_offer', { to_email: b.email, to_device: 'phone-b', payload: { sdp: 'v=0', type: 'offer' } });
    expect((await ds.event('error')).error).toBe(`Not connected with ${b.email}: send a connection request first`);
    await new Promise((r) => setTimeout(r, 100));
    expect(ds.received.filter((m) => m.event === 'try_connect')).toEqual([]);
    // Connected later (through REST): routing follows without reconnecting.
    await connect(s, stranger, { email: (da as Sig).email, token: (await rest(s, 'POST', '/api/v1/auth/login', { email: (da as Sig).email, password: 'correct horse' })).body.token }, stranger.email);
    ds.msg('try_connect', { to_email: (da as Sig).email, to_device: 'laptop-a' });
    expect((await da.event('try_connect')).from_email).toBe(stranger.email);
  });

  it('refuses a forged or expired token and an email that is not the token\'s, closing the socket', async () => {
    const s = await server();
    const a = await account(s);
    const b = await account(s);
    for (const [token, email, expected] of [
      ['00000000-0000-4000-8000-000000000000', a.email, 'Invalid or expired token'],
      ['not even a uuid', a.email, 'Invalid or expired token'],
      [b.token, a.email, 'Email does not match token'],
    ] as const) {
      const c = new Sig(s);
      await c.opened();
      c.send({ from_email: email, from_token: token, from_device: 'd1', to_email: '', to_device: '', event: 'register', payload: {} });
      expect(await c.event('register')).toEqual({ event: 'register', status: 'error', error: expected });
      expect((await c.closedWith()).code).toBe(1008);
    }
    // Logged out: the token no longer registers.
    expect((await rest(s, 'POST', '/api/v1/auth/logout', undefined, a.token)).status).toBe(200);
    const c = new Sig(s);
    await c.opened();
    c.send({ from_email: a.email, from_token: a.token, from_device: 'd1', to_email: '', to_device: '', event: 'register', payload: {} });
    expect((await c.event('register')).error).toBe('Invalid or expired token');
    // Expired: a server whose tokens live 300 ms.
    const short = await server({ signalingTokenTtlMs: 300 });
    const e = await account(short);
    await new Promise((r) => setTimeout(r, 400));
    const x = new Sig(short);
    await x.opened();
    x.send({ from_email: e.email, from_token: e.token, from_device: 'd', event: 'register' });
    expect((await x.event('register')).error).toBe('Invalid or expired token');
  });

  it('answers bad input in the spec\'s error forms and keeps the socket and other users working', async () => {
    const s = await server();
    const { b, da, db } = await pair(s);
    const fresh = new Sig(s);
    await fresh.opened();
    const cases: Array<[string, string]> = [
      ['{not json', 'Failed to parse message: invalid JSON: '],
      ['[]', 'Failed to parse message: must be a JSON object'],
      ['"text"', 'Failed to parse message: must be a JSON object'],
      ['{"from_email":"x"}', 'Failed to parse message: /event is required'],
      ['{"event":"invalid_event"}', 'Unknown event: invalid_event'],
      ['{"event":"register","from_email":5}', 'Failed to parse message: /from_email must be a string'],
      ['{"event":"register","payload":[]}', 'Failed to parse message: /payload must be an object'],
      ['{"event":"register","from_token":"t","from_device":"d"}', 'from_email is required for register'],
      ['{"event":"register","from_email":"a@b.c","from_device":"d"}', 'from_token is required for register'],
      ['{"event":"register","from_email":"a@b.c","from_token":"t"}', 'from_device is required for register'],
      ['{"event":"register","from_email":"a@b.c","from_token":"t","from_device":"bad\\u0000id"}', 'from_device must be at most 256 characters without control characters'],
      ['{"event":"check"}', 'Not registered: send register first'],
      ['{"event":"ping"}', 'Not registered: send register first'],
      ['{"event":"try_connect","to_email":"x@y.z","to_device":"d"}', 'Not registered: send register first'],
      [JSON.stringify({ event: 'register', from_email: 'a@b.c', from_token: 't', from_device: 'd', payload: { pad: 'x'.repeat(40_000) } }), 'Message too large: '],
    ];
    for (const [text, prefix] of cases) {
      fresh.send(text);
      const e = await fresh.event('error');
      expect(Object.keys(e).sort(), text).toEqual(['error', 'event']);
      expect(e.error.startsWith(prefix), `${text} → ${e.error}`).toBe(true);
    }
    expect(fresh.closed).toBeUndefined();
    const routedCases: Array<[Record<string, unknown>, string]> = [
      [{ event: 'try_connect', to_device: 'phone-b' }, 'to_email is required for try_connect'],
      [{ event: 'sdp_offer', to_email: b.email, to_device: 'phone-b', payload: { sdp: 1, type: 'offer' } }, 'Failed to parse message: /payload/sdp must be a string'],
      [{ event: 'ice_candidate', to_email: b.email, to_device: 'phone-b', payload: { candidate: 'c' } }, 'Failed to parse message: /payload/sdpMid is required'],
      [{ event: 'try_connect', to_email: b.email, to_device: 'phone-b', from_device: 'someone-else' }, 'from_email and from_device must be those this socket registered'],
      [{ event: 'check', from_email: b.email }, 'from_email and from_device must be those this socket registered'],
    ];
    for (const [o, expected] of routedCases) {
      da.msg(o.event as string, o);
      expect((await da.event('error')).error).toBe(expected);
    }
    // A frame past the server-wide limit (64 KiB) closes that socket alone (1009).
    const big = new Sig(s);
    await big.opened();
    big.send('x'.repeat(70_000));
    expect((await big.closedWith()).code).toBe(1009);
    // Everyone else still works.
    da.msg('try_connect', { to_email: b.email, to_device: 'phone-b' });
    expect((await db.event('try_connect')).from_device).toBe('laptop-a');
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
  });

  it('rate-limits routed messages and registers per socket and per address with a clear error', async () => {
    const s = await server({ signalingMessagesPerSecond: 20, signalingMessagesPerSecondPerIp: 50, signalingRegisterPerMinute: 3, signalingRegisterPerMinutePerIp: 6 });
    const { b, da, db } = await pair(s);
    for (let i = 0; i < 100; i++) da.msg('ice_candidate', { to_email: b.email, to_device: 'phone-b', payload: { candidate: `c${i}`, sdpMid: '0', sdpMLineIndex: 0 } });
    await new Promise((r) => setTimeout(r, 300));
    const errors = da.drain().filter((m) => m.event === 'error');
    const delivered = db.drain().filter((m) => m.event === 'ice_candidate');
    // A burst of 2 s worth (40) passes, plus what refilled meanwhile; the rest is refused, each one answered.
    expect(delivered.length).toBeGreaterThanOrEqual(40);
    expect(delivered.length).toBeLessThan(60);
    expect(delivered.length + errors.length).toBe(100);
    expect(errors[0].error).toMatch(/^Rate limit exceeded: at most 20\/s routed messages and checks per socket; retry in \d+ ms \(ice_candidate\)$/);
    expect(errors[0]).toMatchObject({ target_email: b.email, target_device: 'phone-b' });
    // Per address: other sockets from the same address share its budget of 50/s (burst 100).
    db.msg('ping');
    expect((await db.event('pong')).event).toBe('pong');
    // Registers: 3 per minute on one socket.
    const a2 = await account(s);
    const c = new Sig(s, a2.email, 'x');
    await c.opened();
    for (let i = 0; i < 4; i++) c.send({ from_email: a2.email, from_token: a2.token, from_device: 'x', event: 'register' });
    const replies = [await c.event('register'), await c.event('register'), await c.event('register'), await c.event('error')];
    expect(replies.slice(0, 3).every((r) => r.status === 'ok')).toBe(true);
    expect(replies[3].error).toMatch(/^Rate limit exceeded: at most 3\/min register events per socket; retry in \d+ ms$/);
    // The address has 6 per minute: pair() took 2, c 3 (its refused 4th never reached the
    // address's budget); one more socket registers, the next is refused.
    await device(s, a2, 'y0');
    const last = new Sig(s);
    await last.opened();
    last.send({ from_email: a2.email, from_token: a2.token, from_device: 'z', event: 'register' });
    expect((await last.event('error')).error).toMatch(/per client address/);
    const text = await (await fetch(`${s.url}/metrics`)).text();
    expect(text).toMatch(/espfleet_signaling_refused_total\{reason="rate_socket"\} [1-9]/);
  });

  it('replaces the old socket when the same device registers again, without a user_left', async () => {
    const s = await server();
    const { a, da, db } = await pair(s);
    const again = await device(s, a, 'laptop-a');
    expect((await da.closedWith()).code).toBe(1000);
    expect(again.socketId).not.toBe(da.socketId);
    await new Promise((r) => setTimeout(r, 100));
    expect(db.received.filter((m) => m.event === 'user_left')).toEqual([]);
    db.msg('check');
    expect((await db.next(Array.isArray))[0].devices).toEqual([{ socket_id: again.socketId, device_name: null, device_type: null }]);
  });

  it('sends user_left on disconnect and on a dropped socket, and drops sockets idle past the timeout', async () => {
    const s = await server({ signalingIdleTimeoutMs: 400 });
    const { a, b, da, db } = await pair(s);
    da.msg('disconnect');
    expect((await da.closedWith()).code).toBe(1000);
    expect(await db.event('user_left')).toEqual({
      from_email: a.email, from_token: '', from_device: 'laptop-a', to_email: '', to_device: '', event: 'user_left', payload: { email: a.email, device_id: 'laptop-a' },
    });
    // db stays silent: dropped after 400 ms, with a user_left to a's new device.
    const da2 = await device(s, a, 'laptop-2');
    const keep = setInterval(() => da2.msg('ping'), 100);
    try {
      const closed = await db.closedWith(3000);
      expect(closed.code).toBe(4000);
      expect((await da2.event('user_left')).payload).toEqual({ email: b.email, device_id: 'phone-b' });
    } finally {
      clearInterval(keep);
    }
    expect(await (await fetch(`${s.url}/metrics`)).text()).toMatch(/espfleet_ws_dropped_total\{route="signaling",reason="idle"\} [1-9]/);
  });
});

// The spec's sample flow, kept verbatim beside the tests (and equal to ../shared when present).
const fixture = join(here, '..', 'fixtures', 'seeds', 'signaling-router-websocket.md');
const shared = join(here, '..', '..', '..', '..', 'shared', 'seeds', 'signaling-router-websocket.md');

describe('the spec\'s JavaScript flow', () => {
  it('is copied verbatim from the seed', () => {
    if (existsSync(shared)) expect(readFileSync(fixture, 'utf8')).toBe(readFileSync(shared, 'utf8'));
  });

  it('runs against the server: register, check, heartbeat, try_connect reaching the friend', async () => {
    const spec = readFileSync(fixture, 'utf8');
    const flow = /### Basic Flow\n```javascript\n([\s\S]*?)```/.exec(spec)![1];
    const s = await server();
    // The users and the token the sample names, put in the database as login would.
    const test = await account(s, 'test@example.com');
    const friend = await account(s, 'friend@example.com');
    await connect(s, test, friend, test.email);
    const user = (await s.store.findSignalingUser('test@example.com'))!;
    await s.store.addSignalingToken({ token: 'uuid-token', userId: user.id, expiresAt: Date.now() + 60_000 });
    const fd = await device(s, friend, 'friend-device', { device_name: 'Friend Phone' });
    // The sample's `...` stands for the fields left out ("the rest as above"); as JavaScript it
    // only parses once they are gone, so that is the one change. The URL points at this server.
    const code = flow.replace(/,\n(\s*)\.\.\.\n/g, '\n').replace('ws://localhost:3000/socket/', wsUrl(s, '/socket/'));
    expect(code.match(/\.\.\./g)).toBeNull();
    const [connectPart, rest] = code.split('// 2. Register');
    const intervals: Array<() => void> = [];
    const fakeSetInterval = (f: () => void, ms: number) => {
      expect(ms).toBe(30000);
      intervals.push(f);
      return 0;
    };
    // Typed into a console: the socket is created, then (once open) the rest runs.
    const ws = new Function('WebSocket', `${connectPart}\nreturn ws;`)(WebSocket) as WebSocket;
    const got: any[] = [];
    ws.on('message', (d) => got.push(JSON.parse(d.toString())));
    await new Promise((r) => ws.once('open', r));
    new Function('ws', 'setInterval', rest)(ws, fakeSetInterval);
    const until = async (f: () => boolean) => {
      const end = Date.now() + 5000;
      while (!f() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    };
    await until(() => got.length >= 2);
    expect(got[0]).toMatchObject({ event: 'register', status: 'ok' });
    expect(got[1]).toEqual([{ email: 'friend@example.com', devices: [{ socket_id: fd.socketId, device_name: 'Friend Phone', device_type: null }] }]);
    expect(await fd.event('try_connect')).toEqual({ from_email: 'test@example.com', from_device: 'device-123', to_email: 'friend@example.com', to_device: 'friend-device', event: 'try_connect', payload: {} });
    // The heartbeat the sample schedules every 30 s, run once.
    expect(intervals).toHaveLength(1);
    intervals[0]();
    await until(() => got.some((m) => m.event === 'pong'));
    expect(got.find((m) => m.event === 'pong').timestamp).toBeGreaterThan(1_700_000_000);
    expect(fd.received.filter((m) => m.event === 'user_joined').map((m) => m.payload)).toEqual([{ email: 'test@example.com', device_id: 'device-123' }]);
    ws.close();
    expect((await fd.event('user_left')).payload).toEqual({ email: 'test@example.com', device_id: 'device-123' });
    void uniqueEmail;
  });
});
