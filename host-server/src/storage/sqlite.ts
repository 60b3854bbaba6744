import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import Database from 'better-sqlite3';
import { WalCheckpointer } from './walCheckpointer.js';
import { columns as c, connectedEmailsSql, connectionSelect, migrations, pageOf, pageSelect, schemaMigrationsDdl, toConstraintError } from './migrations.js';
import type {
  ApiKey, Card, ValveRow, ConnectionStatus, Device, FlaggedMetric, Page, Reading, Sensor, SensorWithDevice, Session, SessionMetric, SignalingUser, Station, StationRating,
  StationStatus, Store, User, UserConnection,
} from './store.js';

type UserRow = Omit<User, 'blocked'> & { blocked: number };
const toUser = (r: UserRow): User => ({ ...r, blocked: r.blocked !== 0 });

/** The embedded store. better-sqlite3 is synchronous; the methods are async only to fit Store. */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  private readonly checkpointer?: WalCheckpointer;

  constructor(file: string, o: { onError?: (message: string) => void } = {}) {
    const onDisk = file !== ':memory:' && file !== '';
    if (onDisk) mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    // Readings of many long sessions land on many index pages at once: a page cache of 64 MiB
    // (SQLite's default is 2 MiB) keeps them in memory instead of re-reading them on every insert.
    this.db.pragma('cache_size = -65536');
    if (onDisk) {
      this.db.pragma('wal_autocheckpoint = 0');
      this.checkpointer = new WalCheckpointer(file, createRequire(import.meta.url).resolve('better-sqlite3'), o.onError ?? ((m) => process.emitWarning(`SQLite WAL checkpoint failed: ${m}`)));
    }
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private pending: Array<() => void> = [];
  private flushing: NodeJS.Immediate | undefined;

  /**
   * Group commit for the hot writes (readings, metrics): those arriving in the same event-loop
   * turn share one transaction, so one WAL commit, each in its own savepoint so a failing one
   * rolls back alone. Each promise settles after the commit, so awaiting code sees its write.
   */
  private grouped<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push(() => {
        try {
          resolve(this.guard(() => this.db.transaction(work)()));
        } catch (e) {
          reject(e);
        }
      });
      this.flushing ??= setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    this.flushing = undefined;
    const batch = this.pending;
    this.pending = [];
    if (!batch.length || !this.db.open) return;
    this.db.transaction(() => {
      for (const f of batch) f();
    })();
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw toConstraintError(e);
    }
  }

  private get<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.guard(() => this.stmt(sql).get(...params) as T | undefined);
  }

  private all<T>(sql: string, ...params: unknown[]): T[] {
    return this.guard(() => this.stmt(sql).all(...params) as T[]);
  }

  private run(sql: string, ...params: unknown[]): number {
    return this.guard(() => this.stmt(sql).run(...params).changes);
  }

  /** For INSERT/UPDATE ... RETURNING that must produce a row. */
  private one<T>(sql: string, ...params: unknown[]): T {
    const row = this.get<T>(sql, ...params);
    if (!row) throw new Error(`No row returned by: ${sql}`);
    return row;
  }

  async migrate(): Promise<void> {
    this.db.exec(schemaMigrationsDdl);
    for (const m of migrations) {
      // IMMEDIATE takes the write lock before the check, so two processes cannot both apply m.
      this.db.transaction(() => {
        if (this.db.prepare('SELECT 1 FROM schema_migrations WHERE id = ?').get(m.id)) return;
        this.db.exec(m.sql.sqlite);
        this.db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)').run(m.id, m.name, Date.now());
      }).immediate();
    }
  }

  async close(): Promise<void> {
    if (this.flushing) clearImmediate(this.flushing);
    this.flush();
    await this.checkpointer?.close();
    if (this.db.open) this.db.close();
  }

  async createDevice(d: { name: string; kind: string; status?: string }): Promise<Device> {
    return this.one(
      `INSERT INTO devices (name, kind, status, created_at) VALUES (?, ?, ?, ?) RETURNING ${c.device}`,
      d.name, d.kind, d.status ?? 'offline', Date.now(),
    );
  }

  async getDevice(id: number): Promise<Device | undefined> {
    return this.get(`SELECT ${c.device} FROM devices WHERE id = ?`, id);
  }

  async listDevices(): Promise<Device[]> {
    return this.all(`SELECT ${c.device} FROM devices ORDER BY id`);
  }

  async setDeviceStatus(id: number, status: string): Promise<Device | undefined> {
    return this.get(`UPDATE devices SET status = ? WHERE id = ? AND status <> ? RETURNING ${c.device}`, status, id, status);
  }

  async createSensor(s: { deviceId: number; type: string; unit: string; name?: string }): Promise<Sensor> {
    return this.one(
      `INSERT INTO sensors (device_id, type, unit, name) VALUES (?, ?, ?, ?) RETURNING ${c.sensor}`,
      s.deviceId, s.type, s.unit, s.name ?? s.type,
    );
  }

  async getSensor(id: number): Promise<SensorWithDevice | undefined> {
    return this.get(
      `SELECT s.id, s.device_id AS "deviceId", s.type, s.unit, s.name, d.name AS "deviceName"
       FROM sensors s JOIN devices d ON d.id = s.device_id WHERE s.id = ?`,
      id,
    );
  }

  async listSensors(deviceId?: number): Promise<Sensor[]> {
    return deviceId === undefined
      ? this.all(`SELECT ${c.sensor} FROM sensors ORDER BY id`)
      : this.all(`SELECT ${c.sensor} FROM sensors WHERE device_id = ? ORDER BY id`, deviceId);
  }

  async ensureSensor(s: { deviceId: number; type: string; unit: string }): Promise<Sensor> {
    return this.db.transaction(
      () =>
        this.get<Sensor>(`SELECT ${c.sensor} FROM sensors WHERE device_id = ? AND type = ? ORDER BY id LIMIT 1`, s.deviceId, s.type) ??
        this.one<Sensor>(
          `INSERT INTO sensors (device_id, type, unit, name) VALUES (?, ?, ?, ?) RETURNING ${c.sensor}`,
          s.deviceId, s.type, s.unit, s.type,
        ),
    )();
  }

  async addReading(r: { sensorId: number; value: number; ts: number }): Promise<Reading> {
    return this.grouped(() => this.one<Reading>(`INSERT INTO readings (sensor_id, value, ts) VALUES (?, ?, ?) RETURNING ${c.reading}`, r.sensorId, r.value, r.ts));
  }

  async listReadings(q: { sensorId: number; from?: number; to?: number; before?: number; limit?: number }): Promise<Page<Reading>> {
    const p = pageSelect({ select: c.reading, table: 'readings', equal: [['sensor_id', q.sensorId]], tsColumn: 'ts', q, placeholder: () => '?' });
    return pageOf(this.all<Reading>(p.sql, ...p.params), p.limit);
  }

  async createStation(s: { id?: number; name: string; tariff: number; deviceId?: number | null } & Partial<StationRating>): Promise<Station> {
    return this.insertStation(s);
  }

  private insertStation(s: { id?: number; name: string; tariff: number; deviceId?: number | null; status?: StationStatus } & Partial<StationRating>): Station {
    return this.one(
      `INSERT INTO stations (id, name, tariff, status, device_id, max_power_w, max_voltage_v, max_current_a)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${c.station}`,
      s.id ?? null, s.name, s.tariff, s.status ?? 'disponible', s.deviceId ?? null, s.maxPowerW ?? null, s.maxVoltageV ?? null, s.maxCurrentA ?? null,
    );
  }

  async createStationWithDevice(s: Parameters<Store['createStationWithDevice']>[0]): Promise<{ station: Station; device: Device; sensors: Sensor[] }> {
    return this.guard(() =>
      this.db.transaction(() => {
        const device = this.one<Device>(
          `INSERT INTO devices (name, kind, status, created_at) VALUES (?, ?, ?, ?) RETURNING ${c.device}`,
          s.device.name, s.device.kind, s.device.status, Date.now(),
        );
        const sensors = s.sensors.map((x) =>
          this.one<Sensor>(`INSERT INTO sensors (device_id, type, unit, name) VALUES (?, ?, ?, ?) RETURNING ${c.sensor}`, device.id, x.type, x.unit, x.type),
        );
        const station = this.insertStation({ ...s.station, deviceId: device.id });
        if (station.id > s.maxId) throw new RangeError(`station id ${station.id} would pass ${s.maxId}`);
        return { station, device, sensors };
      })(),
    );
  }

  async getStation(id: number): Promise<Station | undefined> {
    return this.get(`SELECT ${c.station} FROM stations WHERE id = ?`, id);
  }

  async listStations(): Promise<Station[]> {
    return this.all(`SELECT ${c.station} FROM stations ORDER BY id`);
  }

  async setStationStatus(id: number, status: StationStatus): Promise<void> {
    this.run('UPDATE stations SET status = ? WHERE id = ?', status, id);
  }

  async createUser(u: { name: string; email?: string | null; blocked?: boolean }): Promise<User> {
    return toUser(
      this.one(`INSERT INTO users (name, email, blocked) VALUES (?, ?, ?) RETURNING ${c.user}`, u.name, u.email ?? null, u.blocked ? 1 : 0),
    );
  }

  async getUser(id: number): Promise<User | undefined> {
    const row = this.get<UserRow>(`SELECT ${c.user} FROM users WHERE id = ?`, id);
    return row && toUser(row);
  }

  async setUserBlocked(id: number, blocked: boolean): Promise<void> {
    this.run('UPDATE users SET blocked = ? WHERE id = ?', blocked ? 1 : 0, id);
  }

  async createCard(card: { uid: string; userId: number }): Promise<Card> {
    return this.one(
      'INSERT INTO nfc_cards (uid, user_id) VALUES (?, ?) RETURNING uid, user_id AS "userId"',
      card.uid.toUpperCase(), card.userId,
    );
  }

  async findCard(uid: string): Promise<(Card & { user: User }) | undefined> {
    const row = this.get<UserRow & { uid: string }>(
      `SELECT c.uid, u.id, u.name, u.email, u.blocked FROM nfc_cards c JOIN users u ON u.id = c.user_id WHERE c.uid = ?`,
      uid.toUpperCase(),
    );
    if (!row) return undefined;
    const { uid: cardUid, ...user } = row;
    return { uid: cardUid, userId: user.id, user: toUser(user) };
  }

  async createSession(s: { stationId: number; userId: number; cardUid: string; startedAt: number }): Promise<Session> {
    return this.one(
      `INSERT INTO sessions (station_id, user_id, card_uid, started_at) VALUES (?, ?, ?, ?) RETURNING ${c.session}`,
      s.stationId, s.userId, s.cardUid, s.startedAt,
    );
  }

  async getSession(id: number): Promise<Session | undefined> {
    return this.get(`SELECT ${c.session} FROM sessions WHERE id = ?`, id);
  }

  async openSession(stationId: number): Promise<Session | undefined> {
    return this.get(`SELECT ${c.session} FROM sessions WHERE station_id = ? AND ended_at IS NULL`, stationId);
  }

  async listOpenSessions(): Promise<Session[]> {
    return this.all(`SELECT ${c.session} FROM sessions WHERE ended_at IS NULL ORDER BY id`);
  }

  async addMetric(
    m: SessionMetric,
    t: Pick<Session, 'kwh' | 'cost' | 'duration' | 'lastTs' | 'lastW' | 'firstEnergyWh'>,
  ): Promise<boolean> {
    return this.grouped(() => {
      const inserted = this.stmt(
        `INSERT INTO session_metrics (session_id, ts, v, a, w, energy_wh, kwh, cost, time)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (session_id, ts) DO NOTHING`,
      ).run(m.sessionId, m.ts, m.v, m.a, m.w, m.energyWh ?? null, m.kwh, m.cost, m.time).changes;
      if (inserted === 0) return false;
      this.stmt(
        'UPDATE sessions SET kwh = ?, cost = ?, duration = ?, last_ts = ?, last_w = ?, first_energy_wh = ? WHERE id = ?',
      ).run(t.kwh, t.cost, t.duration, t.lastTs ?? null, t.lastW ?? null, t.firstEnergyWh ?? null, m.sessionId);
      return true;
    });
  }

  async listMetrics(sessionId: number): Promise<SessionMetric[]> {
    return this.all(`SELECT ${c.metric} FROM session_metrics WHERE session_id = ? ORDER BY ts`, sessionId);
  }

  async metricsAround(sessionId: number, ts: number): Promise<{ atOrBefore?: SessionMetric; after?: SessionMetric }> {
    return {
      atOrBefore: this.get(`SELECT ${c.metric} FROM session_metrics WHERE session_id = ? AND ts <= ? ORDER BY ts DESC LIMIT 1`, sessionId, ts),
      after: this.get(`SELECT ${c.metric} FROM session_metrics WHERE session_id = ? AND ts > ? ORDER BY ts LIMIT 1`, sessionId, ts),
    };
  }

  async addFlaggedMetric(m: Omit<FlaggedMetric, 'id'>): Promise<FlaggedMetric> {
    return this.grouped(() =>
      this.one<FlaggedMetric>(
        `INSERT INTO session_flagged_metrics (session_id, ts, v, a, w, energy_wh, flag, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${c.flaggedMetric}`,
        m.sessionId, m.ts, m.v, m.a, m.w, m.energyWh ?? null, m.flag, m.receivedAt,
      ),
    );
  }

  async listFlaggedMetrics(sessionId: number): Promise<FlaggedMetric[]> {
    return this.all(`SELECT ${c.flaggedMetric} FROM session_flagged_metrics WHERE session_id = ? ORDER BY id`, sessionId);
  }

  async endSession(
    id: number,
    end: { endedAt: number; endReason: string; kwh: number; cost: number; duration: number },
  ): Promise<Session> {
    // Only an open session is ended: ending it again keeps the first end (time, reason, totals).
    this.run(
      'UPDATE sessions SET ended_at = ?, end_reason = ?, kwh = ?, cost = ?, duration = ? WHERE id = ? AND ended_at IS NULL',
      end.endedAt, end.endReason, end.kwh, end.cost, end.duration, id,
    );
    const session = await this.getSession(id);
    if (!session) throw new Error(`No session ${id}`);
    return session;
  }

  async listSessions(q: { stationId?: number; from?: number; to?: number; before?: number; limit?: number }): Promise<Page<Session>> {
    const p = pageSelect({
      select: c.session, table: 'sessions', tsColumn: 'started_at', q, placeholder: () => '?',
      equal: q.stationId === undefined ? [] : [['station_id', q.stationId]],
    });
    return pageOf(this.all<Session>(p.sql, ...p.params), p.limit);
  }
  async createSignalingUser(u: { email: string; passwordHash: string }): Promise<SignalingUser> {
    return this.one(
      `INSERT INTO signaling_users (email, password_hash, created_at) VALUES (?, ?, ?) RETURNING ${c.signalingUser}`,
      u.email, u.passwordHash, Date.now(),
    );
  }

  async findSignalingUser(email: string): Promise<(SignalingUser & { passwordHash: string }) | undefined> {
    return this.get(`SELECT ${c.signalingUser}, password_hash AS "passwordHash" FROM signaling_users WHERE email = ?`, email);
  }

  async addSignalingToken(t: { token: string; userId: number; expiresAt: number }): Promise<void> {
    const now = Date.now();
    this.guard(() =>
      this.db.transaction(() => {
        this.stmt('DELETE FROM signaling_tokens WHERE user_id = ? AND expires_at <= ?').run(t.userId, now);
        this.stmt('INSERT INTO signaling_tokens (token, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)').run(t.token, t.userId, now, t.expiresAt);
      })(),
    );
  }

  async signalingUserForToken(token: string, now: number): Promise<SignalingUser | undefined> {
    return this.get(
      `SELECT u.id, u.email, u.created_at AS "createdAt" FROM signaling_tokens t JOIN signaling_users u ON u.id = t.user_id
       WHERE t.token = ? AND t.expires_at > ?`,
      token, now,
    );
  }

  async deleteSignalingToken(token: string): Promise<boolean> {
    return this.run('DELETE FROM signaling_tokens WHERE token = ?', token) > 0;
  }

  async getConnection(id: number): Promise<UserConnection | undefined> {
    return this.get(`${connectionSelect} WHERE c.id = ?`, id);
  }

  async connectionBetween(userA: number, userB: number): Promise<UserConnection | undefined> {
    return this.get(`${connectionSelect} WHERE c.user_low = ? AND c.user_high = ?`, Math.min(userA, userB), Math.max(userA, userB));
  }

  async insertConnection(x: { requesterId: number; addresseeId: number }): Promise<UserConnection> {
    const now = Date.now();
    const { id } = this.one<{ id: number }>(
      `INSERT INTO signaling_connections (requester_id, addressee_id, user_low, user_high, status, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'pending', ?, ?) RETURNING id`,
      x.requesterId, x.addresseeId, Math.min(x.requesterId, x.addresseeId), Math.max(x.requesterId, x.addresseeId), now, now,
    );
    return (await this.getConnection(id))!;
  }

  async updateConnection(
    id: number,
    from: ConnectionStatus,
    to: { requesterId: number; addresseeId: number; status: ConnectionStatus },
  ): Promise<UserConnection | undefined> {
    const changed = this.run(
      'UPDATE signaling_connections SET requester_id = ?, addressee_id = ?, status = ?, updated_at = ? WHERE id = ? AND status = ?',
      to.requesterId, to.addresseeId, to.status, Date.now(), id, from,
    );
    return changed ? this.getConnection(id) : undefined;
  }

  async listConnections(userId: number): Promise<UserConnection[]> {
    return this.all(`${connectionSelect} WHERE c.requester_id = ? OR c.addressee_id = ? ORDER BY c.id DESC`, userId, userId);
  }

  async connectedEmails(email: string): Promise<string[]> {
    return this.all<{ email: string }>(connectedEmailsSql('?'), email).map((r) => r.email);
  }

  async deleteDevice(id: number): Promise<boolean> {
    return this.run('DELETE FROM devices WHERE id = ?', id) > 0;
  }

  async markDeviceProvisioned(id: number, at: number): Promise<boolean> {
    return this.run('UPDATE devices SET provisioned_at = ? WHERE id = ? AND provisioned_at IS NULL', at, id) > 0;
  }

  async deviceProvisioned(id: number): Promise<boolean> {
    return this.get('SELECT 1 FROM devices WHERE id = ? AND provisioned_at IS NOT NULL', id) !== undefined;
  }

  async createValve(v: Parameters<Store['createValve']>[0]): Promise<ValveRow> {
    return this.guard(() =>
      this.db.transaction(() => {
        const device = this.one<Device>(
          `INSERT INTO devices (name, kind, status, created_at) VALUES (?, 'valve', 'offline', ?) RETURNING ${c.device}`,
          v.name, Date.now(),
        );
        for (const x of v.sensors) this.run('INSERT INTO sensors (device_id, type, unit, name) VALUES (?, ?, ?, ?)', device.id, x.type, x.unit, x.type);
        const id = this.one<{ id: number }>(
          'INSERT INTO valves (device_id, address, passkey_cipher, created_at) VALUES (?, ?, ?, ?) RETURNING id',
          device.id, v.address, v.passkeyCipher, Date.now(),
        ).id;
        return this.get<ValveRow>(`SELECT ${c.valve} FROM valves v JOIN devices d ON d.id = v.device_id WHERE v.id = ?`, id)!;
      })(),
    );
  }

  async listValves(): Promise<ValveRow[]> {
    return this.all(`SELECT ${c.valve} FROM valves v JOIN devices d ON d.id = v.device_id ORDER BY v.id`);
  }

  async getValve(id: number): Promise<ValveRow | undefined> {
    return this.get(`SELECT ${c.valve} FROM valves v JOIN devices d ON d.id = v.device_id WHERE v.id = ?`, id);
  }

  async deleteValve(id: number): Promise<boolean> {
    return this.run('DELETE FROM devices WHERE id = (SELECT device_id FROM valves WHERE id = ?)', id) > 0;
  }

  async createApiKey(k: { deviceId: number; name: string; prefix: string; hash: string }): Promise<ApiKey> {
    return this.one(
      `INSERT INTO device_api_keys (device_id, name, prefix, key_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING ${c.apiKey}`,
      k.deviceId, k.name, k.prefix, k.hash, Date.now(),
    );
  }

  async listApiKeys(deviceId: number): Promise<ApiKey[]> {
    return this.all(`SELECT ${c.apiKey} FROM device_api_keys WHERE device_id = ? ORDER BY id`, deviceId);
  }

  async apiKeyByHash(hash: string): Promise<ApiKey | undefined> {
    return this.get(`SELECT ${c.apiKey} FROM device_api_keys WHERE key_hash = ?`, hash);
  }

  async revokeApiKey(deviceId: number, id: number, at: number): Promise<ApiKey | undefined> {
    return this.get(
      `UPDATE device_api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND device_id = ? RETURNING ${c.apiKey}`,
      at, id, deviceId,
    );
  }
}
