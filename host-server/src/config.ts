// Server configuration: defaults, then a JSON file, then the environment, then flags.
import { readFileSync, existsSync } from 'node:fs';

export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  /** PostgreSQL when set (postgres://…); the SQLite file in dataDir otherwise. */
  databaseUrl?: string;
  /** Accept the specs' unauthenticated clients (no token). */
  open: boolean;
  /** HS256 secret for tokens; when unset one is generated and kept in dataDir. */
  jwtSecret?: string;
  /** Largest WebSocket message accepted, bytes. */
  maxMessageBytes: number;
  /** A connection whose unsent data passes this is dropped as a slow consumer, bytes. */
  maxBufferedBytes: number;
  /** Ping interval; a peer that has not answered the previous ping is dropped, ms. */
  heartbeatMs: number;
  /** A charger silent this long is marked desconectado and its session closed, ms. */
  chargerTimeoutMs: number;
  /** How long a valve command (move, stop, mode) may take before it is answered with a timeout, ms. */
  valveCommandTimeoutMs: number;
  /** The MQTT broker of the bridge (mqtt://host:port); absent: no bridge. */
  mqttUrl?: string;
  /** The bridge's topics: <mqttPrefix>/valve-<id>/…, <mqttPrefix>/station-<id>/… */
  mqttPrefix: string;
  /** Where Home Assistant looks for discovery configs. */
  mqttDiscoveryPrefix: string;
  /** Price per kWh for stations created without one. */
  defaultTariff: number;
  /**
   * Plausible-reading bounds for stations without their own rating: total power (W), volts
   * phase-to-neutral and amperes per phase (a 22 kW three-phase AC point at 230 V +13 %).
   */
  chargerMaxPowerW: number;
  chargerMaxVoltageV: number;
  chargerMaxCurrentA: number;
  /** A reading's `ts` may be this far off the server's clock (ahead of now, before the session start), s. */
  chargerClockSkewS: number;
  /** Readings further apart than this bill nothing in between (unless both carry the register), s. */
  chargerMaxGapS: number;
  /** Messages waiting per station; a charger beyond it gets QUEUE_FULL (fits a 20,000-reading backlog). */
  chargerQueueLimit: number;
  /** Redis for the signaling router, charger stations and sensor streams across instances (redis://…); one instance alone without it. */
  redisUrl?: string;
  /**
   * A station's ownership lease in Redis lapses this long after its owner last renewed it (every
   * third of it): how long a dead instance's stations wait before another takes them over, ms.
   */
  clusterLeaseTtlMs: number;
  /** A signaling socket that sends nothing this long is dropped, ms. */
  signalingIdleTimeoutMs: number;
  /** A routed message no instance has delivered within this is answered with target_not_found, ms. */
  signalingRouteTimeoutMs: number;
  /** Presence entries in Redis expire this long after their instance last refreshed them, ms. */
  signalingPresenceTtlMs: number;
  /** Login tokens expire this long after login, ms. */
  signalingTokenTtlMs: number;
  /** Largest signaling message answered; larger ones (up to maxMessageBytes) get an error, bytes. */
  signalingMaxMessageBytes: number;
  /** `register` events allowed per minute, per socket and per client address. */
  signalingRegisterPerMinute: number;
  signalingRegisterPerMinutePerIp: number;
  /** Routed messages and `check` allowed per second, per socket and per client address (bursts of twice that). */
  signalingMessagesPerSecond: number;
  signalingMessagesPerSecondPerIp: number;
  logLevel: string;
  /** auto: human lines on a terminal, JSON otherwise; pretty; json. */
  logFormat: LogFormat;
  /** JSON logs go to this file instead of the console. */
  logFile?: string;
}

export type LogFormat = 'auto' | 'pretty' | 'json';
export const LOG_FORMATS: LogFormat[] = ['auto', 'pretty', 'json'];

export const DEFAULTS: ServerConfig = {
  host: '127.0.0.1',
  port: 3000,
  dataDir: './data',
  open: false,
  maxMessageBytes: 64 * 1024,
  maxBufferedBytes: 1024 * 1024,
  heartbeatMs: 30_000,
  chargerTimeoutMs: 90_000,
  valveCommandTimeoutMs: 60_000,
  mqttPrefix: 'espfleet',
  mqttDiscoveryPrefix: 'homeassistant',
  defaultTariff: 7,
  chargerMaxPowerW: 22_000,
  chargerMaxVoltageV: 260,
  chargerMaxCurrentA: 100,
  chargerClockSkewS: 300,
  chargerMaxGapS: 300,
  chargerQueueLimit: 25_000,
  clusterLeaseTtlMs: 10_000,
  signalingIdleTimeoutMs: 60_000,
  signalingRouteTimeoutMs: 5_000,
  signalingPresenceTtlMs: 60_000,
  signalingTokenTtlMs: 7 * 24 * 3600_000,
  signalingMaxMessageBytes: 32 * 1024,
  signalingRegisterPerMinute: 10,
  signalingRegisterPerMinutePerIp: 120,
  signalingMessagesPerSecond: 100,
  signalingMessagesPerSecondPerIp: 2_000,
  logLevel: 'info',
  logFormat: 'auto',
};

