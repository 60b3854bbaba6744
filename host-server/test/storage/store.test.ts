import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConstraintError, migrations } from '../../src/storage/migrations.js';
import { openStore } from '../../src/storage/openStore.js';
import { PostgresStore } from '../../src/storage/postgres.js';
import type { Reading, Store } from '../../src/storage/store.js';

const postgresUrls = ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];

async function findPostgres(): Promise<{ url: string } | { error: string }> {
  const errors: string[] = [];
  for (const url of postgresUrls) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return { url };
    } catch (e) {
      errors.push(`${url}: ${(e as Error).message || (e as { code?: string }).code}`);
    } finally {
      await client.end().catch(() => {});
    }
  }
  return { error: errors.join('; ') };
}

interface Backend {
  name: 'sqlite' | 'postgres';
  /** Why the back end cannot be tested here, if it cannot. */
  unavailable?: string;
  /** A new Store on the same database, migrated. */
  open: () => Promise<Store>;
  cleanup: () => Promise<void>;
}

const dataDir = mkdtempSync(join(tmpdir(), 'espfleet-store-'));
const schema = `espfleet_test_${randomBytes(6).toString('hex')}`;
const found = await findPostgres();

const backends: Backend[] = [
  {
    name: 'sqlite',
    open: () => openStore({ dataDir }),
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  },
  'url' in found
    ? {
        name: 'postgres',
        open: async () => {
          const store = new PostgresStore(found.url, { schema });
          await store.migrate();
          return store;
        },
        cleanup: async () => {
          const client = new pg.Client(found.url);
          await client.connect();
          await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await client.end();
        },
      }
    : { name: 'postgres', unavailable: found.error, open: () => Promise.reject(new Error(found.error)), cleanup: async () => {} },
];

