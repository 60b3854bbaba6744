// `espfleet demo` as a real process: its port from make or the environment, the chargers at
// their stations (each with its own user and card, tapped from the console), the valves
// registered with the host once (the same registration, port and valve across restarts on one
// data directory), and the console's commands.
import { describe, it, expect, onTestFinished } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '@espfleet/host-server';
import { toolsDir } from './support.js';
import { DemoProcess, freePort, type Doc } from './demoProcess.js';

/** A fresh data directory, removed after the test. */
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'espfleet-demo-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function rest(url: string, method = 'GET', body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(url, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
}

describe('espfleet demo port', () => {
  it('make demo PORT=N passes the port on', () => {
    const r = spawnSync('make', ['-n', 'demo', 'PORT=3100'], { cwd: join(toolsDir, '..'), encoding: 'utf8' });
    expect(r.stdout).toMatch(/espfleet\.js demo --port 3100\n/);
    expect(spawnSync('make', ['-n', 'demo'], { cwd: join(toolsDir, '..'), encoding: 'utf8', env: { ...process.env, PORT: '' } }).stdout).toMatch(/espfleet\.js demo *\n/);
  });

  it('takes ESPFLEET_PORT from the environment', async () => {
    const port = await freePort();
    const dir = dataDir();
    const demo = DemoProcess.start(['--valves', '0', '--chargers', '1', '--data-dir', dir], { ESPFLEET_PORT: String(port), PORT: '' });
    try {
      const doc = await demo.next('demo');
      expect(doc.url).toBe(`http://127.0.0.1:${port}`);
      expect((await fetch(`${doc.url}/healthz`)).status).toBe(200);
    } finally {
      expect(await demo.stop()).toBe(0);
    }
  });
});

describe('espfleet demo chargers', () => {
  it('runs the charger firmware at two stations, both disponible; each user’s card, tapped from the console, starts their session', async () => {
    const port = await freePort();
    const dir = dataDir();
    const demo = DemoProcess.start(['--valves', '0', '--chargers', '2', '--port', String(port), '--data-dir', dir]);
    const url = `http://127.0.0.1:${port}`;
    try {
      const doc = await demo.next('demo');
      expect(doc.stations).toEqual([
        { station: 1, name: 'Juan Pérez', card: '04A1B2C3' },
        { station: 2, name: 'María González', card: '04A1B2C5' },
      ]);
      for (const id of [1, 2]) expect((await rest(`${url}/api/v1/stations/${id}`)).body.status).toBe('disponible');

      demo.type('tap 2');
      expect(await demo.next('tap')).toEqual({ type: 'tap', station: 2, card: '04A1B2C5', user: 'María González' });
      await expect.poll(async () => (await rest(`${url}/api/v1/stations/2`)).body.status, { timeout: 15_000, interval: 250 }).toBe('cargando');
      const sessions = (await rest(`${url}/api/v1/sessions?stationId=2`)).body as { items: Array<{ cardUid: string; endedAt: number | null }> };
      expect(sessions.items[0]).toMatchObject({ cardUid: '04A1B2C5', endedAt: null });
      expect((await rest(`${url}/api/v1/stations/1`)).body.status).toBe('disponible');

      demo.type('tap 1');
      await expect.poll(async () => (await rest(`${url}/api/v1/stations/1`)).body.status, { timeout: 15_000, interval: 250 }).toBe('cargando');
      const first = (await rest(`${url}/api/v1/sessions?stationId=1`)).body.items[0];
      expect(first).toMatchObject({ cardUid: '04A1B2C3', endedAt: null });

      const state = await demo.status();
      expect(state.chargers.map((c: Doc) => [c.station, c.relay])).toEqual([[1, true], [2, true]]);

      demo.type('stop 1');
      await expect.poll(async () => (await rest(`${url}/api/v1/sessions/${first.id}`)).body.endReason, { timeout: 15_000, interval: 250 }).toBe('stop-charger');

      demo.type('emergency 2');
      await expect.poll(async () => (await rest(`${url}/api/v1/stations/2`)).body.status, { timeout: 15_000, interval: 250 }).toBe('emergencia');
      demo.type('reset 2');
      await demo.next('reset', (d) => d.station === 2, 15_000);
      expect((await rest(`${url}/api/v1/stations/2`)).body.status).toBe('disponible');

      demo.type('tap 9');
      demo.type('dance');
      await expect.poll(() => demo.stderr, { timeout: 5_000 }).toContain('unknown command \\"dance\\"');
      expect(demo.stderr).toContain('tap N: N is a station from 1 to 2');
    } finally {
      expect(await demo.stop()).toBe(0);
    }
  }, 90_000);
});

describe('espfleet demo valves', () => {
  it('registers each valve with the host once, on a fixed port; the host’s link moves it; a restart finds the same valves', async () => {
    const port = await freePort();
    const dir = dataDir();
    const url = `http://127.0.0.1:${port}`;
    const args = ['--valves', '2', '--chargers', '0', '--port', String(port), '--data-dir', dir];
    // What an earlier demo left: a device standing in for a valve, its angle published by the demo itself.
    const before = await startServer({ port: 0, open: true, dataDir: dir, logLevel: 'silent' });
    const standIn = await before.store.createDevice({ name: 'Simulated valve-1', kind: 'valve', status: 'online' });
    await before.close();
    let demo = DemoProcess.start(args);
    let registered: Doc[];
    try {
      const doc = await demo.next('demo');
      registered = doc.valves;
      expect(registered.map((v) => v.name)).toEqual(['Válvula 1', 'Válvula 2']);
      const listed = (await rest(`${url}/api/v1/valves`)).body as Doc[];
      expect(listed.map((v) => [v.valveId, v.address, v.online])).toEqual(registered.map((v) => [v.valveId, `ws://127.0.0.1:${v.port}/ws`, true]));
      expect((await rest(`${url}/api/v1/devices/${standIn.id}`)).status).toBe(404);
      // The host's link is what moves the valve, and the only thing that does.
      const moved = await rest(`${url}/api/v1/valves/${registered[1].valveId}/angle`, 'POST', { angle: 30 });
      expect(moved.status).toBe(200);
      const state = await demo.status();
      expect(Math.abs(state.valves[1].angle - 30)).toBeLessThanOrEqual(1.5);
      expect(state.valves[0].angle).toBe(0);
    } finally {
      expect(await demo.stop()).toBe(0);
    }

    demo = DemoProcess.start(args);
    try {
      const doc = await demo.next('demo');
      expect(doc.valves).toEqual(registered);
      const listed = (await rest(`${url}/api/v1/valves`)).body as Doc[];
      expect(listed.map((v) => [v.valveId, v.online])).toEqual(registered.map((v) => [v.valveId, true]));
    } finally {
      expect(await demo.stop()).toBe(0);
    }
  }, 90_000);
});
