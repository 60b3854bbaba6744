import pg from 'pg';
import { GroupCommit } from './groupCommit.js';
import { ConstraintError, columns as c, connectedEmailsSql, connectionSelect, migrations, pageOf, pageSelect, schemaMigrationsDdl, toConstraintError } from './migrations.js';
import type {
  ApiKey, Card, ValveRow, ConnectionStatus, Device, FlaggedMetric, Page, Reading, Sensor, SensorWithDevice, Session, SessionMetric, SignalingUser, Station, StationRating,
  StationStatus, Store, User, UserConnection,
} from './store.js';

// pg returns BIGINT (every id and ms timestamp here) as a string; DOUBLE PRECISION and BOOLEAN
// arrive as number and boolean. Each mapper converts its BIGINT columns explicitly.
type Row = Record<string, any>;
const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

const toDevice = (r: Row): Device => ({ id: num(r.id), name: r.name, kind: r.kind, status: r.status, createdAt: num(r.createdAt) });
const toSensor = (r: Row): Sensor => ({ id: num(r.id), deviceId: num(r.deviceId), type: r.type, unit: r.unit, name: r.name });
const toReading = (r: Row): Reading => ({ id: num(r.id), sensorId: num(r.sensorId), value: r.value, ts: num(r.ts) });
const toStation = (r: Row): Station => ({
  id: num(r.id), name: r.name, tariff: r.tariff, status: r.status, deviceId: numOrNull(r.deviceId),
  maxPowerW: r.maxPowerW, maxVoltageV: r.maxVoltageV, maxCurrentA: r.maxCurrentA,
});
const toApiKey = (r: Row): ApiKey => ({
  id: num(r.id), deviceId: num(r.deviceId), name: r.name, prefix: r.prefix, createdAt: num(r.createdAt), revokedAt: numOrNull(r.revokedAt),
});
const toValve = (r: Row): ValveRow => ({
  id: num(r.id), deviceId: num(r.deviceId), name: r.name, address: r.address, passkeyCipher: r.passkeyCipher, createdAt: num(r.createdAt),
});
const toUser = (r: Row): User => ({ id: num(r.id), name: r.name, email: r.email, blocked: r.blocked });
const toSession = (r: Row): Session => ({
  id: num(r.id), stationId: num(r.stationId), userId: num(r.userId), cardUid: r.cardUid,
  startedAt: num(r.startedAt), endedAt: numOrNull(r.endedAt), endReason: r.endReason,
  kwh: r.kwh, cost: r.cost, duration: r.duration,
  lastTs: numOrNull(r.lastTs), lastW: r.lastW, firstEnergyWh: r.firstEnergyWh,
});
const toMetric = (r: Row): SessionMetric => ({
  sessionId: num(r.sessionId), ts: num(r.ts), v: r.v, a: r.a, w: r.w, energyWh: r.energyWh, kwh: r.kwh, cost: r.cost, time: r.time,
});

const toFlagged = (r: Row): FlaggedMetric => ({
  id: num(r.id), sessionId: num(r.sessionId), ts: r.ts, v: r.v, a: r.a, w: r.w, energyWh: r.energyWh, flag: r.flag, receivedAt: num(r.receivedAt),
});

const toSignalingUser = (r: Row): SignalingUser => ({ id: num(r.id), email: r.email, createdAt: num(r.createdAt) });
const toConnection = (r: Row): UserConnection => ({
  id: num(r.id), requesterId: num(r.requesterId), requesterEmail: r.requesterEmail, addresseeId: num(r.addresseeId),
  addresseeEmail: r.addresseeEmail, status: r.status, createdAt: num(r.createdAt), updatedAt: num(r.updatedAt),
});

type Queryable = pg.Pool | pg.PoolClient;
type NewReading = { sensorId: number; value: number; ts: number };
type MetricTotals = Pick<Session, 'kwh' | 'cost' | 'duration' | 'lastTs' | 'lastW' | 'firstEnergyWh'>;
type NewMetric = { m: SessionMetric; t: MetricTotals };

