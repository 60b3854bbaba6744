// Sensor streams over real sockets, and the seed's own clients: its Python example (the real
// websocket-client package), its JavaScript example and its wscat commands.
import { describe, it, expect, afterEach } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { start, rest, Client, wsUrl, seedStation } from '../support.js';

const here = dirname(fileURLToPath(import.meta.url));
const servers: Array<{ close(): Promise<void> }> = [];
const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close();
});

async function setup() {
  const s = await start();
  servers.push(s);
  const device = (await rest(s, 'POST', '/api/v1/devices', { name: 'Hydroponic System 1' })).body;
  const sensor = (await rest(s, 'POST', `/api/v1/devices/${device.id}/sensors`, { type: 'temperature', unit: 'celsius' })).body;
  const other = (await rest(s, 'POST', `/api/v1/devices/${device.id}/sensors`, { type: 'humidity', unit: '%' })).body;
  return { s, device, sensor, other };
}
async function client(s: { url: string }, path: string) {
  const c = new Client(wsUrl(s, path));
  clients.push(c);
  await c.opened();
  return c;
}

describe('sensor streams', () => {
  it('stores a reading and fans it out to the all-sensors, device and sensor streams', async () => {
    const { s, device, sensor, other } = await setup();
    const all = await client(s, '/ws/sensor-data/');
    const dev = await client(s, `/ws/device/${device.id}/`);
    const sen = await client(s, `/ws/sensor/${sensor.id}/`);
    const otherSen = await client(s, `/ws/sensor/${other.id}/`);
    all.send({ type: 'sensor_data', sensor_id: sensor.id, value: 25.5, timestamp: '2025-09-11T15:30:00Z' });
    const expected = {
      type: 'sensor_data_update',
      sensor_id: sensor.id,
      sensor_type: 'temperature',
      device_id: device.id,
      device_name: 'Hydroponic System 1',
      value: 25.5,
      unit: 'celsius',
      timestamp: '2025-09-11T15:30:00Z',
    };
    expect(await all.type('sensor_data_update')).toEqual(expected);
    expect(await dev.type('sensor_data_update')).toEqual(expected);
    expect(await sen.type('sensor_data_update')).toEqual(expected);
    await new Promise((r) => setTimeout(r, 100));
    expect(otherSen.received).toEqual([]);
    const history = (await rest(s, 'GET', `/api/v1/sensors/${sensor.id}/readings`)).body;
    expect(history.items).toEqual([expect.objectContaining({ sensorId: sensor.id, value: 25.5, ts: Date.parse('2025-09-11T15:30:00Z') })]);
  });

  it('ingests from device and sensor paths too; a reading without a timestamp gets the server time', async () => {
    const { s, device, sensor } = await setup();
    const dev = await client(s, `/ws/device/${device.id}/`);
    const before = Date.now();
    dev.send({ type: 'sensor_data', sensor_id: sensor.id, value: 1 });
    const u = await dev.type('sensor_data_update');
    expect(Date.parse(u.timestamp)).toBeGreaterThanOrEqual(before - 5);
  });

  it('answers bad input with the seed\'s error format, and stays connected', async () => {
    const { s } = await setup();
    const c = await client(s, '/ws/sensor-data/');
    c.send('{oops');
    expect(await c.type('error')).toMatchObject({ type: 'error', code: 'INVALID_JSON' });
    c.send({ type: 'sensor_data', sensor_id: 999, value: 1 });
    expect(await c.type('error')).toEqual({ type: 'error', message: 'Sensor 999 not found', code: 'SENSOR_NOT_FOUND' });
    c.send({ type: 'sensor_data', sensor_id: 1, value: 'hot' });
    expect(await c.type('error')).toEqual({ type: 'error', message: '/value must be a number', code: 'INVALID_MESSAGE' });
    c.send({ type: 'sensor_reading' });
    expect(await c.type('error')).toEqual({ type: 'error', message: '/type Unknown type: sensor_reading', code: 'UNKNOWN_TYPE' });
    expect(c.closed).toBeUndefined();
  });

  it('sends device_status when a device changes status', async () => {
    const { s, device } = await setup();
    const all = await client(s, '/ws/sensor-data/');
    const dev = await client(s, `/ws/device/${device.id}/`);
    await rest(s, 'PUT', `/api/v1/devices/${device.id}/status`, { status: 'active' });
    for (const c of [all, dev]) {
      expect(await c.type('device_status')).toMatchObject({ type: 'device_status', device_id: device.id, device_name: 'Hydroponic System 1', status: 'active' });
    }
    await rest(s, 'PUT', `/api/v1/devices/${device.id}/status`, { status: 'active' });
    await new Promise((r) => setTimeout(r, 100));
    expect(all.received.filter((m) => m.type === 'device_status')).toHaveLength(0);
  });

  it('publishes charger power, voltage and current as sensors of the station\'s device', async () => {
    const s = await start();
    servers.push(s);
    const { station } = await seedStation(s);
    const all = await client(s, '/ws/sensor-data/');
    const esp = await client(s, '/ws?role=publisher&estacionId=1');
    expect(await all.type('device_status')).toMatchObject({ device_id: station.deviceId, status: 'disponible' });
    esp.send({ type: 'nfc_scan', nfc_uid: 'VIRTUAL-1-A4F2E8' });
    const sid = (await esp.type('start')).session_id;
    // A reading of the session just started: its ts is the server's now (older ones are refused).
    esp.send({ type: 'metrics', session_id: sid, v: 220.5, a: 16.2, w: 3572.1, ts: Math.floor(Date.now() / 1000) });
    const got = [await all.type('sensor_data_update'), await all.type('sensor_data_update'), await all.type('sensor_data_update')];
    expect(got.map((u) => [u.sensor_type, u.value, u.unit]).sort()).toEqual([['current', 16.2, 'A'], ['power', 3572.1, 'W'], ['voltage', 220.5, 'V']]);
    expect(got[0].device_id).toBe(station.deviceId);
  });

  it('pages history by time range', async () => {
    const { s, sensor } = await setup();
    const c = await client(s, '/ws/sensor-data/');
    for (let i = 0; i < 5; i++) c.send({ type: 'sensor_data', sensor_id: sensor.id, value: i, timestamp: `2025-09-11T15:3${i}:00Z` });
    for (let i = 0; i < 5; i++) await c.type('sensor_data_update');
    const q = `/api/v1/sensors/${sensor.id}/readings?from=2025-09-11T15:31:00Z&to=2025-09-11T15:34:00Z&limit=2`;
    const p1 = (await rest(s, 'GET', q)).body;
    expect(p1.items.map((r: { value: number }) => r.value)).toEqual([4, 3]);
    const p2 = (await rest(s, 'GET', `${q}&before=${p1.next}`)).body;
    expect(p2.items.map((r: { value: number }) => r.value)).toEqual([2, 1]);
    expect((await rest(s, 'GET', `/api/v1/sensors/${sensor.id}/readings?limit=0`)).status).toBe(400);
  });
});

