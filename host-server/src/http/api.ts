// REST under /api/v1: devices and their sensors with reading history, stations with their
// tariff, users and NFC cards, charging sessions with their metrics.
//
// Who may call what (a token of another role gets 403, no token 401; see Authenticator for
// --open): every write is the operator's (admin). Dashboards (client) read everything but
// users' details need an unscoped token; sensor clients read devices, sensors and readings; a
// charger (publisher) reads only its own station and its sessions. A token carrying
// `estacionId` (other than admin) reads only that station and its sessions. The signaling
// accounts' routes (users/accountsApi.ts) stand apart: register and login are public, the rest
// take a signaling login token. Device gateway API keys are the operator's: created (the key shown
// once), listed (without it) and revoked per device.
import { Router, HttpError, field, idParam, queryInt, queryTime, MAX_ID, type Ctx } from './router.js';
import { stationAccess, type RouteAccess } from '../auth/access.js';
import { ConstraintError } from '../storage/migrations.js';
import type { Store } from '../storage/store.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { ChargerHub } from '../charger/chargerHub.js';
import type { SensorHub } from '../sensors/sensorHub.js';
import type { Accounts } from '../users/accounts.js';
import { accountRoutes } from '../users/accountsApi.js';
import { valveRoutes } from '../valves/valvesApi.js';
import type { ValveHub } from '../valves/valveHub.js';
import type { DeviceGateway } from '../gateway/deviceGateway.js';
import { mintApiKey } from '../gateway/apiKeys.js';

export interface ApiDeps {
  store: Store;
  auth: Authenticator;
  chargers: ChargerHub;
  sensors: SensorHub;
  accounts: Accounts;
  gateway: DeviceGateway;
  valves: ValveHub;
  defaultTariff: number;
}

const P = '/api/v1';

const OPERATOR: RouteAccess = { roles: ['admin'], scope: 'fleet' };
const FLEET_READERS: RouteAccess = { roles: ['admin', 'client', 'sensor'], scope: 'fleet' };
const USER_READERS: RouteAccess = { roles: ['admin', 'client'], scope: 'fleet' };
const STATION_READERS: RouteAccess = { roles: ['admin', 'client', 'publisher'], scope: 'station' };

/** The sensors of a station's device: what its charger's metrics are stored as. */
export const STATION_SENSORS = [
  { type: 'power', unit: 'W' },
  { type: 'voltage', unit: 'V' },
  { type: 'current', unit: 'A' },
];

function notFound(what: string, id: number | string): never {
  throw new HttpError(404, 'NOT_FOUND', `${what} ${id} not found`);
}

/** A write the database refused for a constraint becomes a 409 the caller can act on. */
async function conflict<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (!(e instanceof ConstraintError)) throw e;
    const why = e.kind === 'unique' ? 'already exists' : e.kind === 'foreign-key' ? 'refers to a record that does not exist' : `breaks a ${e.kind} rule`;
    throw new HttpError(409, 'CONFLICT', `${what} ${why}`);
  }
}