/** Errors a server raised for a statement (a constraint, a bad value), as opposed to a lost connection. */
const statementError = (e: unknown): boolean => e instanceof ConstraintError || e instanceof pg.DatabaseError;
// Large enough to carry 10,000 readings a second in a few round trips, small enough to keep one
// statement's parameters well within what PostgreSQL parses quickly.
const MAX_BATCH = 2000;

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly schema: string | undefined;
  private closed = false;
  private readonly readings = new GroupCommit<NewReading, Reading>({
    many: (rs) => this.addReadings(rs), one: (r) => this.addReadingAlone(r), perItem: statementError, maxBatch: MAX_BATCH,
  });
  private readonly metrics = new GroupCommit<NewMetric, boolean>({
    many: (ms) => this.addMetrics(ms), one: (m) => this.addMetricAlone(m), perItem: statementError, maxBatch: MAX_BATCH,
  });

  /** With `schema`, every table lives in that schema (created by migrate()). */
  constructor(connectionString: string, opts: { schema?: string } = {}) {
    if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(opts.schema)) {
      throw new Error(`Invalid schema name ${JSON.stringify(opts.schema)}: use lower-case letters, digits and _`);
    }
    this.schema = opts.schema;
    this.pool = new pg.Pool({
      connectionString,
      connectionTimeoutMillis: 10_000,
      ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    });
    // An idle client that loses its connection is dropped from the pool and the next query opens
    // a new one; without a listener the event would crash the process instead.
    this.pool.on('error', () => {});
  }

  private async query(sql: string, params: unknown[] = [], on: Queryable = this.pool): Promise<pg.QueryResult<Row>> {
    try {
      return await on.query<Row>(sql, params);
    } catch (e) {
      throw toConstraintError(e);
    }
  }

  private async rows<T>(map: (r: Row) => T, sql: string, ...params: unknown[]): Promise<T[]> {
    return (await this.query(sql, params)).rows.map(map);
  }

  private async row<T>(map: (r: Row) => T, sql: string, ...params: unknown[]): Promise<T | undefined> {
    const r = (await this.query(sql, params)).rows[0];
    return r && map(r);
  }

  /** For INSERT/UPDATE ... RETURNING that must produce a row. */
  private async one<T>(map: (r: Row) => T, sql: string, params: unknown[], on: Queryable = this.pool): Promise<T> {
    const r = (await this.query(sql, params, on)).rows[0];
    if (!r) throw new Error(`No row returned by: ${sql}`);
    return map(r);
  }

  private async tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (e) {
      await client.query('ROLLBACK').then(
        () => client.release(),
        (rollbackError: Error) => client.release(rollbackError), // discards the broken connection
      );
      throw toConstraintError(e);
    }
  }

  async migrate(): Promise<void> {
    // One lock for every migrator on this database, so concurrent starts apply each migration once.
    const lock = (client: pg.PoolClient) => client.query("SELECT pg_advisory_xact_lock(hashtext('espfleet:migrate'))");
    await this.tx(async (client) => {
      await lock(client);
      if (this.schema) await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await client.query(schemaMigrationsDdl);
    });
    for (const m of migrations) {
      await this.tx(async (client) => {
        await lock(client);
        if ((await client.query('SELECT 1 FROM schema_migrations WHERE id = $1', [m.id])).rowCount) return;
        await client.query(m.sql.postgres);
        await client.query('INSERT INTO schema_migrations (id, name, applied_at) VALUES ($1, $2, $3)', [m.id, m.name, Date.now()]);
      });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  async createDevice(d: { name: string; kind: string; status?: string }): Promise<Device> {
    return this.one(
      toDevice,
      `INSERT INTO devices (name, kind, status, created_at) VALUES ($1, $2, $3, $4) RETURNING ${c.device}`,
      [d.name, d.kind, d.status ?? 'offline', Date.now()],
    );
  }

  async getDevice(id: number): Promise<Device | undefined> {
    return this.row(toDevice, `SELECT ${c.device} FROM devices WHERE id = $1`, id);
  }

  async listDevices(): Promise<Device[]> {
    return this.rows(toDevice, `SELECT ${c.device} FROM devices ORDER BY id`);
  }

  async setDeviceStatus(id: number, status: string): Promise<Device | undefined> {
    return this.row(toDevice, `UPDATE devices SET status = $1 WHERE id = $2 AND status <> $1 RETURNING ${c.device}`, status, id);
  }

  async createSensor(s: { deviceId: number; type: string; unit: string; name?: string }): Promise<Sensor> {
    return this.one(
      toSensor,
      `INSERT INTO sensors (device_id, type, unit, name) VALUES ($1, $2, $3, $4) RETURNING ${c.sensor}`,
      [s.deviceId, s.type, s.unit, s.name ?? s.type],
    );
  }

  async getSensor(id: number): Promise<SensorWithDevice | undefined> {
    return this.row(
      (r) => ({ ...toSensor(r), deviceName: r.deviceName as string }),
      `SELECT s.id, s.device_id AS "deviceId", s.type, s.unit, s.name, d.name AS "deviceName"
       FROM sensors s JOIN devices d ON d.id = s.device_id WHERE s.id = $1`,
      id,
    );
  }

  async listSensors(deviceId?: number): Promise<Sensor[]> {
    return deviceId === undefined
      ? this.rows(toSensor, `SELECT ${c.sensor} FROM sensors ORDER BY id`)
      : this.rows(toSensor, `SELECT ${c.sensor} FROM sensors WHERE device_id = $1 ORDER BY id`, deviceId);
  }

  async ensureSensor(s: { deviceId: number; type: string; unit: string }): Promise<Sensor> {
    const find = `SELECT ${c.sensor} FROM sensors WHERE device_id = $1 AND type = $2 ORDER BY id LIMIT 1`;
    const found = await this.row(toSensor, find, s.deviceId, s.type);
    if (found) return found;
    return this.tx(async (client) => {
      // Locking the device row serialises concurrent first readings of the same new sensor.
      await client.query('SELECT 1 FROM devices WHERE id = $1 FOR UPDATE', [s.deviceId]);
      const r = (await client.query(find, [s.deviceId, s.type])).rows[0];
      if (r) return toSensor(r);
      return this.one(
        toSensor,
        `INSERT INTO sensors (device_id, type, unit, name) VALUES ($1, $2, $3, $2) RETURNING ${c.sensor}`,
        [s.deviceId, s.type, s.unit],
        client,
      );
    });
  }

  async addReading(r: NewReading): Promise<Reading> {
    return this.readings.add(r);
  }

  private addReadingAlone(r: NewReading): Promise<Reading> {
    return this.one(toReading, `INSERT INTO readings (sensor_id, value, ts) VALUES ($1, $2, $3) RETURNING ${c.reading}`, [
      r.sensorId, r.value, r.ts,
    ]);
  }

  /** One INSERT for a batch; a single statement inserts its rows, and returns them, in input order. */
  private async addReadings(rs: NewReading[]): Promise<Reading[]> {
    const r = await this.query(
      `INSERT INTO readings (sensor_id, value, ts)
       SELECT sensor_id, value, ts FROM unnest($1::bigint[], $2::float8[], $3::bigint[]) WITH ORDINALITY AS t(sensor_id, value, ts, ord) ORDER BY ord
       RETURNING ${c.reading}`,
      [rs.map((x) => x.sensorId), rs.map((x) => x.value), rs.map((x) => x.ts)],
    );
    return r.rows.map(toReading);
  }

  async listReadings(q: { sensorId: number; from?: number; to?: number; before?: number; limit?: number }): Promise<Page<Reading>> {
    const p = pageSelect({ select: c.reading, table: 'readings', equal: [['sensor_id', q.sensorId]], tsColumn: 'ts', q, placeholder: (n) => `$${n}` });
    return pageOf(await this.rows(toReading, p.sql, ...p.params), p.limit);
  }

  async createStation(s: { id?: number; name: string; tariff: number; deviceId?: number | null } & Partial<StationRating>): Promise<Station> {
    if (s.id == null) return this.insertStation(this.pool, s);
    return this.tx((client) => this.insertStation(client, s));
  }

  /** With an explicit id, `on` must be a transaction's client: the id sequence is moved under a lock. */
  private async insertStation(
    on: Queryable,
    s: { id?: number; name: string; tariff: number; deviceId?: number | null; status?: StationStatus } & Partial<StationRating>,
  ): Promise<Station> {
    const values = [s.name, s.tariff, s.status ?? 'disponible', s.deviceId ?? null, s.maxPowerW ?? null, s.maxVoltageV ?? null, s.maxCurrentA ?? null];
    if (s.id == null) {
      return this.one(
        toStation,
        `INSERT INTO stations (name, tariff, status, device_id, max_power_w, max_voltage_v, max_current_a)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${c.station}`,
        values,
        on,
      );
    }
    // An explicit id does not advance the identity sequence: move it past the largest id, under a
    // lock so that a concurrent insert cannot move it back.
    await on.query('LOCK TABLE stations IN EXCLUSIVE MODE');
    const station = await this.one(
      toStation,
      `INSERT INTO stations (id, name, tariff, status, device_id, max_power_w, max_voltage_v, max_current_a)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${c.station}`,
      [s.id, ...values],
      on,
    );
    await on.query("SELECT setval(pg_get_serial_sequence('stations', 'id'), (SELECT MAX(id) FROM stations))");
    return station;
  }

  async createStationWithDevice(s: Parameters<Store['createStationWithDevice']>[0]): Promise<{ station: Station; device: Device; sensors: Sensor[] }> {
    return this.tx(async (client) => {
      const device = await this.one(
        toDevice,
        `INSERT INTO devices (name, kind, status, created_at) VALUES ($1, $2, $3, $4) RETURNING ${c.device}`,
        [s.device.name, s.device.kind, s.device.status, Date.now()],
        client,
      );
      const sensors: Sensor[] = [];
      for (const x of s.sensors) {
        sensors.push(
          await this.one(toSensor, `INSERT INTO sensors (device_id, type, unit, name) VALUES ($1, $2, $3, $2) RETURNING ${c.sensor}`, [device.id, x.type, x.unit], client),
        );
      }
      const station = await this.insertStation(client, { ...s.station, deviceId: device.id });
      if (station.id > s.maxId) throw new RangeError(`station id ${station.id} would pass ${s.maxId}`);
      return { station, device, sensors };
    });
  }

  async getStation(id: number): Promise<Station | undefined> {
    return this.row(toStation, `SELECT ${c.station} FROM stations WHERE id = $1`, id);
  }

  async listStations(): Promise<Station[]> {
    return this.rows(toStation, `SELECT ${c.station} FROM stations ORDER BY id`);
  }

  async setStationStatus(id: number, status: StationStatus): Promise<void> {
    await this.query('UPDATE stations SET status = $1 WHERE id = $2', [status, id]);
  }

  async createUser(u: { name: string; email?: string | null; blocked?: boolean }): Promise<User> {
    return this.one(toUser, `INSERT INTO users (name, email, blocked) VALUES ($1, $2, $3) RETURNING ${c.user}`, [
      u.name, u.email ?? null, u.blocked ?? false,
    ]);
  }

  async getUser(id: number): Promise<User | undefined> {
    return this.row(toUser, `SELECT ${c.user} FROM users WHERE id = $1`, id);
  }

  async setUserBlocked(id: number, blocked: boolean): Promise<void> {
    await this.query('UPDATE users SET blocked = $1 WHERE id = $2', [blocked, id]);
  }

  async createCard(card: { uid: string; userId: number }): Promise<Card> {
    return this.one(
      (r) => ({ uid: r.uid as string, userId: num(r.userId) }),
      'INSERT INTO nfc_cards (uid, user_id) VALUES ($1, $2) RETURNING uid, user_id AS "userId"',
      [card.uid.toUpperCase(), card.userId],
    );
  }

  async findCard(uid: string): Promise<(Card & { user: User }) | undefined> {
    return this.row(
      (r) => ({ uid: r.uid as string, userId: num(r.id), user: toUser(r) }),
      'SELECT c.uid, u.id, u.name, u.email, u.blocked FROM nfc_cards c JOIN users u ON u.id = c.user_id WHERE c.uid = $1',
      uid.toUpperCase(),
    );
  }

  async createSession(s: { stationId: number; userId: number; cardUid: string; startedAt: number }): Promise<Session> {
    return this.one(
      toSession,
      `INSERT INTO sessions (station_id, user_id, card_uid, started_at) VALUES ($1, $2, $3, $4) RETURNING ${c.session}`,
      [s.stationId, s.userId, s.cardUid, s.startedAt],
    );
  }

  async getSession(id: number): Promise<Session | undefined> {
    return this.row(toSession, `SELECT ${c.session} FROM sessions WHERE id = $1`, id);
  }

  async openSession(stationId: number): Promise<Session | undefined> {
    return this.row(toSession, `SELECT ${c.session} FROM sessions WHERE station_id = $1 AND ended_at IS NULL`, stationId);
  }

  async listOpenSessions(): Promise<Session[]> {
    return this.rows(toSession, `SELECT ${c.session} FROM sessions WHERE ended_at IS NULL ORDER BY id`);
  }

  async addMetric(m: SessionMetric, t: MetricTotals): Promise<boolean> {
    return this.metrics.add({ m, t });
  }

  private async addMetricAlone({ m, t }: NewMetric): Promise<boolean> {
    // One statement is one transaction and one round trip: the totals change only when the row is
    // inserted. A concurrent insert of the same (session_id, ts) waits for this one and then does nothing.
    const r = await this.query(
      `WITH inserted AS (
         INSERT INTO session_metrics (session_id, ts, v, a, w, energy_wh, kwh, cost, time)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (session_id, ts) DO NOTHING RETURNING session_id
       )
       UPDATE sessions SET kwh = $10, cost = $11, duration = $12, last_ts = $13, last_w = $14, first_energy_wh = $15
       FROM inserted WHERE sessions.id = inserted.session_id`,
      [
        m.sessionId, m.ts, m.v, m.a, m.w, m.energyWh ?? null, m.kwh, m.cost, m.time,
        t.kwh, t.cost, t.duration, t.lastTs ?? null, t.lastW ?? null, t.firstEnergyWh ?? null,
      ],
    );
    return r.rowCount === 1;
  }

  /**
   * A batch of readings in one statement: the first of each (session, ts) is inserted unless
   * stored already, and each session takes the totals of its last inserted reading of the batch.
   */
  private async addMetrics(batch: NewMetric[]): Promise<boolean[]> {
    const col = <T>(f: (x: NewMetric) => T) => batch.map(f);
    const r = await this.query(
      `WITH input AS (
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::float8[],
                              $9::float8[], $10::float8[], $11::float8[], $12::float8[], $13::bigint[], $14::float8[], $15::float8[])
           WITH ORDINALITY AS t(session_id, ts, v, a, w, energy_wh, kwh, cost, time, t_kwh, t_cost, t_duration, t_last_ts, t_last_w, t_first_energy_wh, ord)
       ),
       firsts AS (SELECT DISTINCT ON (session_id, ts) * FROM input ORDER BY session_id, ts, ord),
       inserted AS (
         INSERT INTO session_metrics (session_id, ts, v, a, w, energy_wh, kwh, cost, time)
         SELECT session_id, ts, v, a, w, energy_wh, kwh, cost, time FROM firsts ORDER BY ord
         ON CONFLICT (session_id, ts) DO NOTHING RETURNING session_id, ts
       ),
       totals AS (
         UPDATE sessions SET kwh = x.t_kwh, cost = x.t_cost, duration = x.t_duration, last_ts = x.t_last_ts, last_w = x.t_last_w,
           first_energy_wh = x.t_first_energy_wh
         FROM (SELECT DISTINCT ON (f.session_id) f.* FROM firsts f JOIN inserted i USING (session_id, ts) ORDER BY f.session_id, f.ord DESC) x
         WHERE sessions.id = x.session_id
       )
       SELECT f.ord FROM firsts f JOIN inserted i USING (session_id, ts)`,
      [
        col((x) => x.m.sessionId), col((x) => x.m.ts), col((x) => x.m.v), col((x) => x.m.a), col((x) => x.m.w), col((x) => x.m.energyWh ?? null),
        col((x) => x.m.kwh), col((x) => x.m.cost), col((x) => x.m.time),
        col((x) => x.t.kwh), col((x) => x.t.cost), col((x) => x.t.duration), col((x) => x.t.lastTs ?? null), col((x) => x.t.lastW ?? null),
        col((x) => x.t.firstEnergyWh ?? null),
      ],
    );
    const stored = new Array<boolean>(batch.length).fill(false);
    for (const row of r.rows) stored[Number(row.ord) - 1] = true;
    return stored;
  }

  async metricsAround(sessionId: number, ts: number): Promise<{ atOrBefore?: SessionMetric; after?: SessionMetric }> {
    const rows = await this.rows(
      (r) => ({ side: r.side as string, metric: toMetric(r) }),
      `SELECT * FROM (SELECT 'atOrBefore' AS side, ${c.metric} FROM session_metrics WHERE session_id = $1 AND ts <= $2 ORDER BY ts DESC LIMIT 1) b
       UNION ALL
       SELECT * FROM (SELECT 'after' AS side, ${c.metric} FROM session_metrics WHERE session_id = $1 AND ts > $2 ORDER BY ts LIMIT 1) a`,
      sessionId, ts,
    );
    return Object.fromEntries(rows.map((r) => [r.side, r.metric]));
  }

  async listMetrics(sessionId: number): Promise<SessionMetric[]> {
    return this.rows(toMetric, `SELECT ${c.metric} FROM session_metrics WHERE session_id = $1 ORDER BY ts`, sessionId);
  }

  async addFlaggedMetric(m: Omit<FlaggedMetric, 'id'>): Promise<FlaggedMetric> {
    return this.one(
      toFlagged,
      `INSERT INTO session_flagged_metrics (session_id, ts, v, a, w, energy_wh, flag, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${c.flaggedMetric}`,
      [m.sessionId, m.ts, m.v, m.a, m.w, m.energyWh ?? null, m.flag, m.receivedAt],
    );
  }

  async listFlaggedMetrics(sessionId: number): Promise<FlaggedMetric[]> {
    return this.rows(toFlagged, `SELECT ${c.flaggedMetric} FROM session_flagged_metrics WHERE session_id = $1 ORDER BY id`, sessionId);
  }

  async endSession(
    id: number,
    end: { endedAt: number; endReason: string; kwh: number; cost: number; duration: number },
  ): Promise<Session> {
    // Only an open session is ended: ending it again keeps the first end (time, reason, totals).
    await this.query(
      'UPDATE sessions SET ended_at = $1, end_reason = $2, kwh = $3, cost = $4, duration = $5 WHERE id = $6 AND ended_at IS NULL',
      [end.endedAt, end.endReason, end.kwh, end.cost, end.duration, id],
    );
    const session = await this.getSession(id);
    if (!session) throw new Error(`No session ${id}`);
    return session;
  }

  async listSessions(q: { stationId?: number; from?: number; to?: number; before?: number; limit?: number }): Promise<Page<Session>> {
    const p = pageSelect({
      select: c.session, table: 'sessions', tsColumn: 'started_at', q, placeholder: (n) => `$${n}`,
      equal: q.stationId === undefined ? [] : [['station_id', q.stationId]],
    });
    return pageOf(await this.rows(toSession, p.sql, ...p.params), p.limit);
  }
  async createSignalingUser(u: { email: string; passwordHash: string }): Promise<SignalingUser> {
    return this.one(
      toSignalingUser,
      `INSERT INTO signaling_users (email, password_hash, created_at) VALUES ($1, $2, $3) RETURNING ${c.signalingUser}`,
      [u.email, u.passwordHash, Date.now()],
    );
  }

  async findSignalingUser(email: string): Promise<(SignalingUser & { passwordHash: string }) | undefined> {
    return this.row(
      (r) => ({ ...toSignalingUser(r), passwordHash: r.passwordHash as string }),
      `SELECT ${c.signalingUser}, password_hash AS "passwordHash" FROM signaling_users WHERE email = $1`,
      email,
    );
  }

  async addSignalingToken(t: { token: string; userId: number; expiresAt: number }): Promise<void> {
    const now = Date.now();
    await this.tx(async (client) => {
      await client.query('DELETE FROM signaling_tokens WHERE user_id = $1 AND expires_at <= $2', [t.userId, now]);
      await client.query('INSERT INTO signaling_tokens (token, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)', [t.token, t.userId, now, t.expiresAt]);
    });
  }

  async signalingUserForToken(token: string, now: number): Promise<SignalingUser | undefined> {
    return this.row(
      toSignalingUser,
      `SELECT u.id, u.email, u.created_at AS "createdAt" FROM signaling_tokens t JOIN signaling_users u ON u.id = t.user_id
       WHERE t.token = $1 AND t.expires_at > $2`,
      token, now,
    );
  }

  async deleteSignalingToken(token: string): Promise<boolean> {
    return ((await this.query('DELETE FROM signaling_tokens WHERE token = $1', [token])).rowCount ?? 0) > 0;
  }

  async getConnection(id: number): Promise<UserConnection | undefined> {
    return this.row(toConnection, `${connectionSelect} WHERE c.id = $1`, id);
  }

  async connectionBetween(userA: number, userB: number): Promise<UserConnection | undefined> {
    return this.row(toConnection, `${connectionSelect} WHERE c.user_low = $1 AND c.user_high = $2`, Math.min(userA, userB), Math.max(userA, userB));
  }

  async insertConnection(x: { requesterId: number; addresseeId: number }): Promise<UserConnection> {
    const now = Date.now();
    const { id } = await this.one(
      (r) => ({ id: num(r.id) }),
      `INSERT INTO signaling_connections (requester_id, addressee_id, user_low, user_high, status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'pending', $5, $5) RETURNING id`,
      [x.requesterId, x.addresseeId, Math.min(x.requesterId, x.addresseeId), Math.max(x.requesterId, x.addresseeId), now],
    );
    return (await this.getConnection(id))!;
  }

  async updateConnection(
    id: number,
    from: ConnectionStatus,
    to: { requesterId: number; addresseeId: number; status: ConnectionStatus },
  ): Promise<UserConnection | undefined> {
    const r = await this.query(
      'UPDATE signaling_connections SET requester_id = $1, addressee_id = $2, status = $3, updated_at = $4 WHERE id = $5 AND status = $6',
      [to.requesterId, to.addresseeId, to.status, Date.now(), id, from],
    );
    return r.rowCount ? this.getConnection(id) : undefined;
  }

  async listConnections(userId: number): Promise<UserConnection[]> {
    return this.rows(toConnection, `${connectionSelect} WHERE c.requester_id = $1 OR c.addressee_id = $1 ORDER BY c.id DESC`, userId);
  }

  async connectedEmails(email: string): Promise<string[]> {
    return (await this.query(connectedEmailsSql('$1'), [email])).rows.map((r) => r.email as string);
  }

  async deleteDevice(id: number): Promise<boolean> {
    return ((await this.query('DELETE FROM devices WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async markDeviceProvisioned(id: number, at: number): Promise<boolean> {
    return ((await this.query('UPDATE devices SET provisioned_at = $1 WHERE id = $2 AND provisioned_at IS NULL', [at, id])).rowCount ?? 0) > 0;
  }

  async deviceProvisioned(id: number): Promise<boolean> {
    return ((await this.query('SELECT 1 FROM devices WHERE id = $1 AND provisioned_at IS NOT NULL', [id])).rowCount ?? 0) > 0;
  }

  async createValve(v: Parameters<Store['createValve']>[0]): Promise<ValveRow> {
    return this.tx(async (client) => {
      const device = await this.one(
        toDevice,
        `INSERT INTO devices (name, kind, status, created_at) VALUES ($1, 'valve', 'offline', $2) RETURNING ${c.device}`,
        [v.name, Date.now()],
        client,
      );
      for (const x of v.sensors) await this.query('INSERT INTO sensors (device_id, type, unit, name) VALUES ($1, $2, $3, $4)', [device.id, x.type, x.unit, x.type], client);
      const id = num((await this.query('INSERT INTO valves (device_id, address, passkey_cipher, created_at) VALUES ($1, $2, $3, $4) RETURNING id', [device.id, v.address, v.passkeyCipher, Date.now()], client)).rows[0].id);
      return this.one(toValve, `SELECT ${c.valve} FROM valves v JOIN devices d ON d.id = v.device_id WHERE v.id = $1`, [id], client);
    });
  }

  async listValves(): Promise<ValveRow[]> {
    return this.rows(toValve, `SELECT ${c.valve} FROM valves v JOIN devices d ON d.id = v.device_id ORDER BY v.id`);
  }

  async getValve(id: number): Promise<ValveRow | undefined> {
    return (await this.rows(toValve, `SELECT ${c.valve} FROM valves v JOIN devices d ON d.id = v.device_id WHERE v.id = $1`, id))[0];
  }

  async deleteValve(id: number): Promise<boolean> {
    return ((await this.query('DELETE FROM devices WHERE id = (SELECT device_id FROM valves WHERE id = $1)', [id])).rowCount ?? 0) > 0;
  }

  async createApiKey(k: { deviceId: number; name: string; prefix: string; hash: string }): Promise<ApiKey> {
    return this.one(
      toApiKey,
      `INSERT INTO device_api_keys (device_id, name, prefix, key_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING ${c.apiKey}`,
      [k.deviceId, k.name, k.prefix, k.hash, Date.now()],
    );
  }

  async listApiKeys(deviceId: number): Promise<ApiKey[]> {
    return this.rows(toApiKey, `SELECT ${c.apiKey} FROM device_api_keys WHERE device_id = $1 ORDER BY id`, deviceId);
  }

  async apiKeyByHash(hash: string): Promise<ApiKey | undefined> {
    return this.row(toApiKey, `SELECT ${c.apiKey} FROM device_api_keys WHERE key_hash = $1`, hash);
  }

  async revokeApiKey(deviceId: number, id: number, at: number): Promise<ApiKey | undefined> {
    return this.row(
      toApiKey,
      `UPDATE device_api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 AND device_id = $3 RETURNING ${c.apiKey}`,
      at, id, deviceId,
    );
  }
}