// The seeds' examples are kept verbatim beside the tests (CI has ../shared too; then they must match).
const fixtures = join(here, '..', 'fixtures', 'seeds');
const shared = join(here, '..', '..', '..', '..', 'shared', 'seeds');
const seedText = (name: string) => readFileSync(join(fixtures, name), 'utf8');

describe('the seed\'s own clients, unchanged', () => {
  it('are copied verbatim from the seeds', () => {
    for (const name of ['sensor-streams-websocket.md', 'charger-and-dashboard-websocket.md']) {
      if (existsSync(join(shared, name))) expect(seedText(name)).toBe(readFileSync(join(shared, name), 'utf8'));
    }
  });
  const seed = seedText('sensor-streams-websocket.md');
  const block = (lang: string) => /```(\w+)\n([\s\S]*?)```/g;
  const code = (lang: string) => [...seed.matchAll(block(lang))].find((m) => m[1] === lang)![2];

  it('the Python example (websocket-client) connects, sends and receives', async () => {
    const { s, sensor } = await setup();
    expect(sensor.id).toBe(1);
    const port = new URL(s.url).port;
    const py = code('python').replace('ws://127.0.0.1:8000', `ws://127.0.0.1:${port}`);
    const p = spawn('/usr/bin/python3', ['-u', '-c', py]);
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    const end = Date.now() + 10_000;
    while (!out.includes("'sensor_data_update'") && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    p.kill();
    expect(out).toContain('Connection opened');
    expect(out).toContain("Received: {'type': 'sensor_data_update', 'sensor_id': 1, 'sensor_type': 'temperature'");
  });

  it('the JavaScript example runs as written, statement by statement as typed into a console', async () => {
    const { s } = await setup();
    const js = code('javascript').replace('ws://127.0.0.1:8000', wsUrl(s, ''));
    // The example sends right after constructing the socket, which a browser also refuses while
    // CONNECTING; typed into a console, the send runs once the socket is open. So: two steps.
    const [connectPart, sendPart] = js.split('// Send sensor data');
    const logs: unknown[][] = [];
    const fakeConsole = { log: (...a: unknown[]) => logs.push(a) };
    const socket = new Function('WebSocket', 'console', connectPart + '\nreturn socket;')(WebSocket, fakeConsole) as WebSocket;
    const wait = async (f: () => boolean) => {
      const end = Date.now() + 5000;
      while (!f() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    };
    await wait(() => logs.length > 0);
    expect(logs[0]).toEqual(['WebSocket connected']);
    new Function('socket', sendPart)(socket);
    await wait(() => logs.some((l) => l[0] === 'Received:'));
    expect(logs.find((l) => l[0] === 'Received:')![1]).toMatchObject({ type: 'sensor_data_update', sensor_id: 1, value: 25.5 });
    socket.close();
  });

  it('the wscat commands of the charger seed subscribe and publish', async () => {
    const s = await start();
    servers.push(s);
    await seedStation(s);
    const port = new URL(s.url).port;
    const charger = seedText('charger-and-dashboard-websocket.md');
    const cmds = [...charger.matchAll(/wscat -c "([^"]+)"/g)].map((m) => m[1].replace('localhost:3000', `127.0.0.1:${port}`));
    expect(cmds).toHaveLength(2);
    const wscat = join(here, '..', '..', '..', 'node_modules', '.bin', 'wscat');
    for (const [url, expected] of [[cmds[0], '{"type":"subscribed","estacionId":"1"}'], [cmds[1], '{"type":"connected","role":"publisher","estacionId":"1"}']]) {
      const p = spawn(wscat, ['-c', url]);
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      const end = Date.now() + 8000;
      while (!out.includes(expected) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      p.kill();
      expect(out).toContain(expected);
    }
  });
});
