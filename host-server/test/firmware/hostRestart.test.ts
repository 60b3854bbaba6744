// The host restarted mid-session under the real charger firmware (simulator, virtual clock):
// the charger holds its readings while the host is away, reconnects to the new process, is asked
// what storage lacks (sync_request) and resends it; the session goes on and ends with every
// reading stored once and the bill what was delivered.
import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { SimulatedCharger, VirtualClock } from '@espfleet/simulator';
import { startServer, signToken, type EspfleetServer } from '../../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const BUNDLE = readFileSync(join(here, '../../../firmware/dist/charger.js'), 'utf8');
const SECRET = 'host-restart-secret-host-restart-secret';
const UID = '04A1B2C3';
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('a host restart mid-session (real charger firmware)', () => {
  it('the session goes on in the new process: every reading stored once, the bill what was delivered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'espfleet-restart-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const port = await new Promise<number>((ok) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as AddressInfo).port;
        srv.close(() => ok(p));
      });
    });
    const boot = () => startServer({ port, host: '127.0.0.1', open: true, dataDir: dir, logLevel: 'silent', jwtSecret: SECRET, chargerClockSkewS: 86_400 });
    let s: EspfleetServer = await boot();
    cleanup.push(() => s.close());
    const admin = signToken(SECRET, { sub: 'test', role: 'admin' });
    const rest = async (method: string, path: string, body?: unknown) =>
      (await (await fetch(s.url + path, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: body === undefined ? undefined : JSON.stringify(body) })).json()) as any;
    await rest('POST', '/api/v1/stations', { id: 1, name: 'Estación 1', tariff: 7 });
    const user = await rest('POST', '/api/v1/users', { name: 'Juan Pérez' });
    await rest('POST', '/api/v1/cards', { uid: UID, userId: user.id });
    const ws = `ws://127.0.0.1:${port}/ws`;
    const dash: any[] = [];
    const watch = () => {
      const d = new WebSocket(`${ws}?role=client&estacionId=1`);
      d.on('message', (m) => dash.push(JSON.parse(m.toString())));
      d.on('error', () => {});
      cleanup.push(() => d.terminate());
    };
    watch();
    const clock = new VirtualClock(Date.now());
    const c = new SimulatedCharger({ id: 'restart-1', bundle: BUNDLE, bundleName: 'charger.js', clock, estacionId: 1, server: ws });
    cleanup.push(() => c.stop());
    c.start();
    const run = async (done: () => boolean, ms: number, what: string) => {
      for (let waited = 0; waited < ms && !done(); waited += 20) {
        await clock.until(done, 20, 20);
        await new Promise((r) => setTimeout(r, 1));
      }
      if (!done()) throw new Error(`${what} not reached; device log:\n` + c.esp.logs.slice(-15).join('\n'));
    };
    await run(() => dash.some((m) => m.type === 'init' && m.charger.status === 'disponible') && c.esp.logs.some((l) => l.includes('PN532 v1.6 ready')), 20_000, 'ready');
    c.placeCard(UID);
    await run(() => dash.some((m) => m.type === 'session_started'), 5000, 'session_started');
    const sid = dash.find((m) => m.type === 'session_started').session_id;
    await clock.advanceAsync(60_000, 20);

    // The host goes away for 45 s of the charger's time, then a new process on the same data.
    await s.close();
    await clock.advanceAsync(45_000, 50);
    s = await boot();
    dash.length = 0;
    watch();
    // The station is `cargando` in storage at once; the charger itself comes back after its backoff.
    const before = c.esp.logs.filter((l) => l.includes('connected to the server')).length;
    await run(() => c.esp.logs.filter((l) => l.includes('connected to the server')).length > before, 120_000, 'the charger back on the new host');
    expect((await s.chargers.snapshot(1))?.connected).toBe(true);
    await clock.advanceAsync(30_000, 20);
    c.pressStop();
    await run(() => dash.some((m) => m.type === 'session_ended'), 10_000, 'session_ended');

    // Held readings may still be on their way after the stop (the stop overtakes them): wait until
    // the stored readings cover the session up to the stop.
    const stopTs = Math.floor(clock.now() / 1000);
    let session = await rest('GET', `/api/v1/sessions/${sid}`);
    for (let i = 0; i < 100 && (session.metrics.length === 0 || session.metrics.at(-1).ts < stopTs - 3 || session.metrics.length < 40); i++) {
      await clock.advanceAsync(200, 20);
      session = await rest('GET', `/api/v1/sessions/${sid}`);
    }
    const ts = session.metrics.map((m: { ts: number }) => m.ts);
    // A reading every 3 s from the start to the STOP — those of the outage resent — none twice.
    expect(new Set(ts).size).toBe(ts.length);
    for (let i = 1; i < ts.length - 1; i++) expect(ts[i] - ts[i - 1]).toBe(3);
    expect(ts.length).toBeGreaterThan(40);
    expect(session.flagged).toEqual([]);
    const delivered = c.ev.energyWh / 1000;
    expect(Math.abs(session.kwh - delivered) / delivered).toBeLessThan(0.01);
    expect((await rest('GET', '/api/v1/sessions?stationId=1')).items).toHaveLength(1);
  }, 120_000);
});
