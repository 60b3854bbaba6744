// A sensor device's lifecycle on the gateway: the connection on /ws/device/{id}/ that sends its
// readings is the device (authenticated, ready, state online, a message per reading,
// disconnected and state offline when it closes); readings of its sensors from other streams are
// messages only; a status set over REST is a state change.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { Client, rest, start, wsUrl } from '../support.js';
import { signToken } from '../../src/auth/jwt.js';
import type { Server } from './support.js';

describe('a sensor device on the gateway', () => {
  let s: Server;
  let sub: Socket;
  const events: Array<{ event: string; data: any }> = [];
  let deviceId: number;
  let sensorId: number;

  beforeAll(async () => {
    s = await start();
    const admin = signToken(s.secret, { sub: 'op', role: 'admin' });
    deviceId = (await rest(s, 'POST', '/api/v1/devices', { name: 'Invernadero', kind: 'sensor-node' }, admin)).body.id;
    sensorId = (await rest(s, 'POST', `/api/v1/devices/${deviceId}/sensors`, { type: 'temperature', unit: '°C', name: 'aire' }, admin)).body.id;
    const key = (await rest(s, 'POST', `/api/v1/devices/${deviceId}/api-keys`, { name: 'watch' }, admin)).body.apiKey;
    sub = io(`${s.url}/device/${deviceId}`, { path: '/ws', query: { apiKey: key }, reconnection: false, forceNew: true });
    sub.onAny((event, data) => events.push({ event, data }));
    await new Promise<void>((ok) => sub.once('connect', () => ok()));
  });
  afterAll(async () => {
    sub?.close();
    await s?.close();
  });

  const seen = async (event: string, pred: (d: any) => boolean = () => true) => {
    const end = Date.now() + 5000;
    for (;;) {
      const e = events.find((x) => x.event === event && pred(x.data));
      if (e) return e.data;
      if (Date.now() > end) throw new Error(`no ${event}; got ${JSON.stringify(events)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('goes from qr to authenticated, ready, online, messages, and disconnected offline', async () => {
    expect(await seen('qr')).toMatchObject({ deviceId: String(deviceId), qr: expect.stringContaining(`d=${deviceId}`) });

    // A reader of everything sends a reading of the device's sensor: a message, but not the device connecting.
    const other = new Client(wsUrl(s, '/ws/sensor-data/'));
    await other.opened();
    other.send({ type: 'sensor_data', sensor_id: sensorId, value: 20.5 });
    expect(await seen('message')).toMatchObject({ deviceId: String(deviceId), message: { type: 'sensor_data', value: 20.5 }, timestamp: expect.any(Number) });
    expect(events.some((e) => e.event === 'authenticated')).toBe(false);
    other.close();

    const device = new Client(wsUrl(s, `/ws/device/${deviceId}/`));
    await device.opened();
    device.send({ type: 'sensor_data', sensor_id: sensorId, value: 21 });
    expect(await seen('authenticated')).toMatchObject({ deviceId: String(deviceId), clientName: 'Invernadero' });
    await seen('ready');
    expect(await seen('state', (d) => d.status === 'online')).toMatchObject({ deviceId: String(deviceId) });
    await seen('message', (d) => d.message.value === 21);
    device.send({ type: 'sensor_data', sensor_id: sensorId, value: 22 });
    await seen('message', (d) => d.message.value === 22);
    expect(events.filter((e) => e.event === 'authenticated')).toHaveLength(1);
    const order = events.map((e) => e.event);
    expect(order.indexOf('authenticated')).toBeLessThan(order.indexOf('ready'));

    // A bad reading is answered on the stream and is no message.
    device.send({ type: 'sensor_data', sensor_id: 987654, value: 1 });
    await device.next((m) => m.code === 'SENSOR_NOT_FOUND');
    expect(events.filter((e) => e.event === 'message')).toHaveLength(3);

    device.close();
    expect(await seen('disconnected')).toMatchObject({ deviceId: String(deviceId), reason: 'closed by the device' });
    await seen('state', (d) => d.status === 'offline');
    expect((await rest(s, 'GET', `/api/v1/devices/${deviceId}`, undefined, signToken(s.secret, { sub: 'op', role: 'admin' }))).body.status).toBe('offline');
  });

  it('a status set over REST is a state event', async () => {
    const admin = signToken(s.secret, { sub: 'op', role: 'admin' });
    expect((await rest(s, 'PUT', `/api/v1/devices/${deviceId}/status`, { status: 'maintenance' }, admin)).status).toBe(200);
    await seen('state', (d) => d.status === 'maintenance');
  });
});
