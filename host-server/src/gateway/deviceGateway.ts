// The Socket.io device gateway (docs/specs/device-gateway-socketio.md) on the server's own HTTP
// server and port: Engine.IO requests on /ws/ (long-polling and the WebSocket upgrade) come here,
// everything else on /ws stays the charger endpoint's. One namespace per device,
// /device/:deviceId, opened with an API key of that device; the hubs report each device's
// lifecycle and the gateway emits the spec's events to its namespace. A client on the main
// namespace `/` gets the events of its key's device: python-socketio drops the URL's path, so the
// spec's Python example lands there, its key in a header. With Redis the Socket.io
// Redis adapter carries emits (and revocations) to every instance.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Server as EngineServer } from 'engine.io';
import { Server, type Namespace, type Socket } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { GATEWAY_ERRORS, type GatewayEvent } from '@espfleet/protocol/gateway';
import type { Store } from '../storage/store.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { ConnectionBook } from '../ws/connection.js';
import type { UpgradeClaim } from '../ws/upgrade.js';
import type { InterestBoard } from '../cluster/cluster.js';
import { hashApiKey, judgeKey, presentedKey } from './apiKeys.js';
import { GATEWAY_PATH, deviceOfNamespace, isEngineRequest, namespaceOf } from './engineRequest.js';
import { gatewayEvent, qrEvent, type DeviceFacts, type Lifecycle } from './lifecycle.js';
import { AdapterRedis } from './adapterRedis.js';
import { ProvisioningCodes } from './provisioning.js';
import { SocketConnection } from './socketConnection.js';

export interface DeviceGatewayOptions {
  store: Store;
  log: Logger;
  metrics: Metrics;
  book: ConnectionBook;
  maxMessageBytes: number;
  redisUrl?: string;
  /** How often a device's provisioning string changes while it is watched. */
  qrRotateMs?: number;
  /** With a cluster: events cross to other instances only when their subscribers watch the device. */
  interest?: InterestBoard;
}

const keyRoom = (keyId: number) => `key:${keyId}`;
const deviceRoom = (deviceId: number) => `device:${deviceId}`;
const REFUSED = 'espfleet_gateway_refused_total';
const EVENTS = 'espfleet_gateway_events_total';

