// The whole chain with the real firmware in the simulator and the real services: a card on the
// charger → host → dashboard, MQTT (the machine's Mosquitto) and Socket.io subscribers, the bill
// the same everywhere; and a valve commanded over MQTT → host → valve.
import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import mqtt from 'mqtt';
import { io } from 'socket.io-client';
import { SimulatedCharger, SimulatedValve, VirtualClock, WallClock } from '@espfleet/simulator';
import { startServer, signToken } from '../../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const fw = (app: string) => readFileSync(join(here, `../../../firmware/dist/${app}.js`), 'utf8');
const MQTT_URL = 'mqtt://127.0.0.1:1883';
const SECRET = 'whole-chain-secret-whole-chain-secret';
const UID = '04A1B2C3';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function brokerUp(): Promise<boolean> {
  try {
    const c = await mqtt.connectAsync(MQTT_URL, { connectTimeout: 2000, reconnectPeriod: 0 });
    await c.endAsync();
    return true;
  } catch {
    return false;
  }
}
const up = await brokerUp();
if (!up && process.env.CI === 'true') throw new Error(`Mosquitto at ${MQTT_URL} is not reachable: the whole-chain test must run against it in CI`);

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'espfleet-chain-'));
  const prefix = `espfleet-chain-${randomBytes(4).toString('hex')}`;
  const s = await startServer({
    port: 0, open: true, dataDir: dir, logLevel: 'silent', jwtSecret: SECRET, chargerClockSkewS: 86_400,
    mqttUrl: MQTT_URL, mqttPrefix: prefix, mqttDiscoveryPrefix: `${prefix}-ha`,
  });
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanup.push(() => s.close());
  const admin = signToken(SECRET, { sub: 'test', role: 'admin' });
  const rest = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(s.url + path, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: body === undefined ? undefined : JSON.stringify(body) });
    return (await r.json()) as any;
  };
  // An independent subscriber of everything the bridge publishes; retained topics cleared after.
  const sub = await mqtt.connectAsync(MQTT_URL, { reconnectPeriod: 0 });
  const got: Array<{ topic: string; text: string; retain: boolean }> = [];
  sub.on('message', (topic, payload, packet) => got.push({ topic, text: payload.toString(), retain: packet.retain }));
  await sub.subscribeAsync([`${prefix}/#`, `${prefix}-ha/#`]);
  cleanup.push(async () => {
    for (const t of new Set(got.filter((g) => g.text !== '').map((g) => g.topic))) await sub.publishAsync(t, '', { retain: true });
    await sub.endAsync();
  });
  return { s, rest, prefix, got, ws: s.url.replace(/^http/, 'ws') + '/ws', publish: (t: string, p: string) => sub.publishAsync(t, p) };
}