describe.each(backends)('$name store', (backend) => {
  if (backend.unavailable) {
    const reason = `PostgreSQL unreachable (${backend.unavailable})`;
    if (process.env.CI === 'true') {
      it('reaches PostgreSQL (required when CI=true)', () => {
        throw new Error(reason);
      });
    } else {
      console.warn(`skipping the postgres store tests: ${reason}`);
      it.skip(`skipped: ${reason}`, () => {});
    }
    return;
  }

  let store: Store;
  const others: Store[] = [];
  beforeAll(async () => {
    store = await backend.open();
  });
  afterAll(async () => {
    for (const s of [store, ...others]) await s?.close();
    await backend.cleanup();
  });

  async function station(id?: number) {
    return store.createStation({ id, name: 'Station', tariff: 0.25 });
  }

  it('migrates idempotently, and another store on the same database sees the data', async () => {
    expect(store.kind).toBe(backend.name);
    await store.migrate();
    await store.migrate();
    const device = await store.createDevice({ name: 'survivor', kind: 'valve' });
    const again = await backend.open();
    others.push(again);
    await again.migrate();
    expect(await again.getDevice(device.id)).toEqual(device);
    expect(migrations.map((m) => m.id)).toEqual([...migrations.map((m) => m.id)].sort((a, b) => a - b));
  });

  it('creates, lists and updates devices', async () => {
    const d = await store.createDevice({ name: 'Valve 1', kind: 'valve' });
    expect(d).toMatchObject({ name: 'Valve 1', kind: 'valve', status: 'offline' });
    expect(typeof d.id).toBe('number');
    expect(typeof d.createdAt).toBe('number');
    expect(Math.abs(d.createdAt - Date.now())).toBeLessThan(60_000);
    expect(await store.getDevice(d.id)).toEqual(d);
    expect(await store.getDevice(987_654_321)).toBeUndefined();
    expect((await store.listDevices()).map((x) => x.id)).toContain(d.id);
    expect(await store.setDeviceStatus(d.id, 'active')).toEqual({ ...d, status: 'active' });
    expect(await store.setDeviceStatus(d.id, 'active')).toBeUndefined();
    expect(await store.setDeviceStatus(987_654_321, 'active')).toBeUndefined();
  });

  it('creates sensors, ensureSensor is idempotent, and rejects a sensor of a missing device', async () => {
    const d = await store.createDevice({ name: 'Node', kind: 'sensor-node', status: 'active' });
    const temp = await store.createSensor({ deviceId: d.id, type: 'temperature', unit: 'celsius' });
    expect(temp).toMatchObject({ deviceId: d.id, type: 'temperature', unit: 'celsius', name: 'temperature' });
    expect(await store.getSensor(temp.id)).toEqual({ ...temp, deviceName: 'Node' });
    expect(await store.getSensor(987_654_321)).toBeUndefined();
    expect(await store.ensureSensor({ deviceId: d.id, type: 'temperature', unit: 'celsius' })).toEqual(temp);
    const power = await store.ensureSensor({ deviceId: d.id, type: 'power', unit: 'W' });
    const twice = await Promise.all([1, 2, 3].map(() => store.ensureSensor({ deviceId: d.id, type: 'flow', unit: 'l/min' })));
    expect(new Set(twice.map((s) => s.id)).size).toBe(1);
    expect(await store.ensureSensor({ deviceId: d.id, type: 'power', unit: 'W' })).toEqual(power);
    expect((await store.listSensors(d.id)).map((s) => s.type)).toEqual(['temperature', 'power', 'flow']);
    expect((await store.listSensors()).length).toBeGreaterThanOrEqual(3);

    const missing = store.createSensor({ deviceId: 987_654_321, type: 'x', unit: 'y' });
    await expect(missing).rejects.toBeInstanceOf(ConstraintError);
    await expect(missing).rejects.toMatchObject({ kind: 'foreign-key' });
    await expect(store.addReading({ sensorId: 987_654_321, value: 1, ts: 1 })).rejects.toMatchObject({ kind: 'foreign-key' });
  });

  it('pages readings newest first with from/to/before/limit', async () => {
    const d = await store.createDevice({ name: 'Pager', kind: 'sensor-node' });
    const s = await store.createSensor({ deviceId: d.id, type: 'temperature', unit: 'celsius' });
    const other = await store.createSensor({ deviceId: d.id, type: 'humidity', unit: '%' });
    const base = 1_762_430_400_000;
    const added: Reading[] = [];
    for (let i = 0; i < 10; i++) added.push(await store.addReading({ sensorId: s.id, value: 20 + i / 4, ts: base + i * 1000 }));
    await store.addReading({ sensorId: other.id, value: 50, ts: base });
    expect(added[3]).toEqual({ id: added[3]!.id, sensorId: s.id, value: 20.75, ts: base + 3000 });

    const all = await store.listReadings({ sensorId: s.id });
    expect(all.items).toEqual([...added].reverse());
    expect(all.next).toBeNull();

    const first = await store.listReadings({ sensorId: s.id, limit: 4 });
    expect(first.items.map((r) => r.ts)).toEqual([9, 8, 7, 6].map((i) => base + i * 1000));
    expect(first.next).toBe(added[6]!.id);
    const second = await store.listReadings({ sensorId: s.id, limit: 4, before: first.next! });
    expect(second.items.map((r) => r.id)).toEqual([5, 4, 3, 2].map((i) => added[i]!.id));
    const last = await store.listReadings({ sensorId: s.id, limit: 4, before: second.next! });
    expect(last.items.map((r) => r.id)).toEqual([1, 0].map((i) => added[i]!.id));
    expect(last.next).toBeNull();

    const exact = await store.listReadings({ sensorId: s.id, limit: 3 });
    const tail = await store.listReadings({ sensorId: s.id, limit: 7, before: exact.next! });
    expect(tail.items).toHaveLength(7);
    expect(tail.next).toBeNull();

    const range = await store.listReadings({ sensorId: s.id, from: base + 2000, to: base + 5000 });
    expect(range.items.map((r) => r.ts)).toEqual([5, 4, 3, 2].map((i) => base + i * 1000));
    const rangePage = await store.listReadings({ sensorId: s.id, from: base + 2000, to: base + 5000, limit: 2, before: added[5]!.id });
    expect(rangePage.items.map((r) => r.ts)).toEqual([base + 4000, base + 3000]);
    expect(rangePage.next).toBe(added[3]!.id);
  });

  it('creates stations with explicit and assigned ids', async () => {
    const d = await store.createDevice({ name: 'Charger', kind: 'charger' });
    const explicit = await store.createStation({ id: 5000, name: 'Estación 5000', tariff: 0.3, deviceId: d.id });
    expect(explicit).toEqual({
      id: 5000, name: 'Estación 5000', tariff: 0.3, status: 'disponible', deviceId: d.id, maxPowerW: null, maxVoltageV: null, maxCurrentA: null,
    });
    const rated = await store.createStation({ name: 'Rated', tariff: 0.3, maxPowerW: 7400, maxVoltageV: 253, maxCurrentA: 32 });
    expect(await store.getStation(rated.id)).toMatchObject({ maxPowerW: 7400, maxVoltageV: 253, maxCurrentA: 32 });
    const assigned = await store.createStation({ name: 'Next', tariff: 0.2 });
    expect(assigned.id).toBeGreaterThan(5000);
    expect(assigned.deviceId).toBeNull();
    await expect(store.createStation({ id: 5000, name: 'dup', tariff: 1 })).rejects.toMatchObject({ kind: 'unique' });
    await store.setStationStatus(5000, 'cargando');
    expect(await store.getStation(5000)).toMatchObject({ status: 'cargando' });
    expect(await store.getStation(987_654_321)).toBeUndefined();
    await expect(store.setStationStatus(5000, 'bogus' as never)).rejects.toMatchObject({ kind: 'check' });
    const ids = (await store.listStations()).map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining([5000, assigned.id]));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('stores users and cards; card uids compare case-insensitively', async () => {
    const u = await store.createUser({ name: 'Ana', email: 'ana@example.com' });
    expect(u).toEqual({ id: u.id, name: 'Ana', email: 'ana@example.com', blocked: false });
    const b = await store.createUser({ name: 'Bo', blocked: true });
    expect(b).toMatchObject({ email: null, blocked: true });
    const uid = `04a1b2${randomBytes(3).toString('hex')}`;
    expect(await store.createCard({ uid, userId: u.id })).toEqual({ uid: uid.toUpperCase(), userId: u.id });
    expect(await store.findCard(uid.toLowerCase())).toEqual({ uid: uid.toUpperCase(), userId: u.id, user: u });
    await store.setUserBlocked(u.id, true);
    expect((await store.findCard(uid.toUpperCase()))?.user.blocked).toBe(true);
    expect(await store.getUser(u.id)).toEqual({ ...u, blocked: true });
    await store.setUserBlocked(u.id, false);
    expect((await store.getUser(u.id))?.blocked).toBe(false);
    expect(await store.findCard('FFFFFFFFFFFFFF')).toBeUndefined();
    await expect(store.createCard({ uid: uid.toUpperCase(), userId: b.id })).rejects.toMatchObject({ kind: 'unique' });
    await expect(store.createCard({ uid: 'ABCDEF01', userId: 987_654_321 })).rejects.toMatchObject({ kind: 'foreign-key' });
  });

  it('runs a session: metrics, replays, end', async () => {
    const st = await station();
    const u = await store.createUser({ name: 'Driver' });
    const s = await store.createSession({ stationId: st.id, userId: u.id, cardUid: 'A1B2C3D4', startedAt: 1_762_430_400_000 });
    expect(s).toEqual({
      id: s.id, stationId: st.id, userId: u.id, cardUid: 'A1B2C3D4', startedAt: 1_762_430_400_000, endedAt: null,
      endReason: null, kwh: 0, cost: 0, duration: 0, lastTs: null, lastW: null, firstEnergyWh: null,
    });
    expect(await store.openSession(st.id)).toEqual(s);
    expect((await store.listOpenSessions()).map((x) => x.id)).toContain(s.id);

    const m1 = { sessionId: s.id, ts: 1_762_430_410, v: 230.1, a: 16.2, w: 3727.6, energyWh: 1000.5, kwh: 0.01, cost: 0.0025, time: 10 };
    const totals = { kwh: 0.01, cost: 0.0025, duration: 10, lastTs: 1_762_430_410, lastW: 3727.6, firstEnergyWh: 1000.5 };
    expect(await store.addMetric(m1, totals)).toBe(true);
    expect(await store.getSession(s.id)).toEqual({ ...s, ...totals });
    const replay = { ...m1, kwh: 99, cost: 99 };
    expect(await store.addMetric(replay, { ...totals, kwh: 99, cost: 99, duration: 99 })).toBe(false);
    expect(await store.getSession(s.id)).toEqual({ ...s, ...totals });
    const m2 = { ...m1, ts: 1_762_430_420, energyWh: null, kwh: 0.02, cost: 0.005, time: 20 };
    expect(await store.addMetric(m2, { ...totals, kwh: 0.02, cost: 0.005, duration: 20, lastTs: m2.ts })).toBe(true);
    expect(await store.listMetrics(s.id)).toEqual([m1, m2]);

    // A flagged reading is kept for the record, apart from billing, even at a ts already counted.
    const flagged = { sessionId: s.id, ts: m1.ts, v: 230, a: 16, w: 1e300, energyWh: null, flag: 'POWER_OUT_OF_RANGE', receivedAt: 1_762_430_411_000 };
    const f = await store.addFlaggedMetric(flagged);
    expect(f).toEqual({ id: f.id, ...flagged });
    expect(await store.listFlaggedMetrics(s.id)).toEqual([f]);
    expect(await store.getSession(s.id)).toMatchObject({ kwh: 0.02 });

    const ended = await store.endSession(s.id, { endedAt: 1_762_430_500_000, endReason: 'stop-charger', kwh: 0.03, cost: 0.0075, duration: 100 });
    expect(ended).toMatchObject({ endedAt: 1_762_430_500_000, endReason: 'stop-charger', kwh: 0.03, cost: 0.0075, duration: 100, lastTs: m2.ts });
    expect(await store.openSession(st.id)).toBeUndefined();
    expect((await store.listOpenSessions()).map((x) => x.id)).not.toContain(s.id);
    const endedAgain = await store.endSession(s.id, { endedAt: 1, endReason: 'timeout', kwh: 0, cost: 0, duration: 0 });
    expect(endedAgain).toEqual(ended);
    await expect(store.endSession(987_654_321, { endedAt: 1, endReason: 'x', kwh: 0, cost: 0, duration: 0 })).rejects.toThrow(/No session/);
    await expect(store.addMetric({ ...m1, sessionId: 987_654_321 }, totals)).rejects.toMatchObject({ kind: 'foreign-key' });
  });

  it('allows one open session per station (a second one rejects with ConstraintError kind "unique")', async () => {
    const st = await station();
    const u = await store.createUser({ name: 'Driver' });
    const first = await store.createSession({ stationId: st.id, userId: u.id, cardUid: 'AA', startedAt: 1 });
    const second = store.createSession({ stationId: st.id, userId: u.id, cardUid: 'BB', startedAt: 2 });
    await expect(second).rejects.toBeInstanceOf(ConstraintError);
    await expect(second).rejects.toMatchObject({ name: 'ConstraintError', kind: 'unique' });
    expect((await store.openSession(st.id))?.id).toBe(first.id);
    await store.endSession(first.id, { endedAt: 3, endReason: 'stop-dashboard', kwh: 0, cost: 0, duration: 0 });
    const third = await store.createSession({ stationId: st.id, userId: u.id, cardUid: 'CC', startedAt: 4 });
    expect((await store.openSession(st.id))?.id).toBe(third.id);
    await expect(store.createSession({ stationId: 987_654_321, userId: u.id, cardUid: 'DD', startedAt: 5 })).rejects.toMatchObject({
      kind: 'foreign-key',
    });
  });

  it('pages sessions newest first, by station and start time', async () => {
    const [a, b] = [await station(), await station()];
    const u = await store.createUser({ name: 'Pager' });
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const s = await store.createSession({ stationId: a.id, userId: u.id, cardUid: 'P', startedAt: 1000 + i });
      await store.endSession(s.id, { endedAt: 2000 + i, endReason: 'stop-charger', kwh: i, cost: i, duration: i });
      ids.push(s.id);
    }
    const onB = await store.createSession({ stationId: b.id, userId: u.id, cardUid: 'P', startedAt: 1002 });

    const p1 = await store.listSessions({ stationId: a.id, limit: 2 });
    expect(p1.items.map((s) => s.id)).toEqual([ids[4], ids[3]]);
    const p2 = await store.listSessions({ stationId: a.id, limit: 2, before: p1.next! });
    expect(p2.items.map((s) => s.id)).toEqual([ids[2], ids[1]]);
    const p3 = await store.listSessions({ stationId: a.id, limit: 2, before: p2.next! });
    expect(p3).toEqual({ items: [expect.objectContaining({ id: ids[0], kwh: 0 })], next: null });

    const inWindow = await store.listSessions({ from: 1001, to: 1003, limit: 1000 });
    const windowIds = inWindow.items.map((s) => s.id);
    expect(windowIds).toEqual(expect.arrayContaining([ids[1], ids[2], ids[3], onB.id]));
    expect(windowIds).not.toContain(ids[0]);
    expect(windowIds).toEqual([...windowIds].sort((x, y) => y - x));
  });

  it('counts concurrent addMetric calls with the same ts once', async () => {
    const st = await station();
    const u = await store.createUser({ name: 'Racer' });
    const s = await store.createSession({ stationId: st.id, userId: u.id, cardUid: 'R', startedAt: 1 });
    const m = { sessionId: s.id, ts: 1_762_430_400, v: 230, a: 10, w: 2300, energyWh: null, kwh: 0.5, cost: 0.1, time: 1 };
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => store.addMetric(m, { kwh: i, cost: i, duration: i, lastTs: m.ts, lastW: 2300, firstEnergyWh: null })));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true) + 1;
    expect(await store.listMetrics(s.id)).toEqual([m]);
    expect(await store.getSession(s.id)).toMatchObject({ kwh: winner, cost: winner, duration: winner });
  });

  it('commits writes that arrive together as one batch, and one bad write fails alone', async () => {
    const st = await station();
    const u = await store.createUser({ name: 'Batch' });
    const s = await store.createSession({ stationId: st.id, userId: u.id, cardUid: 'B0', startedAt: 1 });
    const m = (ts: number, kwh: number) => ({ sessionId: s.id, ts, v: 230, a: 10, w: 2300, energyWh: null, kwh, cost: kwh / 4, time: ts - 1000 });
    const t = (ts: number, kwh: number) => ({ kwh, cost: kwh / 4, duration: ts - 1000, lastTs: ts, lastW: 2300, firstEnergyWh: null });
    const sensor = (await store.createSensor({ deviceId: (await store.createDevice({ name: 'batch', kind: 'sensor' })).id, type: 'temperature', unit: 'C', name: 't' })).id;

    const results = await Promise.allSettled([
      store.addMetric(m(1001, 1), t(1001, 1)),
      store.addMetric({ ...m(1002, 2), sessionId: 987_654_321 }, t(1002, 2)),
      store.addMetric(m(1003, 3), t(1003, 3)),
      store.addReading({ sensorId: sensor, value: 1.5, ts: 10 }),
      store.addReading({ sensorId: 987_654_321, value: 2.5, ts: 11 }),
      store.addReading({ sensorId: sensor, value: 3.5, ts: 12 }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ kind: 'foreign-key' });
    expect((results[4] as PromiseRejectedResult).reason).toMatchObject({ kind: 'foreign-key' });
    expect((await store.listMetrics(s.id)).map((x) => x.ts)).toEqual([1001, 1003]);
    expect(await store.getSession(s.id)).toMatchObject({ kwh: 3, lastTs: 1003 });
    const readings = (await store.listReadings({ sensorId: sensor })).items;
    expect(readings.map((r) => r.value).sort()).toEqual([1.5, 3.5]);
    expect((results[3] as PromiseFulfilledResult<Reading>).value).toEqual(readings.find((r) => r.value === 1.5));
    expect((results[5] as PromiseFulfilledResult<Reading>).value).toEqual(readings.find((r) => r.value === 3.5));

    // A few thousand readings of many sessions at once: every one stored, each session with its last totals.
    const many = await Promise.all(
      Array.from({ length: 5 }, async (_, i) => {
        const other = await station();
        return store.createSession({ stationId: other.id, userId: u.id, cardUid: `M${i}`, startedAt: 1 });
      }),
    );
    const writes: Promise<boolean>[] = [];
    for (let k = 0; k < 600; k++) for (const x of many) writes.push(store.addMetric({ ...m(2000 + k, k), sessionId: x.id }, t(2000 + k, k)));
    expect((await Promise.all(writes)).every(Boolean)).toBe(true);
    for (const x of many) {
      expect(await store.listMetrics(x.id)).toHaveLength(600);
      expect(await store.getSession(x.id)).toMatchObject({ kwh: 599, lastTs: 2599 });
    }
  });
});

