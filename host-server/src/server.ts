// The espfleet host server: one HTTP server for REST, pages, health and metrics, and every
// WebSocket path routed by the UpgradeRouter.
import { createServer as createHttpServer, type Server } from 'node:http';
import { mkdirSync, readFileSync, writeFileSync, existsSync, createReadStream, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, dirname, extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { loadConfig, type ServerConfig } from './config.js';
import { createLogger, type Logger } from './log.js';
import { Metrics } from './metrics.js';
import { openStore } from './storage/openStore.js';
import type { Store } from './storage/store.js';
import { Authenticator } from './auth/authenticator.js';
import { secretKeyId } from './auth/jwt.js';
import { UpgradeRouter } from './ws/upgrade.js';
import { ChargerHub } from './charger/chargerHub.js';
import { SensorHub } from './sensors/sensorHub.js';
import { ValveHub } from './valves/valveHub.js';
import { FleetEvents } from './fleet/fleetEvents.js';
import { MqttBridge } from './mqtt/mqttBridge.js';
import { Cluster } from './cluster/cluster.js';
import { apiRouter } from './http/api.js';
import { json } from './http/router.js';
import { DatabaseHealth } from './health.js';
import { SignalingRouter } from './signaling/router.js';
import { Accounts } from './users/accounts.js';
import { DeviceGateway } from './gateway/deviceGateway.js';

const here = dirname(fileURLToPath(import.meta.url));
const PUBLIC = resolve(here, '..', 'public');
/** The protocol package's browser-ready ES modules, served to the pages. */
const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
const PROTOCOL = resolve(dirname(createRequire(import.meta.url).resolve('@espfleet/protocol')));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

export interface EspfleetServer {
  readonly config: ServerConfig;
  readonly store: Store;
  readonly metrics: Metrics;
  readonly http: Server;
  readonly chargers: ChargerHub;
  readonly sensors: SensorHub;
  readonly signaling: SignalingRouter;
  readonly gateway: DeviceGateway;
  readonly secret: string;
  readonly valves: ValveHub;
  readonly fleet: FleetEvents;
  readonly log: Logger;
  /** http://host:port */
  readonly url: string;
  close(): Promise<void>;
}

function secretFor(cfg: ServerConfig): string {
  if (cfg.jwtSecret) return cfg.jwtSecret;
  mkdirSync(cfg.dataDir, { recursive: true });
  const file = join(cfg.dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const s = randomBytes(32).toString('base64url');
  writeFileSync(file, s, { mode: 0o600 });
  return s;
}

function serveFile(root: string, rel: string, res: import('node:http').ServerResponse): boolean {
  const file = resolve(root, '.' + sep + rel);
  if (!file.startsWith(root + sep) && file !== root) return false;
  if (!existsSync(file) || !statSync(file).isFile()) return false;
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
  createReadStream(file).pipe(res);
  return true;
}

export async function startServer(overrides: Partial<ServerConfig> = {}, log?: Logger): Promise<EspfleetServer> {
  const config = loadConfig({ flags: overrides });
  const logger = log ?? createLogger(config.logLevel, { format: config.logFormat, file: config.logFile });
  const metrics = new Metrics();
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const secret = secretFor(config);
  const auth = new Authenticator(config.open, secret, { log: logger, metrics });
  if (config.open) logger.warn('open mode: clients connect without tokens (the specs\' unauthenticated clients); do not expose this server');

  // Stations and sensor streams across instances; the signaling router has its own Redis connections.
  const cluster = config.redisUrl ? new Cluster(config.redisUrl, { log: logger, metrics, leaseTtlMs: config.clusterLeaseTtlMs }) : undefined;
  // Chargers and sensor devices report their lifecycle to the gateway, which needs the connection book made below.
  let gateway: DeviceGateway | undefined;
  // What happens in the fleet, for the bridges that republish it (MQTT).
  const fleet = new FleetEvents((e) => logger.error({ err: e }, 'fleet event listener failed'));
  const sensors = new SensorHub({ store, log: logger, auth, cluster, onLifecycle: (deviceId, ...events) => events.forEach((e) => gateway?.lifecycle(deviceId, e)) });
  const sensorIds = new Map<string, number>();
  const chargers = new ChargerHub({
    store,
    metrics,
    log: logger,
    auth,
    chargerTimeoutMs: config.chargerTimeoutMs,
    limits: config,
    onReading: (deviceId, type, value, ts) => {
      const key = `${deviceId}:${type}`;
      const unit = type === 'power' ? 'W' : type === 'voltage' ? 'V' : 'A';
      const known = sensorIds.get(key);
      const id = known !== undefined ? Promise.resolve(known) : store.ensureSensor({ deviceId, type, unit }).then((s) => (sensorIds.set(key, s.id), s.id));
      sensors.track(id.then((sid) => sensors.ingest(sid, value, ts))).catch((e) => logger.error({ err: e }, 'charger reading not stored as a sensor reading'));
    },
    onLifecycle: (deviceId, event) => gateway?.lifecycle(deviceId, event),
    onFleet: (e) => fleet.emit(e),
    onStatus: (deviceId, status) => void sensors.deviceStatus(deviceId, status).catch((e) => logger.error({ err: e }, 'device status not stored')),
    cluster: cluster && { stations: cluster, scanMs: config.clusterLeaseTtlMs },
  });
  await chargers.resume();
  const health = new DatabaseHealth(store);

  const upgrades = new UpgradeRouter({ maxMessageBytes: config.maxMessageBytes, maxBufferedBytes: config.maxBufferedBytes, heartbeatMs: config.heartbeatMs, metrics, log: logger });
  gateway = new DeviceGateway({ store, log: logger, metrics, book: upgrades.book, maxMessageBytes: config.maxMessageBytes, redisUrl: config.redisUrl, interest: cluster });
  upgrades.claim(gateway);
  upgrades.add(sensors);
  upgrades.add(chargers);
  // Connections accepted over REST reach the router's cache at once (declared before it exists).
  let signaling: SignalingRouter | undefined;
  const accounts = new Accounts(store, config.signalingTokenTtlMs, (a, b) => signaling?.accepted(a, b));
  signaling = new SignalingRouter({
    store,
    accounts,
    log: logger,
    metrics,
    redisUrl: config.redisUrl,
    idleTimeoutMs: config.signalingIdleTimeoutMs,
    routeTimeoutMs: config.signalingRouteTimeoutMs,
    presenceTtlMs: config.signalingPresenceTtlMs,
    // Every WebSocket frame is already bounded by maxMessageBytes; signaling may only be stricter.
    maxMessageBytes: Math.min(config.signalingMaxMessageBytes, config.maxMessageBytes),
    registerPerMinute: config.signalingRegisterPerMinute,
    registerPerMinutePerIp: config.signalingRegisterPerMinutePerIp,
    messagesPerSecond: config.signalingMessagesPerSecond,
    messagesPerSecondPerIp: config.signalingMessagesPerSecondPerIp,
  });
  upgrades.add(signaling);
  const valves = new ValveHub({
    store, log: logger, metrics, secret, sensors, events: fleet,
    onLifecycle: (deviceId, ...events) => events.forEach((e) => gateway?.lifecycle(deviceId, e)),
    commandTimeoutMs: config.valveCommandTimeoutMs,
  });
  await valves.start();
  // Never throws when the broker is down: it retries in the background.
  const mqttBridge = config.mqttUrl ? new MqttBridge({ url: config.mqttUrl, events: fleet, valves, store, log: logger, metrics, version: VERSION, prefix: config.mqttPrefix, discoveryPrefix: config.mqttDiscoveryPrefix }) : undefined;
  await mqttBridge?.start();
  const api = apiRouter({ store, auth, chargers, sensors, accounts, gateway, valves, defaultTariff: config.defaultTariff });

  const devices = gateway;
  const http = createHttpServer(async (req, res) => {
    try {
      if (devices.claimsRequest(req)) return devices.handleRequest(req, res);
      let path: string;
      try {
        path = new URL(req.url ?? '/', 'http://x').pathname;
      } catch {
        return json(res, 400, { error: { code: 'INVALID_PATH', message: 'the request path is not a valid URL path' } });
      }
      if (path === '/healthz') return await health.respond(res);
      if (path === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        return res.end(metrics.text());
      }
      if (await api.handle(req, res)) return;
      if (req.method === 'GET') {
        if (path === '/') return void serveFile(PUBLIC, 'dashboard/index.html', res);
        if (path === '/websocket-test/') return void serveFile(PUBLIC, 'websocket-test/index.html', res);
        // The seed names the page with its slash; the address typed without it still finds it.
        if (path === '/websocket-test') {
          res.writeHead(308, { location: '/websocket-test/' + new URL(req.url ?? '/', 'http://x').search });
          return void res.end();
        }
        if (path.startsWith('/assets/protocol/') && serveFile(PROTOCOL, path.slice('/assets/protocol/'.length), res)) return;
        if (path.startsWith('/assets/') && serveFile(PUBLIC, path.slice(1), res)) return;
      }
      json(res, 404, { error: { code: 'NOT_FOUND', message: `no such endpoint: ${req.method} ${path}` } });
    } catch (e) {
      logger.error({ err: e }, 'request failed');
      if (!res.headersSent) json(res, 500, { error: { code: 'INTERNAL_ERROR', message: 'internal server error' } });
    }
  });
  upgrades.attach(http);
  try {
    await new Promise<void>((ok, fail) => {
      http.once('error', fail);
      http.listen(config.port, config.host, () => ok());
    });
  } catch (e) {
    // The Redis connections would keep the process alive after a failed start.
    await signaling.close();
    await gateway.close();
    await cluster?.close();
    throw e;
  }
  const addr = http.address() as AddressInfo;
  const url = `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;
  logger.info({ url, store: store.kind, open: config.open, redis: Boolean(config.redisUrl), secretKeyId: secretKeyId(secret) }, 'espfleet host server listening');
  return {
    config,
    store,
    metrics,
    http,
    chargers,
    sensors,
    signaling,
    gateway,
    secret,
    log: logger,
    url,
    valves,
    fleet,
    async close() {
      await mqttBridge?.close();
      valves.close();
      const stopping = chargers.close();
      await signaling.close();
      await gateway.close();
      upgrades.close();
      await stopping;
      // Leases released only once the stations' work is stored: the next owner reads it.
      await cluster?.close();
      await sensors.idle();
      await new Promise<void>((r) => http.close(() => r()));
      await store.close();
    },
  };
}
