// Sensor streams: /ws/sensor-data/ (everything), /ws/device/{device_id}/ and
// /ws/sensor/{sensor_id}/. Any of them ingests `sensor_data`; each reading is stored,
// enriched into `sensor_data_update` and fanned out to the all-sensors stream, its device's
// and its sensor's; device status changes go out as `device_status`. With a cluster, every
// message also goes to the subscribers of the other instances.
// A connection on /ws/device/{id}/ that sends readings of that device's sensors is the device
// itself: its first reading makes it `online` (the gateway's `authenticated` and `ready`), each
// reading is a gateway `message`, its close makes it `offline` (`disconnected` with the reason).
import type { IncomingMessage } from 'node:http';
import {
  decodeSensorClientMessage,
  encodeSensorServerMessage,
  type SensorServerMessage,
} from '@espfleet/protocol/sensor-stream';
import type { Route } from '../ws/upgrade.js';
import { prepare, type Peer } from '../ws/peer.js';
import type { Store, SensorWithDevice } from '../storage/store.js';
import type { Logger } from '../log.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { SensorCluster } from '../cluster/cluster.js';
import { closeReason, type Lifecycle } from '../gateway/lifecycle.js';

type Stream = { kind: 'all' } | { kind: 'device'; id: number } | { kind: 'sensor'; id: number };

const DEVICE = /^\/ws\/device\/([0-9]{1,9})\/$/;
const SENSOR = /^\/ws\/sensor\/([0-9]{1,9})\/$/;

export interface SensorHubOptions {
  store: Store;
  log: Logger;
  auth: Authenticator;
  cluster?: SensorCluster;
  /** A sensor device's lifecycle, for the device gateway. */
  onLifecycle?: (deviceId: number, ...events: Lifecycle[]) => void;
}

export class SensorHub implements Route {
  readonly name = 'sensors';
  private all = new Set<Peer>();
  private byDevice = new Map<number, Set<Peer>>();
  private bySensor = new Map<number, Set<Peer>>();
  private streams = new WeakMap<Peer, Stream>();
  /** Sensors looked up once; readings then need no query to be enriched. */
  private sensors = new Map<number, SensorWithDevice>();
  /** Work under way, awaited before the store closes. */
  private inflight = new Set<Promise<unknown>>();
  /** Device-stream connections that have spoken as their device. */
  private speaking = new WeakSet<Peer>();

  constructor(private readonly o: SensorHubOptions) {
    o.cluster?.bindSensors((device, sensor, text) => this.deliver(device, sensor ?? undefined, text));
    o.cluster?.addInterest(() => ({ all: this.all.size > 0, devices: [...this.byDevice.keys()], sensors: [...this.bySensor.keys()] }));
  }

  match(path: string): Record<string, string> | undefined {
    if (path === '/ws/sensor-data/') return { stream: 'all' };
    const d = DEVICE.exec(path);
    if (d) return { stream: 'device', id: d[1] };
    const s = SENSOR.exec(path);
    if (s) return { stream: 'sensor', id: s[1] };
    return undefined;
  }

  connect(peer: Peer, p: Record<string, string>, q: URLSearchParams, req: IncomingMessage): void {
    if (!this.o.auth.allows(req, q, 'sensor')) {
      peer.send(encodeSensorServerMessage({ type: 'error', message: 'Invalid or missing token', code: 'UNAUTHORIZED' }));
      return peer.close(4003, 'invalid token');
    }
    const stream: Stream = p.stream === 'all' ? { kind: 'all' } : { kind: p.stream as 'device' | 'sensor', id: Number(p.id) };
    this.streams.set(peer, stream);
    if (stream.kind === 'all') this.all.add(peer);
    else {
      const map = stream.kind === 'device' ? this.byDevice : this.bySensor;
      if (!map.has(stream.id)) map.set(stream.id, new Set());
      map.get(stream.id)!.add(peer);
    }
    this.o.cluster?.interestChanged();
  }

  closed(peer: Peer, code = 1005): void {
    const s = this.streams.get(peer);
    if (!s) return;
    if (s.kind === 'device' && this.speaking.has(peer)) {
      this.o.onLifecycle?.(s.id, { kind: 'disconnected', reason: closeReason(code) });
      void this.deviceStatus(s.id, 'offline', { lifecycle: true }).catch((e) => this.o.log.error({ err: e, deviceId: s.id }, 'device status not stored'));
    }
    if (s.kind === 'all') this.all.delete(peer);
    else {
      const map = s.kind === 'device' ? this.byDevice : this.bySensor;
      const set = map.get(s.id);
      set?.delete(peer);
      if (set && set.size === 0) map.delete(s.id);
    }
    this.o.cluster?.interestChanged();
  }

