// REST writes happen whole or not at all, ids are the same on create and read, and malformed
// requests get a 4xx, on SQLite and PostgreSQL.
import { describe, it, expect, afterEach, afterAll } from 'vitest';
import { start as startServer, rest, postgresReachable, pgSchemaUrl, dropTestSchemas } from '../support.js';
import type { ServerConfig } from '../../src/config.js';
import { tableCounter } from './tables.js';

const pgUp = await postgresReachable();
if (!pgUp && process.env.CI === 'true') throw new Error('PostgreSQL at 127.0.0.1:5432 is not reachable: the server suites must run against it in CI');
const backends = pgUp ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);
afterAll(async () => {
  if (pgUp) await dropTestSchemas();
});

describe.each(backends)('REST writes and input on %s', (backend) => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });
  async function server(o: Partial<ServerConfig> = {}) {
    const s = await startServer(backend === 'postgres' ? { databaseUrl: pgSchemaUrl(), ...o } : o);
    closers.push(() => s.close());
    const counter = await tableCounter(s);
    closers.push(() => counter.close());
    return Object.assign(s, { counts: () => counter.counts() });
  }

  it('refuses a duplicate station with 409 and leaves no device or sensor behind', async () => {
    const s = await server();
    expect((await rest(s, 'POST', '/api/v1/stations', { id: 1, name: 'E1' })).status).toBe(201);
    const before = await s.counts();
    const dup = await rest(s, 'POST', '/api/v1/stations', { name: 'x', id: 1 });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('CONFLICT');
    expect(await s.counts()).toEqual(before);
    expect(before).toMatchObject({ devices: 1, sensors: 3, stations: 1 });
  });

  it('creates a station only with an id it can be read and connected by', async () => {
    const s = await server();
    const before = await s.counts();
    for (const id of [99999999999, 1_000_000_000, 0, -1, 1.5, '7']) {
      const r = await rest(s, 'POST', '/api/v1/stations', { name: 'x', id });
      expect(r.status, `id ${id}`).toBe(400);
    }
    expect(await s.counts()).toEqual(before);
    expect((await rest(s, 'POST', '/api/v1/stations', { name: 'last', id: 999_999_999 })).status).toBe(201);
    expect((await rest(s, 'GET', '/api/v1/stations/999999999')).status).toBe(200);
    for (const id of ['0', '1000000000', '99999999999']) expect((await rest(s, 'GET', `/api/v1/stations/${id}`)).status, id).toBe(400);
    // The next automatic id would pass the largest: refused, with nothing left behind.
    const full = await s.counts();
    const r = await rest(s, 'POST', '/api/v1/stations', { name: 'next' });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('ID_SPACE_EXHAUSTED');
    expect(await s.counts()).toEqual(full);
  });

  it('stores a station rating and refuses a rating that is not a positive number', async () => {
    const s = await server();
    const made = await rest(s, 'POST', '/api/v1/stations', { id: 3, name: 'E3', maxPowerW: 7400, maxVoltageV: 250, maxCurrentA: 32 });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ id: 3, status: 'desconectado', maxPowerW: 7400, maxVoltageV: 250, maxCurrentA: 32 });
    expect((await rest(s, 'GET', '/api/v1/stations/3')).body).toMatchObject({ maxPowerW: 7400, maxVoltageV: 250, maxCurrentA: 32 });
    for (const bad of [{ maxPowerW: 0 }, { maxVoltageV: -230 }, { maxCurrentA: '32' }, { maxPowerW: null }]) {
      expect((await rest(s, 'POST', '/api/v1/stations', { name: 'bad', ...bad })).status, JSON.stringify(bad)).toBe(400);
    }
  });

  it('shows a session with its metrics and the readings refused for billing', async () => {
    const s = await server();
    await rest(s, 'POST', '/api/v1/stations', { id: 1, name: 'E1' });
    const user = (await rest(s, 'POST', '/api/v1/users', { name: 'Ana' })).body;
    const session = await s.store.createSession({ stationId: 1, userId: user.id, cardUid: 'C1', startedAt: Date.now() });
    await s.store.addFlaggedMetric({ sessionId: session.id, ts: 2795971000, v: 230, a: 10, w: 2300, energyWh: null, flag: 'TS_AHEAD', receivedAt: Date.now() });
    const got = (await rest(s, 'GET', `/api/v1/sessions/${session.id}`)).body;
    expect(got.metrics).toEqual([]);
    expect(got.flagged).toMatchObject([{ sessionId: session.id, ts: 2795971000, flag: 'TS_AHEAD' }]);
  });

  it('answers malformed paths, queries, bodies and media types with 4xx in the error shape', async () => {
    const s = await server();
    const shape = (r: { body: any }) => expect(r.body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    const path = await rest(s, 'GET', '/api/v1/stations/%E0%A4%A');
    expect(path.status).toBe(400);
    expect(path.body.error.code).toBe('INVALID_PATH');
    for (const q of ['from=99999999999999999999999', 'to=99999999999999999999999', 'from=-5', 'from=1e400', 'stationId=99999999999', 'before=abc']) {
      const r = await rest(s, 'GET', `/api/v1/sessions?${q}`);
      expect(r.status, q).toBe(400);
      shape(r);
    }
    const device = (await rest(s, 'POST', '/api/v1/devices', { name: 'D' })).body;
    const sensor = (await rest(s, 'POST', `/api/v1/devices/${device.id}/sensors`, { type: 't', unit: 'C' })).body;
    expect((await rest(s, 'GET', `/api/v1/sensors/${sensor.id}/readings?from=99999999999999999999999`)).status).toBe(400);

    const before = await s.counts();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', '']) {
      const r = await fetch(`${s.url}/api/v1/users`, { method: 'POST', headers: type ? { 'content-type': type } : {}, body: JSON.stringify({ name: 'Ana' }) });
      expect(r.status, type).toBe(415);
      expect(await r.json()).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    }
    const charset = await fetch(`${s.url}/api/v1/users`, { method: 'POST', headers: { 'content-type': 'Application/JSON; charset=utf-8' }, body: '{"name":"Ana"}' });
    expect(charset.status).toBe(201);
    const nul = await rest(s, 'POST', '/api/v1/users', { name: 'A\u0000na' });
    expect(nul.status).toBe(400);
    expect((await rest(s, 'POST', '/api/v1/cards', { uid: 'X', userId: 2 ** 63 })).status).toBe(400);
    const after = await s.counts();
    expect(after).toEqual({ ...before, users: before.users + 1 });
  });
});

describe('an unexpected failure', () => {
  it('answers 500 with a generic message and a log line, and the server keeps serving', async () => {
    const lines: string[] = [];
    const { pino } = await import('pino');
    const { startServer } = await import('../../src/server.js');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'espfleet-500-'));
    const log = pino({ level: 'error' }, { write: (l: string) => void lines.push(l) });
    const s = await startServer({ port: 0, open: true, dataDir: dir }, log);
    try {
      // The database gone under the server: every query now throws an ordinary Error.
      await s.store.close();
      const r = await rest(s, 'GET', '/api/v1/devices');
      expect(r.status).toBe(500);
      expect(r.body).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'internal server error' } });
      expect(lines.join('')).toMatch(/request failed/);
      expect((await rest(s, 'GET', '/api/v1/stations/%E0%A4%A')).status).toBe(400);
    } finally {
      await s.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