export class ConfigError extends Error {}

const SIGNALING_POSITIVE = [
  'signalingIdleTimeoutMs', 'signalingRouteTimeoutMs', 'signalingPresenceTtlMs', 'signalingTokenTtlMs', 'signalingMaxMessageBytes',
  'signalingRegisterPerMinute', 'signalingRegisterPerMinutePerIp', 'signalingMessagesPerSecond', 'signalingMessagesPerSecondPerIp',
] as const;

const ENV: Record<string, keyof ServerConfig> = {
  ESPFLEET_HOST: 'host',
  PORT: 'port',
  ESPFLEET_PORT: 'port',
  ESPFLEET_DATA_DIR: 'dataDir',
  DATABASE_URL: 'databaseUrl',
  REDIS_URL: 'redisUrl',
  MQTT_URL: 'mqttUrl',
  ESPFLEET_OPEN: 'open',
  ESPFLEET_JWT_SECRET: 'jwtSecret',
  ESPFLEET_LOG_LEVEL: 'logLevel',
  ESPFLEET_LOG_FORMAT: 'logFormat',
  ESPFLEET_LOG_FILE: 'logFile',
};

function coerce(key: keyof ServerConfig, v: unknown): unknown {
  const d = DEFAULTS[key];
  if (typeof d === 'number') {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${key} must be a non-negative number, got ${JSON.stringify(v)}`);
    return n;
  }
  if (typeof d === 'boolean') return v === true || v === 'true' || v === '1' || v === 'yes';
  return String(v);
}

export function loadConfig(o: { file?: string; env?: NodeJS.ProcessEnv; flags?: Partial<ServerConfig> } = {}): ServerConfig {
  const c: Record<string, unknown> = { ...DEFAULTS };
  if (o.file) {
    if (!existsSync(o.file)) throw new ConfigError(`config file not found: ${o.file}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(o.file, 'utf8'));
    } catch (e) {
      throw new ConfigError(`config file ${o.file} is not valid JSON: ${(e as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`config file ${o.file} must hold a JSON object`);
    for (const [k, v] of Object.entries(parsed)) {
      if (!(k in DEFAULTS) && k !== 'databaseUrl' && k !== 'redisUrl' && k !== 'mqttUrl' && k !== 'jwtSecret' && k !== 'logFile') throw new ConfigError(`config file ${o.file}: unknown setting "${k}"`);
      c[k] = coerce(k as keyof ServerConfig, v);
    }
  }
  for (const [name, key] of Object.entries(ENV)) {
    const v = (o.env ?? {})[name];
    if (v !== undefined && v !== '') c[key] = coerce(key, v);
  }
  for (const [k, v] of Object.entries(o.flags ?? {})) if (v !== undefined) c[k] = coerce(k as keyof ServerConfig, v);
  const cfg = c as unknown as ServerConfig;
  if (!Number.isInteger(cfg.port) || cfg.port > 65535) throw new ConfigError(`port must be a whole number up to 65535, got ${cfg.port}`);
  for (const k of ['chargerMaxPowerW', 'chargerMaxVoltageV', 'chargerMaxCurrentA', 'chargerClockSkewS', 'chargerMaxGapS', 'chargerQueueLimit', 'clusterLeaseTtlMs', 'valveCommandTimeoutMs'] as const) {
    if (typeof cfg[k] !== 'number' || !Number.isFinite(cfg[k]) || cfg[k] <= 0) throw new ConfigError(`${k} must be a number above 0, got ${JSON.stringify(cfg[k])}`);
  }
  for (const k of SIGNALING_POSITIVE) {
    if (typeof cfg[k] !== 'number' || !Number.isFinite(cfg[k]) || cfg[k] <= 0) throw new ConfigError(`${k} must be a number above 0, got ${JSON.stringify(cfg[k])}`);
  }
  if (cfg.redisUrl !== undefined && !/^rediss?:\/\//i.test(cfg.redisUrl)) throw new ConfigError('redisUrl must start with redis:// or rediss://');
  if (cfg.mqttUrl !== undefined && !/^(mqtts?|wss?):\/\//i.test(cfg.mqttUrl)) throw new ConfigError('mqttUrl must start with mqtt://, mqtts://, ws:// or wss://');
  if (!Number.isInteger(cfg.chargerQueueLimit)) throw new ConfigError(`chargerQueueLimit must be a whole number, got ${cfg.chargerQueueLimit}`);
  if (!LOG_FORMATS.includes(cfg.logFormat)) throw new ConfigError(`logFormat must be one of ${LOG_FORMATS.join(', ')}, got ${JSON.stringify(cfg.logFormat)}`);
  return cfg;
}