  message(peer: Peer, text: string): void {
    const r = decodeSensorClientMessage(text);
    if (!r.ok) {
      const code = r.error.message.startsWith('invalid JSON') ? 'INVALID_JSON' : r.error.message.startsWith('Unknown type') ? 'UNKNOWN_TYPE' : 'INVALID_MESSAGE';
      this.reply(peer, { type: 'error', message: `${r.error.path ? r.error.path + ' ' : ''}${r.error.message}`, code });
      return;
    }
    const m = r.value;
    const ts = m.timestamp === undefined ? Date.now() : Date.parse(m.timestamp);
    if (!Number.isFinite(ts)) {
      this.reply(peer, { type: 'error', message: `/timestamp ${m.timestamp} is not a real time`, code: 'INVALID_MESSAGE' });
      return;
    }
    this.track(this.ingest(m.sensor_id, m.value, ts, m.timestamp)).then(
      (sensor) => {
        if (!sensor) return this.reply(peer, { type: 'error', message: `Sensor ${m.sensor_id} not found`, code: 'SENSOR_NOT_FOUND' });
        this.spoke(peer, sensor.deviceId, m);
      },
      (e) => {
        this.o.log.error({ err: e }, 'sensor reading not stored');
        this.reply(peer, { type: 'error', message: 'Reading not stored: database error', code: 'STORAGE_ERROR' });
      },
    );
  }

  /** A stored reading sent by `peer`: a message of the sensor's device, and on its own stream, the device connecting. */
  private spoke(peer: Peer, deviceId: number, m: unknown): void {
    const stream = this.streams.get(peer);
    if (stream?.kind === 'device' && stream.id === deviceId && peer.open && !this.speaking.has(peer)) {
      this.speaking.add(peer);
      this.o.onLifecycle?.(deviceId, { kind: 'authenticated' }, { kind: 'ready' });
      void this.deviceStatus(deviceId, 'online', { lifecycle: true }).catch((e) => this.o.log.error({ err: e, deviceId }, 'device status not stored'));
    }
    this.o.onLifecycle?.(deviceId, { kind: 'message', message: m });
  }

  /** Stores a reading and fans it out; the sensor, or undefined when it does not exist. */
  async ingest(sensorId: number, value: number, ts: number, timestamp?: string): Promise<SensorWithDevice | undefined> {
    let s = this.sensors.get(sensorId);
    if (!s) {
      s = await this.o.store.getSensor(sensorId);
      if (!s) return undefined;
      this.sensors.set(sensorId, s);
    }
    await this.o.store.addReading({ sensorId, value, ts });
    this.fanOut(s.deviceId, sensorId, {
      type: 'sensor_data_update',
      sensor_id: sensorId,
      sensor_type: s.type,
      device_id: s.deviceId,
      device_name: s.deviceName,
      value,
      unit: s.unit,
      timestamp: timestamp ?? new Date(ts).toISOString(),
    });
    return s;
  }

  track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
    return p;
  }

  async idle(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
  }

  /**
   * A device changed status: tell the all-sensors stream and the device's; with `lifecycle`, the
   * gateway too (a charger's hub tells the gateway itself).
   */
  deviceStatus(deviceId: number, status: string, o: { lifecycle?: boolean } = {}): Promise<void> {
    return this.track(this.applyStatus(deviceId, status, o.lifecycle === true));
  }

  private async applyStatus(deviceId: number, status: string, lifecycle: boolean): Promise<void> {
    const d = await this.o.store.setDeviceStatus(deviceId, status);
    if (!d) return;
    if (lifecycle) this.o.onLifecycle?.(deviceId, { kind: 'state', status: d.status });
    this.fanOut(deviceId, undefined, {
      type: 'device_status',
      device_id: d.id,
      device_name: d.name,
      status: d.status,
      timestamp: new Date().toISOString(),
    });
  }

  /** Forget cached sensor descriptions (after a REST change). */
  forget(sensorId?: number): void {
    if (sensorId === undefined) this.sensors.clear();
    else this.sensors.delete(sensorId);
  }

  private fanOut(deviceId: number, sensorId: number | undefined, m: SensorServerMessage): void {
    // Across instances only to those whose subscribers watch it (they announce what they watch).
    const remote = this.o.cluster?.wantsSensor(deviceId, sensorId ?? null) ?? false;
    if (!remote && !this.hasSubscribers(deviceId, sensorId)) return;
    const text = encodeSensorServerMessage(m);
    if (remote) this.o.cluster!.sensor(deviceId, sensorId ?? null, text);
    this.deliver(deviceId, sensorId, text);
  }

  private hasSubscribers(deviceId: number, sensorId: number | undefined): boolean {
    return this.all.size > 0 || this.byDevice.has(deviceId) || (sensorId !== undefined && this.bySensor.has(sensorId));
  }

  /** A message to this instance's subscribers of the all-sensors stream, the device's and the sensor's. */
  private deliver(deviceId: number, sensorId: number | undefined, text: string): void {
    const byDevice = this.byDevice.get(deviceId);
    const bySensor = sensorId === undefined ? undefined : this.bySensor.get(sensorId);
    if (!this.all.size && !byDevice && !bySensor) return;
    // Encoded and framed once for every subscriber.
    const prepared = prepare(text);
    for (const p of this.all) p.sendPrepared(prepared);
    for (const p of byDevice ?? []) p.sendPrepared(prepared);
    for (const p of bySensor ?? []) p.sendPrepared(prepared);
  }

  private reply(peer: Peer, m: SensorServerMessage): void {
    peer.send(encodeSensorServerMessage(m));
  }
}