async function eventually<T>(f: () => T | undefined | false, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!up)('the whole chain', () => {
  it('card → charger → host → dashboard, MQTT and Socket.io: the same session and the same kWh everywhere', async () => {
    const { s, rest, prefix, got, ws } = await setup();
    const station = await rest('POST', '/api/v1/stations', { id: 1, name: 'Estación 1', tariff: 7 });
    const user = await rest('POST', '/api/v1/users', { name: 'Juan Pérez' });
    await rest('POST', '/api/v1/cards', { uid: UID, userId: user.id });
    const key = await rest('POST', `/api/v1/devices/${station.deviceId}/api-keys`, { name: 'chain' });

    const events: Array<{ event: string; data: any }> = [];
    const gw = io(`${s.url}/device/${station.deviceId}`, { path: '/ws', query: { apiKey: key.apiKey }, reconnection: false, forceNew: true });
    gw.onAny((event, data) => events.push({ event, data }));
    cleanup.push(() => gw.close());
    await new Promise<void>((ok) => gw.once('connect', () => ok()));

    const dash: any[] = [];
    const d = new WebSocket(`${ws}?role=client&estacionId=1`);
    d.on('message', (m) => dash.push(JSON.parse(m.toString())));
    cleanup.push(() => d.close());

    const clock = new VirtualClock(Date.now());
    const c = new SimulatedCharger({ id: 'chain-1', bundle: fw('charger'), bundleName: 'charger.js', clock, estacionId: 1, server: ws });
    cleanup.push(() => c.stop());
    c.start();
    const run = async (done: () => boolean, ms: number) => {
      for (let waited = 0; waited < ms && !done(); waited += 20) {
        await clock.until(done, 20, 20);
        await new Promise((r) => setTimeout(r, 1));
      }
      if (!done()) throw new Error('not reached; device log:\n' + c.esp.logs.slice(-15).join('\n'));
    };
    await run(() => dash.some((m) => m.type === 'init' && m.charger.status === 'disponible') && c.esp.logs.some((l) => l.includes('PN532 v1.6 ready')), 20_000);
    c.placeCard(UID);
    await run(() => dash.some((m) => m.type === 'session_started'), 5000);
    const sid = dash.find((m) => m.type === 'session_started').session_id;
    await clock.advanceAsync(120_000, 20);
    c.pressStop();
    await run(() => dash.some((m) => m.type === 'session_ended'), 5000);
    const ended = dash.find((m) => m.type === 'session_ended');
    const delivered = c.ev.energyWh / 1000;
    expect(Math.abs(ended.kwh - delivered) / delivered).toBeLessThan(0.01);

    // MQTT: the session's start and end with the same kWh, the station's retained readings and status, discovery.
    const sessionEvents = await eventually(() => {
      const xs = got.filter((g) => g.topic === `${prefix}/station-1/session`).map((g) => JSON.parse(g.text));
      return xs.some((x) => x.event === 'ended') && xs;
    }, 5000, 'the session events on MQTT');
    expect(sessionEvents.find((x) => x.event === 'started')).toMatchObject({ sessionId: sid });
    expect(sessionEvents.find((x) => x.event === 'ended')).toMatchObject({ sessionId: sid, kwh: ended.kwh });
    const energy = got.filter((g) => g.topic === `${prefix}/station-1/energy`).map((g) => Number(g.text));
    expect(energy.at(-1)).toBeCloseTo(ended.kwh, 3);
    expect(got.some((g) => g.topic === `${prefix}/station-1/power` && Number(g.text) > 3000)).toBe(true);
    const discovery = got.find((g) => g.topic === `${prefix}-ha/sensor/espfleet_station_1_energy/config`);
    expect(JSON.parse(discovery!.text)).toMatchObject({ device_class: 'energy', state_class: 'total_increasing', unit_of_measurement: 'kWh' });

    // Socket.io: the charger's lifecycle and its messages, the card and the stop among them.
    await eventually(() => events.some((e) => e.event === 'message' && e.data.message.type === 'stop'), 5000, 'the stop on the gateway');
    expect(events.some((e) => e.event === 'message' && e.data.message.type === 'nfc_scan' && e.data.message.nfc_uid === UID)).toBe(true);
    expect(events.some((e) => e.event === 'state' && e.data.status === 'cargando')).toBe(true);
    expect(events.filter((e) => e.event === 'message' && e.data.message.type === 'metrics').length).toBeGreaterThan(30);

    // Stored once: one session, billed what the dashboard showed.
    const sessions = await rest('GET', '/api/v1/sessions?stationId=1');
    expect(sessions.items).toHaveLength(1);
    expect(sessions.items[0]).toMatchObject({ id: sid });
    expect(sessions.items[0].kwh).toBeCloseTo(ended.kwh, 3);
  }, 120_000);

  it('a valve commanded over MQTT: MQTT → host → valve, its position back on MQTT', async () => {
    const { rest, prefix, got, publish } = await setup();
    const port = await new Promise<number>((ok) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as AddressInfo).port;
        srv.close(() => ok(p));
      });
    });
    const valve = new SimulatedValve({ bundle: fw('valve'), clock: new WallClock(), port, passkey: 'pk-chain', startAngle: 0 }).start();
    cleanup.push(() => valve.stop());
    const added = await rest('POST', '/api/v1/valves', { name: 'Riego sur', address: `127.0.0.1:${port}`, passkey: 'pk-chain' });
    const id = added.valveId;
    await eventually(() => got.some((g) => g.topic === `${prefix}/valve-${id}/availability` && g.text === 'online'), 15_000, 'the valve online on MQTT');
    const config = got.find((g) => g.topic === `${prefix}-ha/valve/espfleet_valve_${id}/config`);
    expect(JSON.parse(config!.text)).toMatchObject({ reports_position: true });
    await publish(`${prefix}/valve-${id}/set_position`, '50');
    await eventually(() => Math.abs(valve.angle - 45) <= 1.5 && got.some((g) => g.topic === `${prefix}/valve-${id}/angle` && Math.abs(Number(g.text) - 45) <= 1), 20_000, 'the valve at 45° and its angle on MQTT');
    await publish(`${prefix}/valve-${id}/set`, 'CLOSE');
    await eventually(() => valve.angle <= 0.5 && got.some((g) => g.topic === `${prefix}/valve-${id}/position` && g.text === '0'), 20_000, 'the valve closed, position 0 on MQTT');
    await publish(`${prefix}/valve-${id}/set_sensor`, '{"enabled":true,"threshold":30.5,"angle":60}');
    await eventually(() => got.some((g) => g.topic === `${prefix}/valve-${id}/state` && JSON.parse(g.text).sensor === true), 10_000, 'sensor mode on, over MQTT');
    await publish(`${prefix}/valve-${id}/set_sensor`, 'OFF');
    await eventually(() => got.filter((g) => g.topic === `${prefix}/valve-${id}/state`).map((g) => JSON.parse(g.text)).at(-1)?.sensor === false, 10_000, 'sensor mode off');
    await publish(`${prefix}/valve-${id}/set_position`, 'half open please');
    await eventually(() => got.some((g) => g.topic === `${prefix}/valve-${id}/error`), 5000, 'the bad payload answered');
  }, 90_000);
});
