// Chargers, dashboards and sensor streams on different instances sharing PostgreSQL and Redis.
import { describe, it, expect, afterEach, afterAll } from 'vitest';
import { rest, seedStation, dropTestSchemas, Client, wsUrl } from '../support.js';
import { services, clusterRedis, instances, nowS, reading, publisher, dashboard, eventually, type Instance } from './support.js';

const up = await services();
afterAll(async () => {
  if (up) await dropTestSchemas();
});

describe.skipIf(!up)('charger stations across instances', () => {
  const clients: Client[] = [];
  const running: Instance[] = [];
  let redis: Awaited<ReturnType<typeof clusterRedis>> | undefined;
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of running.splice(0)) await s.close();
    await redis?.release();
  });

  async function cluster(n: number) {
    redis = await clusterRedis();
    const list = await instances(n, redis.url);
    running.push(...list);
    return list;
  }

  it('a charger on A, its dashboard on B: every reading shown on B, the bill exact; B stops the session on A', async () => {
    const [a, b] = await cluster(2);
    await seedStation(a, { tariff: 7 });
    const dash = await dashboard(b, 1, clients);
    const esp = await publisher(a, 1, clients);
    await esp.type('connected');
    esp.send({ type: 'nfc_scan', nfc_uid: 'VIRTUAL-1-A4F2E8' });
    const sid = (await esp.type('start', 5000)).session_id;
    expect(await dash.type('session_started', 5000)).toMatchObject({ session_id: sid, charger_id: 1, user_name: 'Juan Pérez' });
    const t0 = nowS();
    for (let i = 0; i <= 20; i++) esp.send(reading(sid, t0 + i));
    const shown = [];
    for (let i = 0; i <= 20; i++) shown.push(await dash.type('metrics', 5000));
    expect(shown.at(-1)).toMatchObject({ session_id: sid, kwh: 0.02, cost: 0.14, time: expect.any(Number) });
    // A dashboard joining B later sees storage's state, which is the owner's.
    const late = new Client(wsUrl(b, '/ws?role=client&estacionId=1'));
    clients.push(late);
    expect(await late.type('init', 5000)).toMatchObject({ charger: { status: 'cargando', session: { session_id: sid, kwh: 0.02, cost: 0.14 } } });
    expect(await esp.type('sync_request', 5000)).toMatchObject({ session_id: sid, last_ts: t0 + 20 });
    // The REST view on B agrees it is connected (on A).
    expect((await rest(b, 'GET', '/api/v1/stations/1')).body.live).toMatchObject({ connected: true, status: 'cargando' });

    dash.send({ type: 'stop', session_id: sid });
    expect(await esp.type('stop', 5000)).toEqual({ type: 'stop', session_id: sid });
    expect(await dash.type('session_ended', 5000)).toMatchObject({ session_id: sid, kwh: 0.02, cost: 0.14 });
    const stored = (await rest(b, 'GET', `/api/v1/sessions/${sid}`)).body;
    expect(stored).toMatchObject({ kwh: 0.02, cost: 0.14, endReason: 'stop-dashboard' });
    expect(stored.metrics).toHaveLength(21);
    // A stop for a session no longer running, carried to A, is answered on B.
    dash.send({ type: 'stop', session_id: sid });
    expect(await dash.type('error', 5000)).toMatchObject({ code: 'UNKNOWN_SESSION' });
  });

  it('a dashboard on B with no charger anywhere is told "ESP32 no conectado"; an operator reset on B reaches A', async () => {
    const [a, b] = await cluster(2);
    await seedStation(a);
    const dash = await dashboard(b, 1, clients);
    dash.send({ type: 'stop', session_id: 1 });
    expect(await dash.type('error', 5000)).toEqual({ type: 'error', message: 'ESP32 no conectado' });
    const esp = await publisher(a, 1, clients);
    esp.send({ type: 'emergency' });
    expect(await dash.type('emergency', 5000)).toMatchObject({ charger_id: 1 });
    await eventually(async () => (await rest(b, 'GET', '/api/v1/stations/1')).body.status === 'emergencia', 5000, 'station in emergencia');
    expect((await rest(b, 'POST', '/api/v1/stations/1/reset')).status).toBeLessThan(300);
    expect(await dash.next((m) => m.type === 'init' && m.charger.status === 'disponible', 5000)).toBeTruthy();
    esp.send({ type: 'nfc_scan', nfc_uid: 'VIRTUAL-1-A4F2E8' });
    expect(await esp.type('start', 5000)).toMatchObject({ user_name: 'Juan Pérez' });
  });

  it('the charger moving from A to B while A runs: A lets go at once, B goes on from storage, nothing billed twice', async () => {
    const [a, b] = await cluster(2);
    await seedStation(a);
    const dash = await dashboard(a, 1, clients);
    const first = await publisher(a, 1, clients);
    first.send({ type: 'nfc_scan', nfc_uid: 'VIRTUAL-1-A4F2E8' });
    const sid = (await first.type('start', 5000)).session_id;
    const t0 = nowS();
    for (let i = 0; i < 10; i++) first.send(reading(sid, t0 + i));
    for (let i = 0; i < 10; i++) await dash.type('metrics', 5000);

    const moved = await publisher(b, 1, clients);
    expect(await first.closedWith(5000)).toMatchObject({ code: 4000 });
    expect(await moved.type('start', 5000)).toMatchObject({ session_id: sid });
    expect(await moved.type('sync_request', 5000)).toMatchObject({ session_id: sid, last_ts: t0 + 9 });
    // The charger resends from before last_ts (replays count once) and goes on.
    for (let i = 5; i < 20; i++) moved.send(reading(sid, t0 + i));
    await eventually(async () => (await rest(a, 'GET', `/api/v1/sessions/${sid}`)).body.metrics.length === 20, 5000, 'all 20 readings stored');
    moved.send({ type: 'stop', session_id: sid });
    expect(await dash.type('session_ended', 5000)).toMatchObject({ session_id: sid, kwh: 0.019, cost: 0.13 });
    expect((await rest(a, 'GET', `/api/v1/sessions/${sid}`)).body).toMatchObject({ kwh: 0.019, endReason: 'stop-charger' });
    expect(b.metrics.text()).toMatch(/espfleet_cluster_takeovers_total\{why="charger_connected"\} 1/);
  });

  it('sensor updates reach the subscribers of every instance: a sensor reading on A, the charger readings of a station on B', async () => {
    const [a, b, c] = await cluster(3);
    const device = (await rest(a, 'POST', '/api/v1/devices', { name: 'Hydroponic System 1' })).body;
    const sensor = (await rest(a, 'POST', `/api/v1/devices/${device.id}/sensors`, { type: 'temperature', unit: 'celsius' })).body;
    const all = new Client(wsUrl(b, '/ws/sensor-data/'));
    const one = new Client(wsUrl(c, `/ws/sensor/${sensor.id}/`));
    clients.push(all, one);
    await Promise.all([all.opened(), one.opened()]);
    const feeder = new Client(wsUrl(a, '/ws/sensor-data/'));
    clients.push(feeder);
    await feeder.opened();
    feeder.send({ type: 'sensor_data', sensor_id: sensor.id, value: 25.5, timestamp: '2025-09-11T15:30:00Z' });
    const expected = { type: 'sensor_data_update', sensor_id: sensor.id, device_id: device.id, value: 25.5, unit: 'celsius', timestamp: '2025-09-11T15:30:00Z' };
    expect(await all.type('sensor_data_update', 5000)).toMatchObject(expected);
    expect(await one.type('sensor_data_update', 5000)).toMatchObject(expected);

    const { station } = await seedStation(a);
    const esp = await publisher(b, 1, clients);
    esp.send({ type: 'nfc_scan', nfc_uid: 'VIRTUAL-1-A4F2E8' });
    const sid = (await esp.type('start', 5000)).session_id;
    expect(await all.next((m) => m.type === 'device_status' && m.device_id === station.deviceId && m.status === 'cargando', 5000)).toBeTruthy();
    esp.send(reading(sid, nowS()));
    expect(await all.next((m) => m.type === 'sensor_data_update' && m.device_id === station.deviceId && m.sensor_type === 'power', 5000)).toMatchObject({ value: 3600 });
  });

  it('sensor updates cross only to instances that watch them: none with no subscriber elsewhere, at once when one subscribes', async () => {
    const [a, b] = await cluster(2);
    const device = (await rest(a, 'POST', '/api/v1/devices', { name: 'Greenhouse' })).body;
    const sensor = (await rest(a, 'POST', `/api/v1/devices/${device.id}/sensors`, { type: 'humidity', unit: '%' })).body;
    const feeder = new Client(wsUrl(a, `/ws/sensor/${sensor.id}/`));
    clients.push(feeder);
    await feeder.opened();
    const published = async () => Number(/espfleet_cluster_frames_total\{how="published"\} (\d+)/.exec(await (await fetch(`${a.url}/metrics`)).text())?.[1] ?? 0);
    // Past the settling second after Redis came up, when every update is published.
    await new Promise((r) => setTimeout(r, 1200));
    const before = await published();
    for (let i = 0; i < 20; i++) feeder.send({ type: 'sensor_data', sensor_id: sensor.id, value: i });
    await feeder.next((m) => m.type === 'sensor_data_update' && m.value === 19, 5000);
    await new Promise((r) => setTimeout(r, 200));
    expect((await published()) - before).toBeLessThan(5);

    const watcher = new Client(wsUrl(b, `/ws/device/${device.id}/`));
    clients.push(watcher);
    await watcher.opened();
    // B announces its new subscriber within a few tens of milliseconds; from then on A publishes.
    await eventually(async () => {
      feeder.send({ type: 'sensor_data', sensor_id: sensor.id, value: 42 });
      return watcher.next((m) => m.type === 'sensor_data_update' && m.value === 42, 300).then(() => true, () => false);
    }, 5000, 'the update on B');
  });
});
