// Bad input on the gateway: missing, wrong, revoked and other devices' keys get the spec's
// connect_error strings; unknown namespaces fail; malformed Engine.IO packets and floods leave
// the process serving. Both transports (long-polling alone, and the WebSocket upgrade) work.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { GATEWAY_ERRORS } from '@espfleet/protocol/gateway';
import { Client, rest, start, wsUrl } from '../support.js';
import { deviceWithKey, type Server } from './support.js';

type Opts = Parameters<typeof io>[1];

/** Connects and resolves with 'connected' or the connect_error message. */
function attempt(url: string, opts: Opts): Promise<{ outcome: string; socket: Socket }> {
  const socket = io(url, { path: '/ws', reconnection: false, forceNew: true, timeout: 4000, ...opts });
  return new Promise((ok) => {
    socket.on('connect', () => ok({ outcome: 'connected', socket }));
    socket.on('connect_error', (e) => ok({ outcome: e.message, socket }));
  });
}

describe('device gateway bad input', () => {
  let s: Server;
  let d: Awaited<ReturnType<typeof deviceWithKey>>;
  let other: Awaited<ReturnType<typeof deviceWithKey>>;
  const sockets: Socket[] = [];
  const tryConnect = async (ns: string, opts: Opts) => {
    const r = await attempt(s.url + ns, opts);
    sockets.push(r.socket);
    return r;
  };
  beforeAll(async () => {
    s = await start();
    d = await deviceWithKey(s, 1);
    other = await deviceWithKey(s, 2);
  });
  afterAll(async () => {
    for (const x of sockets) x.close();
    await s?.close();
  });

  it("refuses missing, wrong and other devices' keys with the spec's strings; takes query, header and auth payload", async () => {
    const ns = `/device/${d.deviceId}`;
    expect((await tryConnect(ns, {})).outcome).toBe(GATEWAY_ERRORS.API_KEY_REQUIRED);
    expect((await tryConnect(ns, { query: { apiKey: 'efk_wrong' } })).outcome).toBe(GATEWAY_ERRORS.INVALID_API_KEY);
    expect((await tryConnect(ns, { query: { apiKey: other.apiKey } })).outcome).toBe(GATEWAY_ERRORS.INVALID_API_KEY);
    expect((await tryConnect('/', {})).outcome).toBe(GATEWAY_ERRORS.API_KEY_REQUIRED);
    expect((await tryConnect(ns, { query: { apiKey: d.apiKey } })).outcome).toBe('connected');
    expect((await tryConnect(ns, { extraHeaders: { apiKey: d.apiKey }, transports: ['polling'] })).outcome).toBe('connected');
    expect((await tryConnect(ns, { auth: { apiKey: d.apiKey }, transports: ['websocket'] })).outcome).toBe('connected');
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/espfleet_gateway_refused_total\{reason="missing"\} 2/);
    expect(metrics).toMatch(/espfleet_ws_connections_total\{route="gateway"\} 3/);
  });

  it('fails unknown namespaces', async () => {
    for (const ns of ['/device/999', '/device/abc', '/nothing']) expect((await tryConnect(ns, { query: { apiKey: d.apiKey } })).outcome).toBe('Invalid namespace');
  });

  it('long-polling alone carries events', async () => {
    const { outcome, socket } = await tryConnect(`/device/${d.deviceId}`, { query: { apiKey: d.apiKey }, transports: ['polling'] });
    expect(outcome).toBe('connected');
    const ready = new Promise((ok) => socket.on('ready', ok));
    const charger = new Client(wsUrl(s, `/ws?role=publisher&estacionId=${d.stationId}`));
    await charger.type('connected');
    expect(await ready).toMatchObject({ deviceId: String(d.deviceId), timestamp: expect.any(Number) });
    charger.close();
  });

  it('a burst of events reaches WebSocket, upgraded and long-polling subscribers complete and in order', async () => {
    const ns = `/device/${d.deviceId}`;
    const kinds: Opts[] = [{ transports: ['websocket'] }, {}, { transports: ['polling'] }];
    const subs = await Promise.all(kinds.map((k) => tryConnect(ns, { query: { apiKey: d.apiKey }, ...k })));
    // The default client starts on long-polling and upgrades; wait for the upgrade so the burst goes over it.
    const upgraded = subs[1].socket.io.engine;
    const end = Date.now() + 5000;
    while (upgraded.transport.name !== 'websocket' && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(upgraded.transport.name).toBe('websocket');
    const got = subs.map(({ outcome, socket }) => {
      expect(outcome).toBe('connected');
      const statuses: string[] = [];
      socket.on('state', (e: { status: string }) => statuses.push(e.status));
      return statuses;
    });
    const N = 2000;
    for (let i = 0; i < N; i++) s.gateway.lifecycle(d.deviceId, { kind: 'state', status: `s${i}` });
    const want = Array.from({ length: N }, (_, i) => `s${i}`);
    const until = Date.now() + 15_000;
    while (got.some((g) => g.length < N) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    for (const g of got) expect(g).toEqual(want);
  });

  it('a revoked key is refused and its sockets are disconnected; other keys stay', async () => {
    const second = (await rest(s, 'POST', `/api/v1/devices/${d.deviceId}/api-keys`, { name: 'second' })).body;
    const keep = await tryConnect(`/device/${d.deviceId}`, { query: { apiKey: second.apiKey } });
    const doomed = await tryConnect(`/device/${d.deviceId}`, { query: { apiKey: d.apiKey } });
    const onRoot = await tryConnect('/', { extraHeaders: { apiKey: d.apiKey } });
    expect([keep.outcome, doomed.outcome, onRoot.outcome]).toEqual(['connected', 'connected', 'connected']);
    const gone = (x: Socket) => new Promise<string>((ok) => x.on('disconnect', (why) => ok(why)));
    const [a, b] = [gone(doomed.socket), gone(onRoot.socket)];
    const revoked = await rest(s, 'DELETE', `/api/v1/devices/${d.deviceId}/api-keys/${d.keyId}`);
    expect(revoked.body.revokedAt).toEqual(expect.any(Number));
    expect(await a).toBe('io server disconnect');
    expect(await b).toBe('io server disconnect');
    expect(keep.socket.connected).toBe(true);
    expect((await tryConnect(`/device/${d.deviceId}`, { query: { apiKey: d.apiKey } })).outcome).toBe(GATEWAY_ERRORS.INVALID_API_KEY);
    const listed = (await rest(s, 'GET', `/api/v1/devices/${d.deviceId}/api-keys`)).body;
    expect(listed.map((k: { id: number; revokedAt: number | null }) => [k.id, k.revokedAt !== null])).toEqual([[d.keyId, true], [second.id, false]]);
    expect(JSON.stringify(listed)).not.toContain(second.apiKey);
  });

  it('answers malformed Engine.IO packets and floods with errors, and keeps serving', async () => {
    // Long-polling: a bad session id, a garbage body, a body over the limit.
    expect((await fetch(`${s.url}/ws/?EIO=4&transport=polling&sid=nope`)).status).toBe(400);
    expect((await fetch(`${s.url}/ws/?EIO=9&transport=polling`)).status).toBe(400);
    const open = await (await fetch(`${s.url}/ws/?EIO=4&transport=polling`)).text();
    const sid = JSON.parse(open.slice(1)).sid as string;
    const garbage = await fetch(`${s.url}/ws/?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '\u0000\u00ffnot a packet' });
    expect(garbage.status).toBeLessThan(500);
    const huge = await fetch(`${s.url}/ws/?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '4' + 'x'.repeat(200_000) }).catch(() => undefined);
    expect(huge === undefined || huge.status >= 400).toBe(true);
    // WebSocket: garbage frames, then a flood of 3,000 frames, bounded in time.
    const raw = new WebSocket(wsUrl(s, '/ws/?EIO=4&transport=websocket'));
    await new Promise((ok, fail) => (raw.once('open', ok), raw.once('error', fail)));
    raw.send('not engine.io');
    raw.send(Buffer.from([0xff, 0x00, 0x13]));
    const closed = new Promise((ok) => raw.once('close', ok));
    for (let i = 0; i < 3000 && raw.readyState === WebSocket.OPEN; i++) raw.send('42/device/1,["x",' + i + ']');
    await Promise.race([closed, new Promise((r) => setTimeout(r, 3000))]);
    raw.terminate();
    // A flood of events from an admitted client: the server ignores them and goes on.
    const { socket } = await tryConnect(`/device/${other.deviceId}`, { query: { apiKey: other.apiKey } });
    for (let i = 0; i < 5000; i++) socket.emit('flood', i);
    await new Promise((r) => setTimeout(r, 300));
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    expect((await tryConnect(`/device/${other.deviceId}`, { query: { apiKey: other.apiKey } })).outcome).toBe('connected');
    const charger = new Client(wsUrl(s, `/ws?role=publisher&estacionId=${other.stationId}`));
    await charger.type('connected');
    charger.close();
  });

  it('deleting a device disconnects its watchers; a station\'s device stays with its station', async () => {
    const dev = (await rest(s, 'POST', '/api/v1/devices', { name: 'Valve 1', kind: 'valve' })).body;
    const key = (await rest(s, 'POST', `/api/v1/devices/${dev.id}/api-keys`, { name: 'k' })).body;
    const w = await tryConnect(`/device/${dev.id}`, { query: { apiKey: key.apiKey } });
    expect(w.outcome).toBe('connected');
    const gone = new Promise((ok) => w.socket.on('disconnect', ok));
    expect((await rest(s, 'DELETE', `/api/v1/devices/${dev.id}`)).status).toBe(200);
    await gone;
    expect((await rest(s, 'GET', `/api/v1/devices/${dev.id}`)).status).toBe(404);
    expect((await rest(s, 'DELETE', `/api/v1/devices/${d.deviceId}`)).body.error.code).toBe('DEVICE_IN_USE');
  });
});

describe('device gateway with its store away', () => {
  it('answers "Server configuration error"', async () => {
    const s = await start();
    try {
      const d = await deviceWithKey(s);
      await s.store.close();
      const r = await attempt(`${s.url}/device/${d.deviceId}`, { query: { apiKey: d.apiKey } });
      r.socket.close();
      expect(r.outcome).toBe(GATEWAY_ERRORS.SERVER_CONFIGURATION);
    } finally {
      await s.close().catch(() => undefined);
    }
  });
});