export function apiRouter(d: ApiDeps): Router {
  const r = new Router(async (req, q, access) => {
    if (!('signaling' in access)) return d.auth.route(req, q, access);
    const a = await d.accounts.authorise(req, access);
    if (!a.ok) d.auth.refused(req, 'rest', a);
    return a;
  });
  const limit = (c: Ctx) => queryInt(c.query, 'limit', 1, 1000) ?? 100;
  /** Keeps a station-scoped caller to its own station, recording a refusal. */
  const ownStation = (c: Ctx, id: number) => {
    const a = stationAccess(c.caller, id);
    if (a.ok) return;
    d.auth.refused(c.req, 'rest', a);
    throw new HttpError(a.status, 'FORBIDDEN', a.message);
  };

  r.on('GET', `${P}/devices`, FLEET_READERS, () => d.store.listDevices());
  r.on('POST', `${P}/devices`, OPERATOR, async (c) => {
    const b = field.obj(await c.body());
    return d.store.createDevice({ name: field.str(b, 'name')!, kind: field.str(b, 'kind', true) ?? 'sensor-node', status: field.str(b, 'status', true) });
  });
  r.on('GET', `${P}/devices/:id`, FLEET_READERS, async (c) => (await d.store.getDevice(idParam(c.params, 'id'))) ?? notFound('device', c.params.id));
  r.on('PUT', `${P}/devices/:id/status`, OPERATOR, async (c) => {
    const id = idParam(c.params, 'id');
    const status = field.str(field.obj(await c.body()), 'status')!;
    if (!(await d.store.getDevice(id))) notFound('device', id);
    await d.sensors.deviceStatus(id, status, { lifecycle: true });
    return d.store.getDevice(id);
  });
  r.on('DELETE', `${P}/devices/:id`, OPERATOR, async (c) => {
    const id = idParam(c.params, 'id');
    const station = (await d.store.listStations()).find((s) => s.deviceId === id);
    if (station) throw new HttpError(409, 'DEVICE_IN_USE', `device ${id} is station ${station.id}'s: it goes with the station`);
    const valve = d.valves.list().find((v) => v.deviceId === id);
    if (valve) throw new HttpError(409, 'DEVICE_IN_USE', `device ${id} is valve ${valve.valveId}'s: delete the valve (DELETE /api/v1/valves/${valve.valveId})`);
    if (!(await d.store.deleteDevice(id))) notFound('device', id);
    d.gateway.deleted(id);
    return { deleted: id };
  });
  r.on('GET', `${P}/devices/:id/api-keys`, OPERATOR, async (c) => {
    const id = idParam(c.params, 'id');
    if (!(await d.store.getDevice(id))) notFound('device', id);
    return d.store.listApiKeys(id);
  });
  r.on('POST', `${P}/devices/:id/api-keys`, OPERATOR, async (c) => {
    const id = idParam(c.params, 'id');
    const name = field.str(field.obj(await c.body()), 'name', true);
    if (!(await d.store.getDevice(id))) notFound('device', id);
    const minted = mintApiKey();
    const key = await conflict('api key', () => d.store.createApiKey({ deviceId: id, name: name ?? '', prefix: minted.prefix, hash: minted.hash }));
    return { ...key, apiKey: minted.key };
  });
  r.on('DELETE', `${P}/devices/:id/api-keys/:keyId`, OPERATOR, async (c) => {
    const id = idParam(c.params, 'id');
    const keyId = idParam(c.params, 'keyId');
    const key = (await d.store.revokeApiKey(id, keyId, Date.now())) ?? notFound(`api key ${keyId} of device`, id);
    d.gateway.revoked(id, keyId);
    return key;
  });
  r.on('GET', `${P}/devices/:id/sensors`, FLEET_READERS, (c) => d.store.listSensors(idParam(c.params, 'id')));
  r.on('POST', `${P}/devices/:id/sensors`, OPERATOR, async (c) => {
    const id = idParam(c.params, 'id');
    const b = field.obj(await c.body());
    const sensor = { deviceId: id, type: field.str(b, 'type')!, unit: field.str(b, 'unit')!, name: field.str(b, 'name', true) };
    if (!(await d.store.getDevice(id))) notFound('device', id);
    return conflict('sensor', () => d.store.createSensor(sensor));
  });
  r.on('GET', `${P}/sensors/:id`, FLEET_READERS, async (c) => (await d.store.getSensor(idParam(c.params, 'id'))) ?? notFound('sensor', c.params.id));
  r.on('GET', `${P}/sensors/:id/readings`, FLEET_READERS, async (c) => {
    const id = idParam(c.params, 'id');
    const q = { sensorId: id, from: queryTime(c.query, 'from'), to: queryTime(c.query, 'to'), before: queryInt(c.query, 'before', 1, 2 ** 53), limit: limit(c) };
    if (!(await d.store.getSensor(id))) notFound('sensor', id);
    return d.store.listReadings(q);
  });

  r.on('GET', `${P}/stations`, STATION_READERS, async (c) => {
    const all = await d.store.listStations();
    return c.caller.station === undefined ? all : all.filter((s) => s.id === c.caller.station);
  });
  r.on('POST', `${P}/stations`, OPERATOR, async (c) => {
    const b = field.obj(await c.body());
    const name = field.str(b, 'name')!;
    const station = {
      id: field.id(b, 'id', true),
      name,
      tariff: field.num(b, 'tariff', true, 0) ?? d.defaultTariff,
      maxPowerW: field.positive(b, 'maxPowerW'),
      maxVoltageV: field.positive(b, 'maxVoltageV'),
      maxCurrentA: field.positive(b, 'maxCurrentA'),
      // No charger has connected yet.
      status: 'desconectado' as const,
    };
    // Each station is also a device, so its power, voltage and current appear as sensors.
    try {
      const made = await conflict(`station${station.id === undefined ? '' : ` ${station.id}`}`, () =>
        d.store.createStationWithDevice({ station, device: { name, kind: 'charger', status: 'desconectado' }, sensors: STATION_SENSORS, maxId: MAX_ID }),
      );
      return made.station;
    } catch (e) {
      if (e instanceof RangeError) throw new HttpError(409, 'ID_SPACE_EXHAUSTED', `no station id up to ${MAX_ID} is left after the largest one: give an unused id`);
      throw e;
    }
  });
  r.on('GET', `${P}/stations/:id`, STATION_READERS, async (c) => {
    const id = idParam(c.params, 'id');
    ownStation(c, id);
    const row = (await d.store.getStation(id)) ?? notFound('station', id);
    return { ...row, live: await d.chargers.snapshot(id) };
  });
  r.on('POST', `${P}/stations/:id/reset`, OPERATOR, async (c) => {
    const id = idParam(c.params, 'id');
    if (!(await d.chargers.reset(id))) notFound('station', id);
    return d.store.getStation(id);
  });

  r.on('POST', `${P}/users`, OPERATOR, async (c) => {
    const b = field.obj(await c.body());
    return d.store.createUser({ name: field.str(b, 'name')!, email: field.str(b, 'email', true) ?? null, blocked: field.bool(b, 'blocked', true) ?? false });
  });
  r.on('GET', `${P}/users/:id`, USER_READERS, async (c) => (await d.store.getUser(idParam(c.params, 'id'))) ?? notFound('user', c.params.id));
  r.on('PUT', `${P}/users/:id/blocked`, OPERATOR, async (c) => {
    const id = idParam(c.params, 'id');
    const blocked = field.bool(field.obj(await c.body()), 'blocked')!;
    if (!(await d.store.getUser(id))) notFound('user', id);
    await d.store.setUserBlocked(id, blocked);
    return d.store.getUser(id);
  });
  r.on('POST', `${P}/cards`, OPERATOR, async (c) => {
    const b = field.obj(await c.body());
    const card = { uid: field.str(b, 'uid')!, userId: field.id(b, 'userId')! };
    if (!(await d.store.getUser(card.userId))) notFound('user', card.userId);
    return conflict(`card ${card.uid}`, () => d.store.createCard(card));
  });

  r.on('GET', `${P}/sessions`, STATION_READERS, async (c) => {
    const asked = queryInt(c.query, 'stationId', 1, MAX_ID);
    if (asked !== undefined) ownStation(c, asked);
    return d.store.listSessions({
      stationId: asked ?? c.caller.station,
      from: queryTime(c.query, 'from'),
      to: queryTime(c.query, 'to'),
      before: queryInt(c.query, 'before', 1, 2 ** 53),
      limit: limit(c),
    });
  });
  r.on('GET', `${P}/sessions/:id`, STATION_READERS, async (c) => {
    const id = idParam(c.params, 'id');
    const s = (await d.store.getSession(id)) ?? notFound('session', id);
    ownStation(c, s.stationId);
    const [metrics, flagged] = await Promise.all([d.store.listMetrics(id), d.store.listFlaggedMetrics(id)]);
    return { ...s, metrics, flagged };
  });
  accountRoutes(r, () => d.accounts);
  valveRoutes(r, d.valves);
  return r;
}
