// What the host server keeps, behind one interface with two implementations: an embedded
// SQLite file (the default, zero set-up) and PostgreSQL (DATABASE_URL), built from one
// migration set. Times are Unix milliseconds; money and energy are plain numbers.

export type StationStatus = 'disponible' | 'cargando' | 'emergencia' | 'desconectado';

export interface Device {
  id: number;
  name: string;
  /** 'valve' | 'charger' | 'sensor-node' | … */
  kind: string;
  status: string;
  createdAt: number;
}

/** A device gateway API key as listed: the key itself is shown once, at creation, and kept only hashed. */
/** A valve the host links to; its device carries its name, status and sensors. */
export interface ValveRow {
  id: number;
  deviceId: number;
  name: string;
  /** ws://host:port/ws */
  address: string;
  /** The passkey, encrypted (src/valves/passkeyCipher.ts). */
  passkeyCipher: string;
  createdAt: number;
}

export interface ApiKey {
  id: number;
  deviceId: number;
  name: string;
  /** The key's first characters, to tell keys apart in a list. */
  prefix: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface Sensor {
  id: number;
  deviceId: number;
  /** e.g. 'temperature', 'power' */
  type: string;
  unit: string;
  name: string;
}

export interface SensorWithDevice extends Sensor {
  deviceName: string;
}

export interface Reading {
  id: number;
  sensorId: number;
  value: number;
  ts: number;
}

export type Station = {
  id: number;
  name: string;
  /** Price per kWh. */
  tariff: number;
  status: StationStatus;
  /** The device that represents the station for sensor streams. */
  deviceId: number | null;
} & StationRating;

/** Upper bounds for plausible readings; null takes the server's configured default. */
export interface StationRating {
  maxPowerW: number | null;
  maxVoltageV: number | null;
  maxCurrentA: number | null;
}

export interface User {
  id: number;
  name: string;
  email: string | null;
  blocked: boolean;
}

export interface Card {
  uid: string;
  userId: number;
}

export interface Session {
  id: number;
  stationId: number;
  userId: number;
  cardUid: string;
  startedAt: number;
  endedAt: number | null;
  /** 'stop-charger' | 'stop-dashboard' | 'emergency' | 'timeout' | … */
  endReason: string | null;
  kwh: number;
  cost: number;
  /** Seconds. */
  duration: number;
  /** The last metrics reading counted (charger `ts`, seconds) and its values, for integration. */
  lastTs: number | null;
  lastW: number | null;
  /** First energy-register reading (Wh), when the charger reports one. */
  firstEnergyWh: number | null;
}

export interface SessionMetric {
  sessionId: number;
  /** Charger timestamp, Unix seconds. */
  ts: number;
  v: number;
  a: number;
  w: number;
  energyWh: number | null;
  kwh: number;
  cost: number;
  time: number;
}

/** A reading that was stored for the record but refused for billing, with the reason. */
export interface FlaggedMetric {
  id: number;
  sessionId: number;
  /** Charger timestamp as sent (may be implausible; that is why it is flagged). */
  ts: number;
  v: number;
  a: number;
  w: number;
  energyWh: number | null;
  /** e.g. 'TS_BEFORE_START', 'POWER_OUT_OF_RANGE'. */
  flag: string;
  /** Server time, Unix ms. */
  receivedAt: number;
}

/** An account of the signaling router (emails are stored lower-case). */
export interface SignalingUser {
  id: number;
  email: string;
  createdAt: number;
}

export type ConnectionStatus = 'pending' | 'accepted' | 'rejected';

/** The spec's UserConnection: a request from one user to another and its answer. */
export interface UserConnection {
  id: number;
  requesterId: number;
  requesterEmail: string;
  addresseeId: number;
  addresseeEmail: string;
  status: ConnectionStatus;
  createdAt: number;
  updatedAt: number;
}

export interface Page<T> {
  items: T[];
  /** Pass back as `before` for the next (older) page; null at the end. */
  next: number | null;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  close(): Promise<void>;

  createDevice(d: { name: string; kind: string; status?: string }): Promise<Device>;
  getDevice(id: number): Promise<Device | undefined>;
  listDevices(): Promise<Device[]>;
  /** Returns the device if its status changed, undefined if it was already `status`. */
  setDeviceStatus(id: number, status: string): Promise<Device | undefined>;

  createSensor(s: { deviceId: number; type: string; unit: string; name?: string }): Promise<Sensor>;
  getSensor(id: number): Promise<SensorWithDevice | undefined>;
  listSensors(deviceId?: number): Promise<Sensor[]>;
  /** Finds the device's sensor of `type`, creating it when missing. */
  ensureSensor(s: { deviceId: number; type: string; unit: string }): Promise<Sensor>;

  addReading(r: { sensorId: number; value: number; ts: number }): Promise<Reading>;
  /** Newest first; `from`/`to` bound ts (inclusive); `before` is a Reading id from a previous page. */
  listReadings(q: { sensorId: number; from?: number; to?: number; before?: number; limit?: number }): Promise<Page<Reading>>;

