// REST under /api/v1: devices and their sensors with reading history, stations with their
// tariff, users and NFC cards, charging sessions with their metrics.
import { Router, HttpError, field, idParam, queryInt, queryTime, type Ctx } from './router.js';
import type { Store } from '../storage/store.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { ChargerHub } from '../charger/chargerHub.js';
import type { SensorHub } from '../sensors/sensorHub.js';

export interface ApiDeps {
  store: Store;
  auth: Authenticator;
  chargers: ChargerHub;
  sensors: SensorHub;
  defaultTariff: number;
}

const P = '/api/v1';

function notFound(what: string, id: number | string): never {
  throw new HttpError(404, 'NOT_FOUND', `${what} ${id} not found`);
}

/** Constraint violations from either database become a 409 the caller can act on. */
async function conflict<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    const msg = String((e as Error).message ?? e);
    if (/unique|duplicate|constraint|foreign key/i.test(msg)) throw new HttpError(409, 'CONFLICT', `${what}: ${msg}`);
    throw e;
  }
}

export function apiRouter(d: ApiDeps): Router {
  const r = new Router();
  const guard = (h: (c: Ctx) => unknown) => async (c: Ctx) => {
    if (!d.auth.allows(c.req, c.query, 'admin')) throw new HttpError(401, 'UNAUTHORIZED', 'an operator token is required (espfleet token admin)');
    return h(c);
  };
  const limit = (c: Ctx) => queryInt(c.query, 'limit', 1, 1000) ?? 100;

  r.on('GET', `${P}/devices`, guard(() => d.store.listDevices()));
  r.on('POST', `${P}/devices`, guard(async (c) => {
    const b = field.obj(await c.body());
    return d.store.createDevice({ name: field.str(b, 'name')!, kind: field.str(b, 'kind', true) ?? 'sensor-node', status: field.str(b, 'status', true) });
  }));
  r.on('GET', `${P}/devices/:id`, guard(async (c) => (await d.store.getDevice(idParam(c.params, 'id'))) ?? notFound('device', c.params.id)));
  r.on('PUT', `${P}/devices/:id/status`, guard(async (c) => {
    const id = idParam(c.params, 'id');
    if (!(await d.store.getDevice(id))) notFound('device', id);
    const status = field.str(field.obj(await c.body()), 'status')!;
    await d.sensors.deviceStatus(id, status);
    return d.store.getDevice(id);
  }));
  r.on('GET', `${P}/devices/:id/sensors`, guard((c) => d.store.listSensors(idParam(c.params, 'id'))));
  r.on('POST', `${P}/devices/:id/sensors`, guard(async (c) => {
    const id = idParam(c.params, 'id');
    if (!(await d.store.getDevice(id))) notFound('device', id);
    const b = field.obj(await c.body());
    return conflict('sensor', () => d.store.createSensor({ deviceId: id, type: field.str(b, 'type')!, unit: field.str(b, 'unit')!, name: field.str(b, 'name', true) }));
  }));
  r.on('GET', `${P}/sensors/:id`, guard(async (c) => (await d.store.getSensor(idParam(c.params, 'id'))) ?? notFound('sensor', c.params.id)));
  r.on('GET', `${P}/sensors/:id/readings`, guard(async (c) => {
    const id = idParam(c.params, 'id');
    if (!(await d.store.getSensor(id))) notFound('sensor', id);
    return d.store.listReadings({ sensorId: id, from: queryTime(c.query, 'from'), to: queryTime(c.query, 'to'), before: queryInt(c.query, 'before', 1, 2 ** 53), limit: limit(c) });
  }));

  r.on('GET', `${P}/stations`, guard(() => d.store.listStations()));
  r.on('POST', `${P}/stations`, guard(async (c) => {
    const b = field.obj(await c.body());
    const name = field.str(b, 'name')!;
    const id = field.int(b, 'id', true, 1);
    const tariff = field.num(b, 'tariff', true, 0) ?? d.defaultTariff;
    // Each station is also a device, so its power, voltage and current appear as sensors.
    const device = await d.store.createDevice({ name, kind: 'charger', status: 'desconectado' });
    for (const [type, unit] of [['power', 'W'], ['voltage', 'V'], ['current', 'A']]) await d.store.ensureSensor({ deviceId: device.id, type, unit });
    const station = await conflict('station', () => d.store.createStation({ id, name, tariff, deviceId: device.id }));
    // No charger has connected yet.
    await d.store.setStationStatus(station.id, 'desconectado');
    return { ...station, status: 'desconectado' };
  }));
  r.on('GET', `${P}/stations/:id`, guard(async (c) => {
    const id = idParam(c.params, 'id');
    const row = (await d.store.getStation(id)) ?? notFound('station', id);
    return { ...row, live: await d.chargers.snapshot(id) };
  }));
  r.on('POST', `${P}/stations/:id/reset`, guard(async (c) => {
    const id = idParam(c.params, 'id');
    if (!(await d.chargers.reset(id))) notFound('station', id);
    return d.store.getStation(id);
  }));

  r.on('POST', `${P}/users`, guard(async (c) => {
    const b = field.obj(await c.body());
    return d.store.createUser({ name: field.str(b, 'name')!, email: field.str(b, 'email', true) ?? null, blocked: field.bool(b, 'blocked', true) ?? false });
  }));
  r.on('GET', `${P}/users/:id`, guard(async (c) => (await d.store.getUser(idParam(c.params, 'id'))) ?? notFound('user', c.params.id)));
  r.on('PUT', `${P}/users/:id/blocked`, guard(async (c) => {
    const id = idParam(c.params, 'id');
    if (!(await d.store.getUser(id))) notFound('user', id);
    await d.store.setUserBlocked(id, field.bool(field.obj(await c.body()), 'blocked')!);
    return d.store.getUser(id);
  }));
  r.on('POST', `${P}/cards`, guard(async (c) => {
    const b = field.obj(await c.body());
    const userId = field.int(b, 'userId', false, 1)!;
    if (!(await d.store.getUser(userId))) notFound('user', userId);
    return conflict('card', () => d.store.createCard({ uid: field.str(b, 'uid')!, userId }));
  }));

  r.on('GET', `${P}/sessions`, guard((c) =>
    d.store.listSessions({
      stationId: queryInt(c.query, 'stationId', 0, 2 ** 31),
      from: queryTime(c.query, 'from'),
      to: queryTime(c.query, 'to'),
      before: queryInt(c.query, 'before', 1, 2 ** 53),
      limit: limit(c),
    }),
  ));
  r.on('GET', `${P}/sessions/:id`, guard(async (c) => {
    const id = idParam(c.params, 'id');
    const s = (await d.store.getSession(id)) ?? notFound('session', id);
    return { ...s, metrics: await d.store.listMetrics(id) };
  }));
  return r;
}
