// The real charger firmware (firmware/dist/charger.js) on simulated hardware, on the virtual
// clock, against the real host server (SQLite) started here: the proof, step by step.
import { describe, it, expect, afterEach, afterAll, beforeAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { VirtualClock, SimulatedCharger } from '@espfleet/simulator';
import { startServer, signToken, type EspfleetServer } from '../../src/index.js';
import { postgresReachable, pgSchemaUrl, dropTestSchemas } from '../support.js';

const here = dirname(fileURLToPath(import.meta.url));
const BUNDLE = join(here, '../../../firmware/dist/charger.js');
const UID = '04A1B2C3';
const SECRET = 'test-secret-test-secret-test-secret';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const pgUp = await postgresReachable();
if (!pgUp && process.env.CI === 'true') throw new Error('PostgreSQL at 127.0.0.1:5432 is not reachable: the charger suite must run against it in CI');
const backends = pgUp ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);
afterAll(async () => {
  if (pgUp) await dropTestSchemas();
});
/** The database of the suite being run (set by each backend's describe block). */
let backend: 'sqlite' | 'postgres' = 'sqlite';

async function server(o: { open?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'espfleet-fw-charger-'));
  // Device time runs ahead of the server's wall clock on the virtual clock: allow for it.
  const s: EspfleetServer = await startServer({
    port: 0, open: o.open ?? true, dataDir: dir, logLevel: 'silent', chargerClockSkewS: 86_400, jwtSecret: SECRET,
    ...(backend === 'postgres' ? { databaseUrl: pgSchemaUrl() } : {}),
  });
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanup.push(() => s.close());
  const admin = signToken(SECRET, { sub: 'test', role: 'admin' });
  const rest = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(s.url + path, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await r.json()) as any;
  };
  await rest('POST', '/api/v1/stations', { id: 1, name: 'Estación 1', tariff: 7 });
  const user = await rest('POST', '/api/v1/users', { name: 'Juan Pérez', blocked: false });
  await rest('POST', '/api/v1/cards', { uid: UID, userId: user.id });
  return { s, rest, ws: s.url.replace(/^http/, 'ws') + '/ws' };
}

function dashboard(url: string) {
  const got: any[] = [];
  const ws = new WebSocket(url + '?role=client&estacionId=1');
  ws.on('message', (d) => got.push(JSON.parse(d.toString())));
  cleanup.push(() => ws.close());
  return { ws, got, of: (type: string) => got.filter((m) => m.type === type) };
}

function charger(ws: string, o: { token?: string; clock?: VirtualClock; config?: Record<string, unknown> } = {}) {
  const clock = o.clock ?? new VirtualClock(Date.now());
  const c = new SimulatedCharger({ id: 'charger-fw', bundle: readFileSync(BUNDLE, 'utf8'), bundleName: 'charger.js', clock, estacionId: 1, server: ws, token: o.token, config: o.config });
  deviceLogs = c.esp.logs;
  cleanup.push(() => c.stop());
  return { c, clock, logs: c.esp.logs };
}

/** Lets device time pass until `done` holds, real I/O flowing in between. */
let deviceLogs: string[] = [];
async function until(clock: VirtualClock, done: () => boolean, maxMs: number): Promise<void> {
  // Device time runs at most 20× real time here, so the server's own I/O (a PostgreSQL round
  // trip takes real milliseconds) keeps pace with the device as it would on a real network.
  for (let waited = 0; waited < maxMs; waited += 20) {
    if (await clock.until(done, 20, 20)) return;
    await new Promise((r) => setTimeout(r, 1));
  }
  if (!done()) throw new Error('condition not met; device log:\n' + deviceLogs.slice(-25).join('\n'));
}

