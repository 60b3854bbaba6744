// The host's valve link against the real valve firmware (firmware/dist/valve.js) running in the
// simulator on the wall clock: registered over REST with its passkey (sealed at rest), linked,
// moved, stopped, switched to schedule and sensor mode; a wrong passkey, a valve that loses
// power mid-move and comes back, and bad requests each get a clear answer.
import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { SimulatedValve, WallClock } from '@espfleet/simulator';
import { startServer, signToken, type EspfleetServer } from '../../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const BUNDLE = readFileSync(join(here, '../../../firmware/dist/valve.js'), 'utf8');
const SECRET = 'valve-test-secret-valve-test-secret';
const PASSKEY = 'bench-passkey-7';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function until<T>(f: () => T | Promise<T>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => ok(port));
    });
  });
}

async function setup(o: { passkey?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'espfleet-valve-link-'));
  const s: EspfleetServer = await startServer({ port: 0, open: false, dataDir: dir, logLevel: 'silent', jwtSecret: SECRET, valveCommandTimeoutMs: 20_000 });
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanup.push(() => s.close());
  // A fixed port: a valve that reboots listens where it listened before, as a real one on its address.
  const valve = new SimulatedValve({ bundle: BUNDLE, clock: new WallClock(), port: await freePort(), passkey: PASSKEY, startAngle: 0 }).start();
  cleanup.push(() => valve.stop());
  await until(() => valve.port, 10_000, 'the valve firmware to listen');
  const token = (role: 'admin' | 'client' | 'sensor') => signToken(SECRET, { sub: 'test', role });
  const rest = async (method: string, path: string, body?: unknown, role: 'admin' | 'client' | 'sensor' = 'admin') => {
    const r = await fetch(s.url + path, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token(role)}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as any };
  };
  const added = await rest('POST', '/api/v1/valves', { name: 'Riego norte', address: `127.0.0.1:${valve.port}`, passkey: o.passkey ?? PASSKEY });
  return { s, valve, rest, added, token };
}

