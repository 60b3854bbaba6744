// Every REST route × every kind of caller, against a real server that requires tokens: the
// roles each route declares, station-scoped tokens, and open mode.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { start, rest } from '../support.js';
import { signToken } from '../../src/auth/jwt.js';
import { apiRouter, type ApiDeps } from '../../src/http/api.js';

type Caller = 'none' | 'wrongSecret' | 'expired' | 'admin' | 'client' | 'client1' | 'publisher1' | 'sensor' | 'signalingUser';
type Allowed = Array<'admin' | 'client' | 'client1' | 'publisher1' | 'sensor'>;
/** The signaling accounts' routes: public (anyone, a token is not read) or a signaling login token only (any JWT: 401). */
type Signaling = 'public' | 'signaling-user';

const FLEET: Allowed = ['admin', 'client', 'sensor'];
const STATION: Allowed = ['admin', 'client', 'client1', 'publisher1'];
const ADMIN: Allowed = ['admin'];

/** Who may call each route: written out here, independently of the router's own table. */
const EXPECTED: Record<string, Allowed | Signaling> = {
  'GET /api/v1/devices': FLEET,
  'POST /api/v1/devices': ADMIN,
  'GET /api/v1/devices/:id': FLEET,
  'PUT /api/v1/devices/:id/status': ADMIN,
  'GET /api/v1/devices/:id/sensors': FLEET,
  'POST /api/v1/devices/:id/sensors': ADMIN,
  'DELETE /api/v1/devices/:id': ADMIN,
  'GET /api/v1/devices/:id/api-keys': ADMIN,
  'POST /api/v1/devices/:id/api-keys': ADMIN,
  'DELETE /api/v1/devices/:id/api-keys/:keyId': ADMIN,
  'GET /api/v1/sensors/:id': FLEET,
  'GET /api/v1/sensors/:id/readings': FLEET,
  'GET /api/v1/stations': STATION,
  'POST /api/v1/stations': ADMIN,
  'GET /api/v1/stations/:id': STATION,
  'POST /api/v1/stations/:id/reset': ADMIN,
  'POST /api/v1/users': ADMIN,
  'GET /api/v1/users/:id': ['admin', 'client'],
  'PUT /api/v1/users/:id/blocked': ADMIN,
  'POST /api/v1/cards': ADMIN,
  'GET /api/v1/sessions': STATION,
  'GET /api/v1/sessions/:id': STATION,
  'POST /api/v1/auth/register': 'public',
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/logout': 'signaling-user',
  'GET /api/v1/connections': 'signaling-user',
  'POST /api/v1/connections': 'signaling-user',
  'POST /api/v1/connections/:id/accept': 'signaling-user',
  'POST /api/v1/connections/:id/reject': 'signaling-user',
  'GET /api/v1/valves': ['admin', 'client'],
  'POST /api/v1/valves': ADMIN,
  'GET /api/v1/valves/:id': ['admin', 'client'],
  'DELETE /api/v1/valves/:id': ADMIN,
  'POST /api/v1/valves/:id/angle': ['admin', 'client'],
  'POST /api/v1/valves/:id/open': ['admin', 'client'],
  'POST /api/v1/valves/:id/close': ['admin', 'client'],
  'POST /api/v1/valves/:id/stop': ['admin', 'client'],
  'POST /api/v1/valves/:id/schedule': ['admin', 'client'],
  'POST /api/v1/valves/:id/sensor': ['admin', 'client'],
};

async function call(url: string, method: string, path: string, token?: string, body?: unknown) {
  const r = await fetch(url + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined, challenge: r.headers.get('www-authenticate') };
}