describe.each(backends)('charger firmware against the host server on %s', (db) => {
  beforeAll(() => {
    backend = db;
  });

  it('has the built firmware to run (npm run build -w @espfleet/firmware)', () => {
    expect(existsSync(BUNDLE)).toBe(true);
  });

  it('card → nfc_scan → start → relay closed → metrics every 3 s matching the load → STOP: kWh as delivered', async () => {
    const { rest, ws } = await server();
    const d = dashboard(ws);
    const { c, clock, logs } = charger(ws);
    c.start();
    await until(clock, () => d.of('init').some((m) => m.charger.status === 'disponible') && logs.some((l) => l.includes('PN532 v1.6 ready')), 20_000);
    c.placeCard(UID);
    await until(clock, () => c.relayClosed, 5_000);
    await until(clock, () => d.of('session_started').length === 1, 5_000);
    const sid = d.of('session_started')[0].session_id;
    // Five minutes: long enough that session_ended's kWh, rounded to 3 decimals, is not what decides 1 %.
    await clock.advanceAsync(300_000, 20);
    await until(clock, () => d.of('metrics').length >= 100, 5_000);
    const m = d.of('metrics');
    for (let i = 1; i < m.length; i++) expect(m[i].time - m[i - 1].time).toBe(3);
    for (const x of m.slice(3)) {
      // 16 A ± the vehicle's noise and the INA226's 1 mA; 230 V ± 4σ of mains noise; w from the power register.
      expect(Math.abs(x.a - 16)).toBeLessThan(0.1);
      expect(Math.abs(x.v - 230)).toBeLessThan(4); // mains noise is gaussian with σ = 1 V
      expect(Math.abs(x.w - x.v * x.a) / x.w).toBeLessThan(0.01);
    }
    c.pressStop();
    await until(clock, () => !c.relayClosed, 2_000);
    await until(clock, () => d.of('session_ended').length === 1, 5_000);
    const delivered = c.ev.energyWh / 1000;
    const session = await rest('GET', `/api/v1/sessions/${sid}`);
    expect(session.endReason).toBe('stop-charger');
    expect(Math.abs(d.of('session_ended')[0].kwh - delivered) / delivered).toBeLessThan(0.01);
    expect(Math.abs(session.kwh - delivered) / delivered).toBeLessThan(0.01);
    expect(session.flagged).toEqual([]);
  });

  /** Boots the charger, waits for it to be connected and ready, and starts a session with the card. */
  async function charging() {
    const srv = await server();
    const d = dashboard(srv.ws);
    const ch = charger(srv.ws);
    const { c, clock, logs } = ch;
    c.start();
    await until(clock, () => d.of('init').some((m) => m.charger.status === 'disponible') && logs.some((l) => l.includes('PN532 v1.6 ready')), 20_000);
    c.placeCard(UID);
    await until(clock, () => c.relayClosed && d.of('session_started').length === 1, 5_000);
    return { ...srv, ...ch, d, sid: d.of('session_started')[0].session_id as number };
  }

  it('STOP from the dashboard opens the relay', async () => {
    const { c, clock, d, sid } = await charging();
    await clock.advanceAsync(10_000, 20);
    d.ws.send(JSON.stringify({ type: 'stop', session_id: sid }));
    await until(clock, () => !c.relayClosed, 5_000);
    await until(clock, () => d.of('session_ended').length === 1, 5_000);
  });

  it('emergency: the relay is open before the message leaves; cards are refused until the reset', async () => {
    const { c, clock, d, logs } = await charging();
    await clock.advanceAsync(6_000, 20);
    let alertsWhenOpened = -1;
    c.on('relay', (closed: boolean) => {
      if (!closed) alertsWhenOpened = d.of('emergency').length;
    });
    c.pressEmergency();
    await until(clock, () => d.of('emergency').length === 1, 5_000);
    expect(alertsWhenOpened).toBe(0);
    expect(d.of('emergency')[0].session_id).toBe(d.of('session_started')[0].session_id);
    c.removeCard();
    await clock.advanceAsync(2_000, 20);
    c.placeCard(UID);
    await clock.advanceAsync(2_000, 20);
    expect(logs.some((l) => l.includes('ignored: emergency lockout'))).toBe(true);
    expect(c.relayClosed).toBe(false);
  });

  it('WiFi lost for 5 minutes mid-session: every held reading arrives once, in order, and the bill is what was delivered', async () => {
    const { c, clock, d, rest, sid } = await charging();
    await clock.advanceAsync(30_000, 20);
    c.wifiLoss(300);
    await clock.advanceAsync(300_000, 50);
    await until(clock, () => d.of('init').some((m) => m.charger.status === 'cargando'), 90_000);
    await clock.advanceAsync(20_000, 20);
    c.pressStop();
    await until(clock, () => d.of('session_ended').length === 1, 10_000);
    const session = await rest('GET', `/api/v1/sessions/${sid}`);
    const ts = session.metrics.map((m: { ts: number }) => m.ts);
    // One reading every 3 s from the start to the STOP, none missing or twice; plus the last at the STOP.
    for (let i = 1; i < ts.length - 1; i++) expect(ts[i] - ts[i - 1]).toBe(3);
    expect(ts.length).toBeGreaterThan(110);
    expect(session.flagged).toEqual([]);
    const delivered = c.ev.energyWh / 1000;
    expect(Math.abs(session.kwh - delivered) / delivered).toBeLessThan(0.01);
  });

  it('power cut mid-session: the relay stays open after reboot, the held queue is delivered and the session stopped', async () => {
    const { c, clock, d, rest, sid, logs } = await charging();
    await clock.advanceAsync(15_000, 20);
    c.wifiLoss(60);
    await clock.advanceAsync(20_000, 20);
    c.powerCut(5);
    await clock.advanceAsync(6_000, 20);
    expect(c.running).toBe(true);
    expect(c.relayClosed).toBe(false);
    await until(clock, () => d.of('session_ended').length === 1, 120_000);
    expect(c.relayClosed).toBe(false);
    // The stop overtook the held readings in the server's queue; they are stored just after.
    let session = await rest('GET', `/api/v1/sessions/${sid}`);
    for (let i = 0; i < 50 && session.metrics.length < 12; i++) {
      await clock.advanceAsync(200, 20);
      session = await rest('GET', `/api/v1/sessions/${sid}`);
    }
    expect(session.endReason).toBe('stop-charger');
    const ts = session.metrics.map((m: { ts: number }) => m.ts);
    for (let i = 1; i < ts.length; i++) expect(ts[i] - ts[i - 1]).toBe(3);
    expect(ts.length).toBe(12); // 35 s of readings, those of the 20 s offline kept in Storage through the cut
    expect(logs.some((l) => l.includes('start for session ' + sid + ' ignored'))).toBe(true);
  });

  it('INA226 fault: the relay opens and the session stops; garbled NFC frames are ignored', async () => {
    const { c, clock, d, logs } = await charging();
    await clock.advanceAsync(5_000, 20);
    c.inaFault(true);
    await until(clock, () => !c.relayClosed, 3_000);
    await until(clock, () => d.of('session_ended').length === 1, 5_000);
    expect(logs.some((l) => l.includes("INA226 fault: jshI2CWrite: slave doesn't ACK"))).toBe(true);
    c.inaFault(false);
    c.removeCard();
    await clock.advanceAsync(3_000, 20);
    c.garbleNfc();
    c.placeCard('04112233445566');
    // The first answer fails its checksum and is dropped; the next poll reads the 7-byte card: one scan.
    await until(clock, () => logs.some((l) => l.includes('UNKNOWN_CARD: Tarjeta 04112233445566')), 5_000);
    await clock.advanceAsync(3_000, 20);
    expect(logs.filter((l) => l.includes('UNKNOWN_CARD')).length).toBe(1);
    expect(logs.filter((l) => l.startsWith('Uncaught'))).toEqual([]);
  });

  it('a wrong token is answered with 4003, reported, and retried with backoff', async () => {
    const srv = await server({ open: false });
    const { c, clock, logs } = charger(srv.ws, { token: 'not-a-token' });
    c.start();
    await clock.advanceAsync(60_000, 50);
    const refused = logs.filter((l) => l.includes('server refused the connection: 4003'));
    expect(refused.length).toBeGreaterThanOrEqual(3);
    // 1 s, then about 1–2, 2–4, 4–8, 8–16, 16–32 s: a handful of attempts in a minute, not a loop.
    expect(refused.length).toBeLessThanOrEqual(7);
  });
});