describe('the host’s valve link (real firmware, simulated valve)', () => {
  it('links with the sealed passkey, moves the valve and reports where it is, everywhere', async () => {
    const { s, valve, rest, added, token } = await setup();
    expect(added.status).toBe(201);
    expect(JSON.stringify(added.body)).not.toContain(PASSKEY);
    const id = added.body.valveId;
    const row = await s.store.getValve(id);
    expect(row!.passkeyCipher).not.toContain(PASSKEY);
    expect(row!.address).toBe(`ws://127.0.0.1:${valve.port}/ws`);

    // A sensor-stream subscriber of the valve's device sees it come online and its angle.
    const seen: any[] = [];
    const stream = new WebSocket(`${s.url.replace('http', 'ws')}/ws/device/${added.body.deviceId}/?token=${token('sensor')}`);
    stream.on('message', (d) => seen.push(JSON.parse(d.toString())));
    cleanup.push(() => stream.close());
    await new Promise((r) => stream.once('open', r));

    await until(async () => (await rest('GET', `/api/v1/valves/${id}`, undefined, 'client')).body.online, 15_000, 'the link');
    const moved = await rest('POST', `/api/v1/valves/${id}/angle`, { angle: 45 }, 'client');
    expect(moved.status).toBe(200);
    expect(Math.abs(moved.body.angle - 45)).toBeLessThanOrEqual(1);
    expect(Math.abs(valve.angle - 45)).toBeLessThanOrEqual(1.5);
    expect(moved.body).toMatchObject({ online: true, motion: 'idle', fault: null });

    const opened = await rest('POST', `/api/v1/valves/${id}/open`, undefined, 'client');
    expect(opened.status).toBe(200);
    expect(opened.body).toMatchObject({ angle: 90, isOpen: true });
    const stopped = await rest('POST', `/api/v1/valves/${id}/stop`, undefined, 'client');
    expect(stopped.status).toBe(200);
    expect(stopped.body.motion).toBe('idle');

    const sched = await rest('POST', `/api/v1/valves/${id}/schedule`, { enabled: true, windows: [{ start: '06:30', duration: 20, angle: 60 }] });
    expect(sched.status).toBe(200);
    expect(sched.body.schedule).toBe(true);
    const off = await rest('POST', `/api/v1/valves/${id}/schedule`, { enabled: false });
    expect(off.body.schedule).toBe(false);
    const sensor = await rest('POST', `/api/v1/valves/${id}/sensor`, { enabled: true, threshold: 30.5, angle: 60 });
    expect(sensor.body.sensor).toBe(true);
    expect((await rest('POST', `/api/v1/valves/${id}/sensor`, { enabled: false })).body.sensor).toBe(false);

    await until(() => seen.some((m) => m.type === 'device_status' && m.status === 'online'), 5000, 'device_status online');
    await until(() => seen.some((m) => m.type === 'sensor_data_update' && m.sensor_type === 'angle' && Math.abs(m.value - 90) <= 1), 5000, 'the angle reading');
    const sensors = (await rest('GET', `/api/v1/devices/${added.body.deviceId}/sensors`)).body;
    const angle = sensors.find((x: any) => x.type === 'angle');
    expect((await rest('GET', `/api/v1/sensors/${angle.id}/readings`)).body.items.length).toBeGreaterThan(0);
    // The motor's current, as the valve reports it (its INA219), is a sensor of the valve too.
    expect(typeof moved.body.currentA).toBe('number');
    const current = sensors.find((x: any) => x.type === 'current');
    expect(current).toMatchObject({ unit: 'A' });
    const currents = (await rest('GET', `/api/v1/sensors/${current.id}/readings?limit=1000`)).body.items.map((r: any) => r.value);
    expect(Math.max(...currents)).toBeGreaterThan(0);
  }, 90_000);

  it('a wrong passkey leaves the valve offline; commands answer 503; bad requests 400/404; roles hold', async () => {
    const { rest, added } = await setup({ passkey: 'not-the-passkey' });
    const id = added.body.valveId;
    await new Promise((r) => setTimeout(r, 1500));
    expect((await rest('GET', `/api/v1/valves/${id}`)).body.online).toBe(false);
    const r = await rest('POST', `/api/v1/valves/${id}/open`);
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('VALVE_OFFLINE');
    expect((await rest('POST', `/api/v1/valves/${id}/angle`, { angle: 200 })).status).toBe(400);
    expect((await rest('POST', `/api/v1/valves/${id}/angle`, { angle: 'x' })).status).toBe(400);
    expect((await rest('POST', '/api/v1/valves/987654/open')).status).toBe(404);
    expect((await rest('POST', '/api/v1/valves', { name: 'x', address: '127.0.0.1:1' })).status).toBe(400);
    expect((await rest('POST', '/api/v1/valves', { name: 'x', address: 'http://[bad', passkey: 'p' })).status).toBe(400);
    expect((await rest('POST', '/api/v1/valves', { name: 'x', address: '127.0.0.1:1', passkey: 'p' }, 'client')).status).toBe(403);
    expect((await rest('POST', `/api/v1/valves/${id}/open`, undefined, 'sensor')).status).toBe(403);
    expect((await rest('DELETE', `/api/v1/devices/${added.body.deviceId}`)).status).toBe(409);
    expect((await rest('DELETE', `/api/v1/valves/${id}`)).status).toBe(200);
    expect((await rest('GET', `/api/v1/valves/${id}`)).status).toBe(404);
  }, 60_000);

  it('a valve losing power mid-move: the command fails clearly, the valve goes offline, and the link comes back with it', async () => {
    const { s, valve, rest, added } = await setup();
    const id = added.body.valveId;
    await until(async () => (await rest('GET', `/api/v1/valves/${id}`)).body.online, 15_000, 'the link');
    const move = rest('POST', `/api/v1/valves/${id}/angle`, { angle: 90 });
    await until(() => valve.angle > 10, 10_000, 'the move under way');
    valve.powerCut(3);
    const r = await move;
    expect([503, 504]).toContain(r.status);
    expect(r.body.error.code).toMatch(/VALVE_OFFLINE|VALVE_TIMEOUT/);
    await until(async () => (await s.store.getDevice(added.body.deviceId))?.status === 'offline', 10_000, 'offline');
    await until(async () => (await rest('GET', `/api/v1/valves/${id}`)).body.online, 30_000, 'the link back after the power returns');
    const again = await rest('POST', `/api/v1/valves/${id}/angle`, { angle: 30 });
    expect(again.status).toBe(200);
    expect(Math.abs(again.body.angle - 30)).toBeLessThanOrEqual(1);
  }, 90_000);
});