describe('REST authorisation', () => {
  let s: Awaited<ReturnType<typeof start>>;
  let tokens: Record<Caller, string | undefined>;
  const ids = { device: 0, spareDevice: 0, apiKey: 0, sensor: 0, user: 0, session1: 0, session2: 0, toAccept: 0, toReject: 0, valve: 0, spareValve: 0 };
  const login = async (email: string) => (await rest(s, 'POST', '/api/v1/auth/login', { email, password: 'correct horse' })).body.token as string;

  beforeAll(async () => {
    s = await start({ open: false });
    const sign = (c: Parameters<typeof signToken>[1], ttl?: number) => signToken(s.secret, c, ttl);
    tokens = {
      none: undefined,
      wrongSecret: signToken('not-this-servers-secret', { sub: 'op', role: 'admin' }),
      expired: sign({ sub: 'op', role: 'admin', iat: 1_000_000 }, 60),
      admin: sign({ sub: 'op', role: 'admin' }),
      client: sign({ sub: 'dash', role: 'client' }),
      client1: sign({ sub: 'dash-1', role: 'client', estacionId: 1 }),
      publisher1: sign({ sub: 'esp-1', role: 'publisher', estacionId: 1 }),
      sensor: sign({ sub: 'graphs', role: 'sensor' }),
      signalingUser: undefined,
    };
    for (const e of ['me', 'friend1', 'friend2', 'target']) await rest(s, 'POST', '/api/v1/auth/register', { email: `${e}@example.com`, password: 'correct horse' });
    tokens.signalingUser = await login('me@example.com');
    for (const [friend, key] of [['friend1', 'toAccept'], ['friend2', 'toReject']] as const) {
      ids[key] = (await rest(s, 'POST', '/api/v1/connections', { email: 'me@example.com' }, await login(`${friend}@example.com`))).body.id;
    }
    const admin = tokens.admin;
    for (const id of [1, 2]) expect((await rest(s, 'POST', '/api/v1/stations', { id, name: `E${id}` }, admin)).status).toBe(201);
    ids.device = (await rest(s, 'POST', '/api/v1/devices', { name: 'Hydro' }, admin)).body.id;
    ids.spareDevice = (await rest(s, 'POST', '/api/v1/devices', { name: 'To delete' }, admin)).body.id;
    ids.apiKey = (await rest(s, 'POST', `/api/v1/devices/${ids.device}/api-keys`, { name: 'k' }, admin)).body.id;
    ids.sensor = (await rest(s, 'POST', `/api/v1/devices/${ids.device}/sensors`, { type: 'temperature', unit: 'C' }, admin)).body.id;
    ids.user = (await rest(s, 'POST', '/api/v1/users', { name: 'Ana' }, admin)).body.id;
    // Valves nothing answers for: reads work, commands are admitted and answered 503 (offline).
    for (const key of ['valve', 'spareValve'] as const) ids[key] = (await rest(s, 'POST', '/api/v1/valves', { name: key, address: '127.0.0.1:9', passkey: 'p' }, admin)).body.valveId;
    await rest(s, 'POST', '/api/v1/cards', { uid: 'CARD-1', userId: ids.user }, admin);
    const session = (stationId: number) => s.store.createSession({ stationId, userId: ids.user, cardUid: 'CARD-1', startedAt: Date.now() });
    ids.session1 = (await session(1)).id;
    ids.session2 = (await session(2)).id;
  });
  afterAll(() => s?.close());

  /** A concrete request for a route, with a body a permitted caller could send. */
  function request(route: string, n: number): { method: string; path: string; body?: unknown } {
    const [method, pattern] = route.split(' ');
    const path = (route === 'DELETE /api/v1/devices/:id' ? pattern.replace(':id', String(ids.spareDevice)) : route === 'DELETE /api/v1/valves/:id' ? pattern.replace(':id', String(ids.spareValve)) : pattern)
      .replace('valves/:id', `valves/${ids.valve}`)
      .replace('devices/:id', `devices/${ids.device}`)
      .replace(':keyId', String(ids.apiKey))
      .replace('sensors/:id', `sensors/${ids.sensor}`)
      .replace('stations/:id', 'stations/1')
      .replace('users/:id', `users/${ids.user}`)
      .replace('sessions/:id', `sessions/${ids.session1}`)
      .replace(':id/accept', `${ids.toAccept}/accept`)
      .replace(':id/reject', `${ids.toReject}/reject`);
    const bodies: Record<string, unknown> = {
      'POST /api/v1/devices': { name: `D${n}` },
      'PUT /api/v1/devices/:id/status': { status: 'active' },
      'POST /api/v1/devices/:id/sensors': { type: `t${n}`, unit: 'u' },
      'POST /api/v1/devices/:id/api-keys': { name: `k${n}` },
      'POST /api/v1/stations': { id: 100 + n, name: `S${n}` },
      'POST /api/v1/users': { name: `U${n}` },
      'PUT /api/v1/users/:id/blocked': { blocked: false },
      'POST /api/v1/cards': { uid: `C-${n}`, userId: ids.user },
      'POST /api/v1/auth/register': { email: `new${n}@example.com`, password: 'correct horse' },
      'POST /api/v1/auth/login': { email: 'me@example.com', password: 'correct horse' },
      'POST /api/v1/connections': { email: 'target@example.com' },
      'POST /api/v1/valves': { name: `V${n}`, address: '127.0.0.1:9', passkey: 'p' },
      'POST /api/v1/valves/:id/angle': { angle: 45 },
      'POST /api/v1/valves/:id/schedule': { enabled: false },
      'POST /api/v1/valves/:id/sensor': { enabled: false },
    };
    return { method, path, body: bodies[route] };
  }

  it('covers every route the router declares', () => {
    const declared = apiRouter({} as ApiDeps).list().map((r) => `${r.method} ${r.path}`);
    expect(declared.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('answers every route × caller with its role rule: 401 without a valid token, 403 for another role', async () => {
    let n = 0;
    const wrong: string[] = [];
    for (const [route, allowed] of Object.entries(EXPECTED)) {
      for (const caller of Object.keys(tokens) as Caller[]) {
        const { method, path, body } = request(route, n++);
        // Logging out ends the token it is called with: that call gets a token of its own.
        const token = route === 'POST /api/v1/auth/logout' && caller === 'signalingUser' ? await login('me@example.com') : tokens[caller];
        const r = await call(s.url, method, path, token, body);
        const expected =
          allowed === 'public' ? 'allowed'
          : allowed === 'signaling-user' ? (caller === 'signalingUser' ? 'allowed' : 401)
          : (allowed as string[]).includes(caller) ? 'allowed'
          : ['none', 'wrongSecret', 'expired', 'signalingUser'].includes(caller) ? 401
          : 403;
        // A valve command is admitted and then answered by the valve's link: here, offline.
        const admitted = r.status < 400 || (route.startsWith('POST /api/v1/valves/:id/') && r.status === 503 && r.body?.error?.code === 'VALVE_OFFLINE');
        const ok =
          expected === 'allowed'
            ? admitted
            : r.status === expected && r.body?.error?.code === (expected === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN') && (expected === 403 || r.challenge === 'Bearer');
        if (!ok) wrong.push(`${route} as ${caller}: ${r.status} ${JSON.stringify(r.body).slice(0, 120)} (expected ${expected})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('keeps a station-scoped token to its own station and sessions', async () => {
    for (const caller of ['client1', 'publisher1'] as const) {
      const t = tokens[caller];
      expect((await call(s.url, 'GET', '/api/v1/stations', t)).body.map((x: { id: number }) => x.id)).toEqual([1]);
      expect((await call(s.url, 'GET', '/api/v1/stations/2', t)).status).toBe(403);
      expect((await call(s.url, 'GET', `/api/v1/sessions/${ids.session2}`, t)).status).toBe(403);
      expect((await call(s.url, 'GET', '/api/v1/sessions?stationId=2', t)).status).toBe(403);
      const page = (await call(s.url, 'GET', '/api/v1/sessions', t)).body;
      expect(page.items.map((x: { stationId: number }) => x.stationId)).toEqual([1]);
    }
    const all = (await call(s.url, 'GET', '/api/v1/sessions', tokens.client)).body;
    expect(all.items.map((x: { stationId: number }) => x.stationId).sort()).toEqual([1, 2]);
  });

  it('counts refusals in /metrics by reason', async () => {
    await call(s.url, 'POST', '/api/v1/cards', tokens.publisher1, { uid: 'X', userId: ids.user });
    const text = await (await fetch(`${s.url}/metrics`)).text();
    expect(text).toMatch(/espfleet_auth_refused_total\{reason="wrong_role",surface="rest"\} [1-9]/);
    expect(text).toMatch(/espfleet_auth_refused_total\{reason="bad_signature",surface="rest"\} [1-9]/);
  });
});

describe('REST in open mode', () => {
  it('lets a request without a token in, but still checks a token that is given', async () => {
    const s = await start({ open: true });
    try {
      const user = await rest(s, 'POST', '/api/v1/users', { name: 'Ana' });
      expect(user.status).toBe(201);
      const publisher = signToken(s.secret, { sub: 'esp', role: 'publisher', estacionId: 1 });
      expect((await rest(s, 'POST', '/api/v1/cards', { uid: 'A1', userId: user.body.id }, publisher)).status).toBe(403);
      const foreign = signToken('another', { sub: 'op', role: 'admin' });
      expect((await rest(s, 'POST', '/api/v1/cards', { uid: 'A1', userId: user.body.id }, foreign)).status).toBe(401);
      expect((await rest(s, 'POST', '/api/v1/cards', { uid: 'A1', userId: user.body.id })).status).toBe(201);
    } finally {
      await s.close();
    }
  });
});