export class DeviceGateway implements UpgradeClaim {
  readonly io: Server;
  private readonly engine: EngineServer;
  /** The parent of every /device/:id namespace (socket.io does not export its type). */
  private readonly devices: Namespace & { createChild(name: string): Namespace };
  private readonly redis?: AdapterRedis;
  private readonly codes: ProvisioningCodes;
  /** Each device's events go out in the order the hubs reported them, though some wait for the store. */
  private readonly order = new Map<number, Promise<void>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly o: DeviceGatewayOptions) {
    this.engine = new EngineServer({ maxHttpBufferSize: o.maxMessageBytes, transports: ['polling', 'websocket'] });
    this.io = new Server({ path: GATEWAY_PATH, serveClient: false, cleanupEmptyChildNamespaces: true, maxHttpBufferSize: o.maxMessageBytes });
    if (o.redisUrl) {
      this.redis = new AdapterRedis(o.redisUrl, o);
      this.io.adapter(createAdapter(this.redis.pub, this.redis.sub));
    }
    this.io.bind(this.engine);
    this.devices = this.io.of((name, _auth, next) => {
      const id = deviceOfNamespace(name);
      if (id === undefined) return next(null, false);
      o.store.getDevice(id).then(
        (d) => next(null, d !== undefined),
        // Not an unknown namespace: the key check that follows answers "Server configuration error".
        (e) => {
          o.log.error({ err: e, namespace: name }, 'gateway: device lookup failed');
          next(null, true);
        },
      );
    }) as DeviceGateway['devices'];
    this.devices.use((socket, next) => void this.admit(socket, deviceOfNamespace(socket.nsp.name)!).then(next));
    this.devices.on('connection', (socket) => this.connected(socket));
    this.io.of('/').use((socket, next) => void this.admit(socket).then(next));
    this.io.of('/').on('connection', (socket) => this.connected(socket));
    this.codes = new ProvisioningCodes(
      o.qrRotateMs ?? 20_000,
      (id, qr) => {
        const e = qrEvent(id, qr, Date.now());
        this.local(id)?.local.emit(e.event, e.data);
        this.io.of('/').local.to(deviceRoom(id)).emit(e.event, e.data);
      },
      (id) => (this.local(id)?.sockets.size ?? 0) > 0 || (this.io.of('/').adapter.rooms.get(deviceRoom(id))?.size ?? 0) > 0,
    );
    // Engine.IO queues inside the library, so its slow consumers are found by looking, not at send.
    this.sweeper = setInterval(() => o.book.sweep('gateway'), 1000);
    this.sweeper.unref();
    o.interest?.addInterest(() => ({ gateway: this.watched() }));
    o.metrics.describe(REFUSED, 'Device gateway connections refused, by reason');
    o.metrics.describe(EVENTS, 'Device gateway events emitted, by event');
  }

  claims(url: URL): boolean {
    return isEngineRequest(url);
  }

  /** An HTTP request (long-polling) for the gateway? */
  claimsRequest(req: IncomingMessage): boolean {
    try {
      return isEngineRequest(new URL(req.url ?? '/', 'http://x'));
    } catch {
      return false;
    }
  }

  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    this.engine.handleRequest(req, res);
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.engine.handleUpgrade(req, socket, head);
  }

  /** Checks the socket's key against the namespace's device, or, on `/`, takes the key's device. */
  private async admit(socket: Socket, deviceId?: number): Promise<Error | undefined> {
    const presented = presentedKey(socket.handshake as unknown as Parameters<typeof presentedKey>[0]);
    let found;
    if (presented !== undefined) {
      try {
        found = await this.o.store.apiKeyByHash(hashApiKey(presented));
      } catch (e) {
        this.o.log.error({ err: e }, 'gateway: API key lookup failed');
        this.o.metrics.inc(REFUSED, { reason: 'store' });
        return new Error(GATEWAY_ERRORS.SERVER_CONFIGURATION);
      }
    }
    const v = judgeKey(presented, found, deviceId ?? found?.deviceId ?? 0);
    if (!v.ok) {
      this.o.metrics.inc(REFUSED, { reason: presented === undefined ? 'missing' : 'invalid' });
      this.o.log.info({ namespace: socket.nsp.name, reason: v.error }, 'gateway: connection refused');
      return new Error(v.error);
    }
    socket.data.keyId = v.key.id;
    socket.data.deviceId = v.key.deviceId;
    return undefined;
  }

  /** Devices with a subscriber on this instance. */
  private watched(): number[] {
    const ids = new Set<number>();
    for (const [name, nsp] of this.io._nsps) {
      const id = deviceOfNamespace(name);
      if (id !== undefined && nsp.sockets.size > 0) ids.add(id);
    }
    for (const s of this.io.of('/').sockets.values()) ids.add(s.data.deviceId as number);
    return [...ids];
  }

  private connected(socket: Socket): void {
    const deviceId = socket.data.deviceId as number;
    void socket.join([keyRoom(socket.data.keyId as number), deviceRoom(deviceId)]);
    const conn = new SocketConnection(socket, this.o.book);
    socket.onAny(() => conn.received.inc());
    this.o.interest?.interestChanged();
    socket.on('disconnect', () => {
      this.o.book.closed(conn);
      this.o.interest?.interestChanged();
    });
    this.o.store.deviceProvisioned(deviceId).then(
      (provisioned) => {
        if (!provisioned && socket.connected) socket.emit('qr', qrEvent(deviceId, this.codes.codeFor(deviceId), Date.now()).data);
      },
      (e) => this.o.log.error({ err: e, deviceId }, 'gateway: provisioning state not read'),
    );
  }

  /** This instance's namespace of the device, if anyone connected to it here. */
  private local(deviceId: number): Namespace | undefined {
    return this.io._nsps.get(namespaceOf(deviceId));
  }

  /** The namespace to emit on: with Redis, created if need be so its adapter reaches the other instances. */
  private target(deviceId: number): Namespace | undefined {
    return this.local(deviceId) ?? (this.redis ? this.devices.createChild(namespaceOf(deviceId)) : undefined);
  }

  /** A hub reports a device's lifecycle: the spec's event to its namespace, on every instance. */
  lifecycle(deviceId: number, l: Lifecycle): void {
    const timestamp = Date.now();
    const needsFacts = l.kind === 'authenticated' || l.kind === 'ready';
    if (!needsFacts && !this.order.has(deviceId)) return this.emit(deviceId, gatewayEvent(deviceId, l, { name: '', phoneNumber: '' }, timestamp));
    const prev = this.order.get(deviceId) ?? Promise.resolve();
    const next = prev
      .then(async () => {
        let facts: DeviceFacts = { name: '', phoneNumber: '' };
        if (needsFacts) facts = { name: (await this.o.store.getDevice(deviceId))?.name ?? '', phoneNumber: '' };
        if (l.kind === 'authenticated' && (await this.o.store.markDeviceProvisioned(deviceId, timestamp))) this.codes.stop(deviceId);
        this.emit(deviceId, gatewayEvent(deviceId, l, facts, timestamp));
      })
      .catch((e) => this.o.log.error({ err: e, deviceId, event: l.kind }, 'gateway: event not emitted'))
      .finally(() => {
        if (this.order.get(deviceId) === next) this.order.delete(deviceId);
      });
    this.order.set(deviceId, next);
  }

  private emit(deviceId: number, e: GatewayEvent): void {
    if (!this.redis || (this.o.interest && !this.o.interest.wantsGateway(deviceId))) {
      // No other instance watches this device: no trip through Redis.
      this.local(deviceId)?.local.emit(e.event, e.data);
      this.io.of('/').local.to(deviceRoom(deviceId)).emit(e.event, e.data);
    } else {
      this.target(deviceId)?.emit(e.event, e.data);
      this.io.of('/').to(deviceRoom(deviceId)).emit(e.event, e.data);
    }
    this.o.metrics.inc(EVENTS, { event: e.event });
  }

  /** A revoked key's sockets are disconnected, on every instance. */
  revoked(deviceId: number, keyId: number): void {
    this.target(deviceId)?.in(keyRoom(keyId)).disconnectSockets(true);
    this.io.of('/').in(keyRoom(keyId)).disconnectSockets(true);
  }

  /** A deleted device's watchers are disconnected, on every instance. */
  deleted(deviceId: number): void {
    this.codes.stop(deviceId);
    this.target(deviceId)?.disconnectSockets(true);
    this.io.of('/').in(deviceRoom(deviceId)).disconnectSockets(true);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.codes.close();
    await new Promise<void>((done) => this.io.close(() => done()));
    await this.redis?.close();
  }
}
