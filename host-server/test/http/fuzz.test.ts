// A seeded REST fuzz against SQLite and PostgreSQL: random methods, paths, ids, query strings,
// tokens, media types and bodies. No answer may be a 500 (or a dropped connection), every
// refusal has the error shape, and a refused write leaves every table's row count as it was.
// ESPFLEET_FUZZ_SEED replays a failing run.
import { describe, it, expect, afterAll } from 'vitest';
import { start as startServer, rest, postgresReachable, pgSchemaUrl, dropTestSchemas } from '../support.js';
import { signToken } from '../../src/auth/jwt.js';
import { apiRouter, type ApiDeps } from '../../src/http/api.js';
import { tableCounter } from './tables.js';

const pgUp = await postgresReachable();
if (!pgUp && process.env.CI === 'true') throw new Error('PostgreSQL at 127.0.0.1:5432 is not reachable: the server suites must run against it in CI');
const backends = pgUp ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);
afterAll(async () => {
  if (pgUp) await dropTestSchemas();
});

const SEED = Number(process.env.ESPFLEET_FUZZ_SEED ?? 20250911);
const REQUESTS = 400;

/** mulberry32: a small seeded generator, so a run can be replayed. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  return { next, pick, chance: (p: number) => next() < p };
}

const ROUTES = apiRouter({} as ApiDeps).list();
const IDS = ['1', '2', '3', '1', '2', '1', '2', '3', '0', '-1', '999999999', '1000000000', '99999999999', '99999999999999999999999', 'abc', '%E0%A4%A', '%2F', '%00', '1.5', '１', '..', '%', '1e3', '0x10', '%C3%B1'];
const QUERY_KEYS = ['from', 'to', 'before', 'limit', 'stationId', 'token'];
const QUERY_VALUES = ['', '-1', '0', '1', '2', '1000', '1001', '99999999999999999999999', '1e308', 'NaN', '2025-09-11T15:31:00Z', '2025-13-45', 'abc', '%ZZ', '9007199254740993', '1.5'];
const METHODS = ['GET', 'GET', 'POST', 'POST', 'PUT', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];
const FIELDS = ['name', 'id', 'tariff', 'kind', 'status', 'type', 'unit', 'email', 'blocked', 'uid', 'userId', 'maxPowerW', 'maxVoltageV', 'maxCurrentA', '__proto__', 'constructor'];
const VALUES: unknown[] = [
  'x', 'Ana', '', ' ', 'a\u0000b', '\ud800', 'é'.repeat(600), 'x'.repeat(1001), 'CARD-1', 'card-1', 'active', 'desconectado',
  0, 1, 2, 3, -1, 1.5, 999_999_999, 1_000_000_000, 1e300, -1e300, 2 ** 63, Number.MAX_SAFE_INTEGER + 2,
  true, false, null, [], [1], {}, { a: 1 },
];
const TYPES = ['application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', undefined];

type Rng = ReturnType<typeof random>;
const TEMPLATES: Record<string, (r: Rng) => Record<string, unknown>> = {
  'POST /api/v1/devices': () => ({ name: 'D', kind: 'sensor-node' }),
  'PUT /api/v1/devices/:id/status': (r) => ({ status: r.pick(['active', 'offline']) }),
  'POST /api/v1/devices/:id/sensors': (r) => ({ type: r.pick(['t', 'h']), unit: 'u' }),
  'POST /api/v1/stations': (r) => ({ name: 'S', ...(r.chance(0.7) ? { id: r.pick([1, 2, 3, 4, 5, 999_999_999]) } : {}) }),
  'POST /api/v1/users': () => ({ name: 'U' }),
  'PUT /api/v1/users/:id/blocked': (r) => ({ blocked: r.chance(0.5) }),
  'POST /api/v1/cards': (r) => ({ uid: r.pick(['CARD-1', 'card-2', 'CARD-3']), userId: r.pick([1, 2, 3]) }),
};

function requestFor(r: Rng, tokens: string[]) {
  const route = r.pick(ROUTES);
  const method = r.chance(0.8) ? route.method : r.pick(METHODS);
  let path = route.path.replace(/:[a-z]+/g, () => r.pick(IDS));
  if (r.chance(0.05)) path = `/api/v1/${r.pick(['', 'stations/1/x', 'devices//sensors', 'sessions/1/2', '%E0%A4%A', 'users'])}`;
  const query = Array.from({ length: Math.floor(r.next() * 3) }, () => `${r.pick(QUERY_KEYS)}=${r.pick(QUERY_VALUES)}`).join('&');
  // Mostly the operator, whose writes reach the database; the other callers check refusals.
  const token = r.chance(0.7) ? tokens[0] : r.pick(tokens);
  let body: string | undefined;
  if (method !== 'GET' && method !== 'HEAD' && r.chance(0.9)) {
    const kind = r.next();
    if (kind < 0.85) {
      // A valid body for the route, often with a field or two made wrong or added.
      const o: Record<string, unknown> = { ...(TEMPLATES[`${route.method} ${route.path}`]?.(r) ?? {}) };
      for (let i = 0, n = Math.floor(r.next() * 3); i < n; i++) o[r.pick(FIELDS)] = r.pick(VALUES);
      body = JSON.stringify(o);
    } else body = r.pick(['{', 'null', '[]', '"x"', '1', '{"name":', '{"name":"a"}{', '\u0000', '{"id":1e999,"name":"x"}']);
  }
  const type = body === undefined ? undefined : r.chance(0.8) ? 'application/json' : r.pick(TYPES);
  return { method, path: path + (query ? `?${query}` : ''), token, body, type };
}

describe.each(backends)('REST fuzz on %s', (backend) => {
  it(`answers ${REQUESTS} random requests without a 500 or a partial write (seed ${SEED})`, async () => {
    const s = await startServer({ open: false, ...(backend === 'postgres' ? { databaseUrl: pgSchemaUrl() } : {}) });
    const counter = await tableCounter(s);
    try {
      const admin = signToken(s.secret, { sub: 'op', role: 'admin' });
      // Records the random ids can hit, so duplicates and references are exercised.
      for (const id of [1, 2]) await rest(s, 'POST', '/api/v1/stations', { id, name: `E${id}` }, admin);
      const user = (await rest(s, 'POST', '/api/v1/users', { name: 'Ana' }, admin)).body;
      await rest(s, 'POST', '/api/v1/cards', { uid: 'CARD-1', userId: user.id }, admin);
      await s.store.createSession({ stationId: 1, userId: user.id, cardUid: 'CARD-1', startedAt: Date.now() });
      const tokens = [
        admin, admin, admin, '', 'garbage',
        signToken('another-secret', { sub: 'op', role: 'admin' }),
        signToken(s.secret, { sub: 'dash', role: 'client', estacionId: 1 }),
        signToken(s.secret, { sub: 'esp', role: 'publisher', estacionId: 1 }),
        signToken(s.secret, { sub: 'graphs', role: 'sensor' }),
      ];
      const r = random(SEED + (backend === 'postgres' ? 1 : 0));
      const problems: string[] = [];
      for (let i = 0; i < REQUESTS && problems.length < 10; i++) {
        const q = requestFor(r, tokens);
        const write = q.method !== 'GET' && q.method !== 'HEAD';
        const before = write ? await counter.counts() : undefined;
        const what = `#${i} ${q.method} ${q.path} type=${q.type} body=${q.body?.slice(0, 80)}`;
        let res: Response;
        try {
          res = await fetch(s.url + q.path, {
            method: q.method,
            headers: { ...(q.type ? { 'content-type': q.type } : {}), ...(q.token ? { authorization: `Bearer ${q.token}` } : {}) },
            body: q.body,
          });
        } catch (e) {
          problems.push(`${what}: no answer (${(e as Error).message})`);
          continue;
        }
        const text = await res.text();
        if (res.status >= 500) problems.push(`${what}: ${res.status} ${text.slice(0, 200)}`);
        if (res.status >= 400 && q.method !== 'HEAD') {
          let parsed: any;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          if (typeof parsed?.error?.code !== 'string' || typeof parsed?.error?.message !== 'string') problems.push(`${what}: ${res.status} without the error shape: ${text.slice(0, 200)}`);
        }
        if (write && res.status >= 400) {
          const after = await counter.counts();
          if (JSON.stringify(after) !== JSON.stringify(before)) problems.push(`${what}: ${res.status} yet rows changed ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
        }
      }
      expect(problems).toEqual([]);
    } finally {
      await counter.close();
      await s.close();
    }
  }, 120_000);
});