describe('openStore', () => {
  it('rejects database URLs of other schemes', async () => {
    await expect(openStore({ databaseUrl: 'mysql://u:p@h/db', dataDir: tmpdir() })).rejects.toThrow(
      /Unsupported database URL scheme "mysql:".*postgres:\/\/ or postgresql:\/\//,
    );
  });

  it('says which PostgreSQL database could not be reached, and why, without the password', async () => {
    const error = await openStore({ databaseUrl: 'postgresql://fleet:s3cr3t-pw@127.0.0.1:1/espfleet', dataDir: tmpdir() }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toMatch(/^Could not open PostgreSQL database fleet@127\.0\.0\.1:1\/espfleet: .*ECONNREFUSED/);
    expect(message).not.toContain('s3cr3t');
    expect(JSON.stringify(error)).not.toContain('s3cr3t');
  });

  it('says which SQLite file could not be opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'espfleet-bad-'));
    try {
      // A directory where the database file should be.
      mkdirSync(join(dir, 'espfleet.db'));
      await expect(openStore({ dataDir: dir })).rejects.toThrow(`Could not open SQLite database ${join(dir, 'espfleet.db')}: `);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SQLite WAL checkpoints', () => {
  it('are made off the event loop: the WAL is copied into the database file while the server writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'espfleet-wal-'));
    const store = await openStore({ dataDir: dir });
    try {
      const d = await store.createDevice({ name: 'wal', kind: 'sensor' });
      const s = await store.createSensor({ deviceId: d.id, type: 't', unit: 'C' });
      for (let i = 0; i < 3000; i++) await store.addReading({ sensorId: s.id, value: i, ts: i });
      // The database file alone (a copy without its WAL) holds the readings once a checkpoint copied them there.
      const Database = (await import('better-sqlite3')).default;
      const inFile = () => {
        const copy = join(dir, 'copy.db');
        copyFileSync(join(dir, 'espfleet.db'), copy);
        const db = new Database(copy, { readonly: true });
        try {
          return (db.prepare('SELECT count(*) AS n FROM readings').get() as { n: number }).n;
        } catch {
          return 0;
        } finally {
          db.close();
        }
      };
      const end = Date.now() + 5000;
      while (inFile() < 3000 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      expect(inFile()).toBe(3000);
      expect((await store.listReadings({ sensorId: s.id, limit: 1 })).items[0].value).toBe(2999);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