  createStation(s: { id?: number; name: string; tariff: number; deviceId?: number | null } & Partial<StationRating>): Promise<Station>;
  /**
   * A station with the device (and its sensors) that represents it, in one transaction: all of
   * it, or nothing when any part fails (e.g. the station id is taken: a ConstraintError) or the
   * station's id would pass `maxId` (a RangeError).
   */
  createStationWithDevice(s: {
    station: { id?: number; name: string; tariff: number; status: StationStatus } & Partial<StationRating>;
    device: { name: string; kind: string; status: string };
    sensors: Array<{ type: string; unit: string }>;
    maxId: number;
  }): Promise<{ station: Station; device: Device; sensors: Sensor[] }>;
  getStation(id: number): Promise<Station | undefined>;
  listStations(): Promise<Station[]>;
  setStationStatus(id: number, status: StationStatus): Promise<void>;

  createUser(u: { name: string; email?: string | null; blocked?: boolean }): Promise<User>;
  getUser(id: number): Promise<User | undefined>;
  setUserBlocked(id: number, blocked: boolean): Promise<void>;
  createCard(c: { uid: string; userId: number }): Promise<Card>;
  /** Card UIDs compare case-insensitively. */
  findCard(uid: string): Promise<(Card & { user: User }) | undefined>;

  createSession(s: { stationId: number; userId: number; cardUid: string; startedAt: number }): Promise<Session>;
  getSession(id: number): Promise<Session | undefined>;
  /** The station's session that has not ended, if any. */
  openSession(stationId: number): Promise<Session | undefined>;
  listOpenSessions(): Promise<Session[]>;
  /**
   * Stores a reading and the session's new running totals in one transaction. Returns false,
   * changing nothing, when the session already has a reading with this `ts` (a replay).
   */
  addMetric(m: SessionMetric, totals: Pick<Session, 'kwh' | 'cost' | 'duration' | 'lastTs' | 'lastW' | 'firstEnergyWh'>): Promise<boolean>;
  listMetrics(sessionId: number): Promise<SessionMetric[]>;
  /** The session's reading at or just before `ts`, and the one just after (by ts), for billing a late reading. */
  metricsAround(sessionId: number, ts: number): Promise<{ atOrBefore?: SessionMetric; after?: SessionMetric }>;
  addFlaggedMetric(m: Omit<FlaggedMetric, 'id'>): Promise<FlaggedMetric>;
  listFlaggedMetrics(sessionId: number): Promise<FlaggedMetric[]>;
  endSession(id: number, end: { endedAt: number; endReason: string; kwh: number; cost: number; duration: number }): Promise<Session>;
  /** Newest first. */
  listSessions(q: { stationId?: number; from?: number; to?: number; before?: number; limit?: number }): Promise<Page<Session>>;

  /** A duplicate email is a ConstraintError of kind 'unique'. */
  createSignalingUser(u: { email: string; passwordHash: string }): Promise<SignalingUser>;
  findSignalingUser(email: string): Promise<(SignalingUser & { passwordHash: string }) | undefined>;
  /** Stores a login token, removing that user's expired ones. */
  addSignalingToken(t: { token: string; userId: number; expiresAt: number }): Promise<void>;
  /** The user a token belongs to while it has not expired at `now`. */
  signalingUserForToken(token: string, now: number): Promise<SignalingUser | undefined>;
  /** False when there was no such token. */
  deleteSignalingToken(token: string): Promise<boolean>;
  getConnection(id: number): Promise<UserConnection | undefined>;
  connectionBetween(userA: number, userB: number): Promise<UserConnection | undefined>;
  /** A second row for the same pair of users is a ConstraintError of kind 'unique'. */
  insertConnection(c: { requesterId: number; addresseeId: number }): Promise<UserConnection>;
  /**
   * Sets a request's parties and status when it is still `from` (compare-and-set, so two answers
   * cannot both win); undefined when it was not.
   */
  updateConnection(id: number, from: ConnectionStatus, to: { requesterId: number; addresseeId: number; status: ConnectionStatus }): Promise<UserConnection | undefined>;
  /** Every request the user sent or received, newest first. */
  listConnections(userId: number): Promise<UserConnection[]>;
  /** Emails of the users with an accepted connection to `email`. */
  connectedEmails(email: string): Promise<string[]>;

  /** False when there was no such device; its sensors, readings and keys go with it. */
  deleteDevice(id: number): Promise<boolean>;
  /** True when this call marked it (the device had never authenticated). */
  markDeviceProvisioned(id: number, at: number): Promise<boolean>;
  deviceProvisioned(id: number): Promise<boolean>;
  /** A valve with its device (kind `valve`, offline) and sensors, in one transaction. */
  createValve(v: { name: string; address: string; passkeyCipher: string; sensors: Array<{ type: string; unit: string }> }): Promise<ValveRow>;
  listValves(): Promise<ValveRow[]>;
  getValve(id: number): Promise<ValveRow | undefined>;
  /** Deletes the valve and its device (sensors, readings, keys); false when there was none. */
  deleteValve(id: number): Promise<boolean>;
  createApiKey(k: { deviceId: number; name: string; prefix: string; hash: string }): Promise<ApiKey>;
  listApiKeys(deviceId: number): Promise<ApiKey[]>;
  /** The key with this hash, revoked or not. */
  apiKeyByHash(hash: string): Promise<ApiKey | undefined>;
  /** Revokes the device's key (once: a second revoke keeps the first time); undefined when it has no such key. */
  revokeApiKey(deviceId: number, id: number, at: number): Promise<ApiKey | undefined>;
}
