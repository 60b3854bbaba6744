// The charger backend and dashboard feed, as the seed describes it, over real sockets.
import { describe, it, expect, afterEach, afterAll } from 'vitest';
import { start as startServer, rest, Client, wsUrl, seedStation, postgresReachable, pgSchemaUrl, dropTestSchemas } from '../support.js';
import type { ServerConfig } from '../../src/config.js';
import { signToken } from '../../src/auth/jwt.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const pgUp = await postgresReachable();
if (!pgUp && process.env.CI === 'true') throw new Error('PostgreSQL at 127.0.0.1:5432 is not reachable: the server suites must run against it in CI');
const backends = pgUp ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);
/** The server's clock in the charger's unit: readings must not lie outside the session or far ahead of it. */
const nowS = () => Math.floor(Date.now() / 1000);
/** Hour-long segments on a session started just now: the skew and the allowed gap stretched to fit. */
const hourLong = { chargerClockSkewS: 7200, chargerMaxGapS: 3600 };
afterAll(async () => {
  if (pgUp) await dropTestSchemas();
});

describe.each(backends)('charger backend on %s', (backend) => {
  /** A server on this backend; `databaseUrl` pins a PostgreSQL schema across a restart. */
  const start = (o: Partial<ServerConfig> = {}) => startServer(backend === 'postgres' ? { databaseUrl: pgSchemaUrl(), ...o } : o);
  const servers: Array<{ close(): Promise<void> }> = [];
  const clients: Client[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) await s.close();
  });

  async function server(o = {}) {
    const s = await start(o);
    servers.push(s);
    return s;
  }
  async function client(s: { url: string }, q: string) {
    const c = new Client(wsUrl(s, `/ws?${q}`));
    clients.push(c);
    await c.opened().catch(() => {});
    return c;
  }

  describe('connection', () => {
    it('greets a publisher and a dashboard as the seed shows; sync_request when a dashboard subscribes', async () => {
      const s = await server();
      await seedStation(s);
      const esp = await client(s, 'role=publisher&estacionId=1');
      expect(await esp.type('connected')).toEqual({ type: 'connected', role: 'publisher', estacionId: '1' });
      const dash = await client(s, 'role=client&estacionId=1');
      expect(await dash.type('subscribed')).toEqual({ type: 'subscribed', estacionId: '1' });
      expect(await dash.type('init')).toEqual({ type: 'init', charger: { id: 1, status: 'disponible', session: null } });
      expect(await esp.type('sync_request')).toEqual({ type: 'sync_request', from: 'server' });
      const alias = await client(s, 'type=dashboard&estacionId=1');
      expect(await alias.type('subscribed')).toEqual({ type: 'subscribed', estacionId: '1' });
    });

    it("tells dashboards when their station's charger connects or disconnects, with init as on subscribe", async () => {
      const s = await server();
      await seedStation(s);
      const dash = await client(s, 'role=client&estacionId=1');
      await dash.type('init');
      const esp = await client(s, 'role=publisher&estacionId=1');
      expect(await dash.type('init')).toEqual({ type: 'init', charger: { id: 1, status: 'disponible', session: null } });
      esp.send({ type: 'nfc_scan', nfc_uid: 'VIRTUAL-1-A4F2E8' });
      const sid = (await esp.type('start')).session_id;
      await dash.type('session_started');
      esp.close();
      expect(await dash.type('init')).toMatchObject({ type: 'init', charger: { id: 1, status: 'desconectado', session: { session_id: sid } } });
      const back = await client(s, 'role=publisher&estacionId=1');
      expect(await back.type('start')).toMatchObject({ session_id: sid });
      expect(await back.type('sync_request')).toEqual({ type: 'sync_request', from: 'server', session_id: sid });
      expect(await dash.type('init')).toMatchObject({ type: 'init', charger: { id: 1, status: 'cargando', session: { session_id: sid } } });
    });

    it('closes with 4004, 4006, 4005 and 4003 and their reasons', async () => {
      const s = await server({ open: false });
      await seedStation(s, {}).catch(() => {});
      const admin = signToken(s.secret, { sub: 'op', role: 'admin' });
      await rest(s, 'POST', '/api/v1/stations', { id: 1, name: 'E1' }, admin);
      const pubToken = signToken(s.secret, { sub: 'esp', role: 'publisher', estacionId: 1 });
      expect(await (await client(s, `role=publisher&token=${pubToken}`)).closedWith()).toEqual({ code: 4004, reason: 'Falta estacionId para publisher' });
      expect(await (await client(s, 'role=client')).closedWith()).toEqual({ code: 4006, reason: 'Falta estacionId para client' });
      expect(await (await client(s, 'role=publisher&estacionId=1&token=nope')).closedWith()).toEqual({ code: 4003, reason: 'Token inválido' });
      expect((await (await client(s, 'role=publisher&estacionId=1')).closedWith()).code).toBe(4003);
      const other = signToken(s.secret, { sub: 'esp', role: 'publisher', estacionId: 2 });
      expect((await (await client(s, `role=publisher&estacionId=1&token=${other}`)).closedWith()).code).toBe(4003);
      const ok = await client(s, `role=publisher&estacionId=1&token=${pubToken}`);
      expect((await ok.type('connected')).estacionId).toBe('1');
      const missing = signToken(s.secret, { sub: 'esp', role: 'publisher', estacionId: 99 });
      expect(await (await client(s, `role=publisher&estacionId=99&token=${missing}`)).closedWith()).toEqual({ code: 4005, reason: 'Estacion no encontrada' });
    });
  });

  describe('NFC → session → metrics → stop', () => {
    it('runs the seed flow and bills from the trapezoid of power', async () => {
      const s = await server(hourLong);
      await seedStation(s, { tariff: 7 });
      const esp = await client(s, 'role=publisher&estacionId=1');
      const dash = await client(s, 'role=client&estacionId=1');
      await dash.type('init');
      esp.send({ type: 'nfc_scan', nfc_uid: 'VIRTUAL-1-A4F2E8' });
      const startMsg = await esp.type('start');
      expect(startMsg).toMatchObject({ type: 'start', user_name: 'Juan Pérez' });
      const sid = startMsg.session_id;
      expect(await dash.type('session_started')).toMatchObject({ session_id: sid, charger_id: 1, user_name: 'Juan Pérez' });
      const t0 = nowS();
      esp.send({ type: 'metrics', session_id: sid, v: 220, a: 16, w: 3600, ts: t0 });
      esp.send({ type: 'metrics', session_id: sid, v: 220, a: 16, w: 3600, ts: t0 + 3600 });
      await dash.type('metrics');
      const m2 = await dash.type('metrics');
      expect(m2).toMatchObject({ type: 'metrics', session_id: sid, charger_id: 1, v: 220, a: 16, w: 3600, kwh: 3.6, cost: 25.2 });
      expect(typeof m2.time).toBe('number');
      esp.send({ type: 'stop', session_id: sid });
      expect(await dash.type('session_ended')).toMatchObject({ type: 'session_ended', session_id: sid, charger_id: 1, kwh: 3.6, cost: 25.2 });
      const stored = (await rest(s, 'GET', `/api/v1/sessions/${sid}`)).body;
      expect(stored).toMatchObject({ kwh: 3.6, cost: 25.2, endReason: 'stop-charger' });
      expect(stored.metrics).toHaveLength(2);
    });

    it('bills from the energy register when the charger sends one; replays and late metrics count once', async () => {
      const s = await server();
      await seedStation(s, { tariff: 10 });
      const esp = await client(s, 'role=publisher&estacionId=1');
      const dash = await client(s, 'role=client&estacionId=1');
      esp.send({ type: 'nfc_scan', nfc_uid: 'virtual-1-a4f2e8' });
      const sid = (await esp.type('start')).session_id;
      const m = (ts: number, wh: number) => ({ type: 'metrics', session_id: sid, v: 230, a: 10, w: 2300, ts, energy_wh: wh });
      const t = nowS();
      esp.send(m(t, 500));
      esp.send(m(t + 3, 515));
      esp.send(m(t + 3, 515)); // replay
      esp.send(m(t + 1, 507)); // late
      esp.send(m(t + 6, 530));
      for (let i = 0; i < 4; i++) await dash.type('metrics');
      await new Promise((r) => setTimeout(r, 200));
      expect(dash.received.filter((x) => x.type === 'metrics')).toHaveLength(0);
      const stored = (await rest(s, 'GET', `/api/v1/sessions/${sid}`)).body;
      expect(stored.metrics.map((x: { ts: number }) => x.ts).sort()).toEqual([t, t + 1, t + 3, t + 6]);
      expect(stored.kwh).toBeCloseTo(0.03, 9);
      expect(stored.cost).toBe(0.3);
    });

    it('refuses unknown cards, blocked users and a busy station with an error code', async () => {
      const s = await server();
      await seedStation(s);
      const blocked = (await rest(s, 'POST', '/api/v1/users', { name: 'Ana', blocked: true })).body;
      await rest(s, 'POST', '/api/v1/cards', { uid: 'BLOCKED-CARD', userId: blocked.id });
      const esp = await client(s, 'role=publisher&estacionId=1');
      esp.send({ type: 'nfc_scan', nfc_uid: 'NOPE' });
      expect(await esp.type('error')).toMatchObject({ type: 'error', code: 'UNKNOWN_CARD' });
      esp.send({ type: 'nfc_scan', nfc_uid: 'BLOCKED-CARD' });
      expect(await esp.type('error')).toMatchObject({ code: 'USER_BLOCKED' });
      esp.send({ type: 'nfc_scan', nfc_uid: 'VIRTUAL-1-A4F2E8' });
      await esp.type('start');
      esp.send({ type: 'nfc_scan', nfc_uid: 'VIRTUAL-1-A4F2E8' });
      expect(await esp.type('error')).toMatchObject({ code: 'STATION_BUSY' });
    });

    it('answers malformed, wrongly typed and unknown messages with a Spanish error, and keeps the connection', async () => {
      const s = await server();
      await seedStation(s);
      const esp = await client(s, 'role=publisher&estacionId=1');
      // The decoder's English findings (e.g. "invalid JSON: Unexpected token", "must be an integer") never leak.
      const english = /invalid|unexpected|must|required|unknown type|expected/i;
      esp.send('{not json');
      const notJson = await esp.type('error');
      expect(notJson).toEqual({ type: 'error', code: 'INVALID_MESSAGE', message: 'Mensaje inválido: el mensaje no es JSON válido' });
      esp.send({ type: 'metrics', session_id: 'x', v: 1, a: 1, w: 1, ts: 1 });
      const typed = await esp.type('error');
      expect(typed).toMatchObject({ code: 'INVALID_MESSAGE', message: 'Mensaje inválido: el campo /session_id debe ser un entero mayor o igual que 0' });
      esp.send({ type: 'metrics', session_id: 1, v: 1, a: 1, w: 1 });
      expect((await esp.type('error')).message).toBe('Mensaje inválido: el campo /ts es obligatorio');
      esp.send({ type: 'teleport' });
      const unknown = await esp.type('error');
      expect(unknown.message).toBe('Mensaje inválido: el campo /type no es un tipo de mensaje conocido ("teleport")');
      for (const e of [notJson, typed, unknown]) expect(e.message).not.toMatch(english);
      esp.send({ type: 'metrics', session_id: 999, v: 1, a: 1, w: 1, ts: 1 });
      expect(await esp.type('error')).toMatchObject({ code: 'UNKNOWN_SESSION' });
      const dash = await client(s, 'role=client&estacionId=1');
      dash.send({ type: 'stop' });
      expect(await dash.type('error')).toEqual({ type: 'error', code: 'INVALID_MESSAGE', message: 'Mensaje inválido: el campo /session_id es obligatorio' });
      expect(esp.closed).toBeUndefined();
    });

    it('a dashboard stops the session; with no charger connected it is told "ESP32 no conectado"', async () => {
      const s = await server();
      await seedStation(s);
      const esp = await client(s, 'role=publisher&estacionId=1');
      const dash = await client(s, 'role=client&estacionId=1');
      esp.send({ type: 'nfc_scan', nfc_uid: 'VIRTUAL-1-A4F2E8' });
      const sid = (await esp.type('start')).session_id;
      dash.send({ type: 'stop', session_id: sid });
      expect(await esp.type('stop')).toEqual({ type: 'stop', session_id: sid });
      expect(await dash.type('session_ended')).toMatchObject({ session_id: sid });
      esp.close();
      await esp.closedWith();
      await new Promise((r) => setTimeout(r, 100));
      dash.send({ type: 'stop', session_id: sid });
      expect(await dash.type('error')).toEqual({ type: 'error', message: 'ESP32 no conectado' });
    });

    it('the emergency button ends the session with an alert; the station stays in emergencia until reset', async () => {
      const s = await server();
      await seedStation(s);
      const esp = await client(s, 'role=publisher&estacionId=1');
      const dash = await client(s, 'role=client&estacionId=1');
      esp.send({ type: 'nfc_scan', nfc_uid: 'VIRTUAL-1-A4F2E8' });
      const sid = (await esp.type('start')).session_id;
      esp.send({ type: 'emergency', session_id: sid });
      expect(await dash.type('emergency')).toMatchObject({ type: 'emergency', charger_id: 1, session_id: sid });
      expect(await dash.type('session_ended')).toMatchObject({ session_id: sid });
      esp.send({ type: 'nfc_scan', nfc_uid: 'VIRTUAL-1-A4F2E8' });
      expect(await esp.type('error')).toMatchObject({ code: 'STATION_EMERGENCY' });
      expect((await rest(s, 'POST', '/api/v1/stations/1/reset')).body.status).toBe('disponible');
    });
  });

  describe('resilience', () => {
    it('a session survives a charger reconnect and a server restart', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'espfleet-restart-'));
      const db = backend === 'postgres' ? { databaseUrl: pgSchemaUrl() } : {};
      const first = await start({ dataDir: dir, ...db, ...hourLong });
      await seedStation(first);
      let esp = new Client(wsUrl(first, '/ws?role=publisher&estacionId=1'));
      await esp.opened();
      esp.send({ type: 'nfc_scan', nfc_uid: 'VIRTUAL-1-A4F2E8' });
      const sid = (await esp.type('start')).session_id;
      const t0 = nowS();
      esp.send({ type: 'metrics', session_id: sid, v: 230, a: 10, w: 2000, ts: t0 });
      await new Promise((r) => setTimeout(r, 200));
      esp.close();
      await first.close();
      const second = await start({ dataDir: dir, ...db, ...hourLong });
      servers.push(second);
      esp = new Client(wsUrl(second, '/ws?role=publisher&estacionId=1'));
      clients.push(esp);
      expect(await esp.type('start')).toMatchObject({ session_id: sid, user_name: 'Juan Pérez' });
      // The restarted server asks for what it lacks: the readings after the last one it stored.
      expect(await esp.type('sync_request')).toEqual({ type: 'sync_request', from: 'server', session_id: sid, last_ts: t0 });
      const dash = await client(second, 'role=client&estacionId=1');
      const init = await dash.type('init');
      expect(init.charger).toMatchObject({ id: 1, status: 'cargando', session: { session_id: sid } });
      esp.send({ type: 'metrics', session_id: sid, v: 230, a: 10, w: 2000, ts: t0 + 1800 });
      expect((await dash.type('metrics')).kwh).toBeCloseTo(1.0, 6);
    });

    it('a silent charger is marked desconectado and its session closed with what was metered', async () => {
      const s = await server({ chargerTimeoutMs: 400, ...hourLong });
      await seedStation(s);
      const esp = await client(s, 'role=publisher&estacionId=1');
      const dash = await client(s, 'role=client&estacionId=1');
      esp.send({ type: 'nfc_scan', nfc_uid: 'VIRTUAL-1-A4F2E8' });
      const sid = (await esp.type('start')).session_id;
      const t0 = nowS();
      esp.send({ type: 'metrics', session_id: sid, v: 230, a: 10, w: 3600, ts: t0 });
      esp.send({ type: 'metrics', session_id: sid, v: 230, a: 10, w: 3600, ts: t0 + 1800 });
      const ended = await dash.type('session_ended', 3000);
      expect(ended).toMatchObject({ session_id: sid, kwh: 1.8 });
      expect((await esp.closedWith()).code).toBe(1006);
      expect((await rest(s, 'GET', '/api/v1/stations/1')).body.status).toBe('desconectado');
    });

    it('refuses a message over the size limit with close code 1009', async () => {
      const s = await server({ maxMessageBytes: 1024 });
      await seedStation(s);
      const esp = await client(s, 'role=publisher&estacionId=1');
      esp.send({ type: 'nfc_scan', nfc_uid: 'x'.repeat(5000) });
      expect((await esp.closedWith()).code).toBe(1009);
    });
  });
});
