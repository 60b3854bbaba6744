// The valves the host links to: one ValveLink per registered valve, started at boot and when a
// valve is added over REST, closed when it is deleted. Each valve's state goes out everywhere the
// host reaches: its device's status and `angle` sensor readings (sensor streams, stored), the
// device gateway's lifecycle events, and FleetEvents (the MQTT bridge).
import type { ValveDeviceMessage } from '@espfleet/protocol/valve';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Store, ValveRow } from '../storage/store.js';
import type { SensorHub } from '../sensors/sensorHub.js';
import type { Lifecycle } from '../gateway/lifecycle.js';
import { ValveCommandError, type FleetEvents, type ValveCommand, type ValveFleet, type ValveSnapshot } from '../fleet/fleetEvents.js';
import { PasskeyCipher } from './passkeyCipher.js';
import { ValveLink, type ValveLinkOptions } from './valveLink.js';

export const VALVE_SENSORS = [
  { type: 'angle', unit: '°' },
  { type: 'current', unit: 'A' },
];

export interface ValveHubOptions {
  store: Store;
  log: Logger;
  metrics: Metrics;
  secret: string;
  sensors: SensorHub;
  events: FleetEvents;
  onLifecycle: (deviceId: number, ...events: Lifecycle[]) => void;
  /** How long a command may take before it is answered with a timeout (ms). */
  commandTimeoutMs?: number;
  link?: Pick<ValveLinkOptions, 'pollMs' | 'answerMs' | 'backoff'>;
}

/** ws://host:port/ws from what a person types: a ws:// URL, or host:port (port 80 when absent). */
export function valveAddress(text: string): string {
  const t = text.trim();
  const url = new URL(/^wss?:\/\//i.test(t) ? t : `ws://${t}`);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/ws';
  return url.toString();
}

export class ValveHub implements ValveFleet {
  private readonly links = new Map<number, ValveLink>();
  private readonly cipher: PasskeyCipher;
  /** Sensor ids by `${deviceId}:${type}`. */
  private sensorIds = new Map<string, number>();

  constructor(private readonly o: ValveHubOptions) {
    this.cipher = new PasskeyCipher(o.secret);
    o.metrics.gauge('espfleet_valves_online', 'Valves whose link is up', () => [...this.links.values()].filter((l) => l.online).length);
    o.metrics.gauge('espfleet_valves', 'Valves registered', () => this.links.size);
    o.metrics.describe('espfleet_valve_commands_total', 'Valve commands, by result');
  }

  async start(): Promise<void> {
    for (const v of await this.o.store.listValves()) this.link(v);
  }

  /** Registers a valve (its passkey sealed) and links to it. */
  async add(v: { name: string; address: string; passkey: string }): Promise<ValveSnapshot> {
    const row = await this.o.store.createValve({ name: v.name, address: valveAddress(v.address), passkeyCipher: this.cipher.seal(v.passkey), sensors: VALVE_SENSORS });
    return this.link(row).state;
  }

  async remove(valveId: number): Promise<boolean> {
    const link = this.links.get(valveId);
    const row = await this.o.store.getValve(valveId);
    if (!(await this.o.store.deleteValve(valveId))) return false;
    link?.close();
    this.links.delete(valveId);
    if (row) this.o.events.emit({ kind: 'valve-removed', valveId, deviceId: row.deviceId });
    return true;
  }

  list(): ValveSnapshot[] {
    return [...this.links.values()].map((l) => l.state);
  }

  get(valveId: number): ValveSnapshot | undefined {
    return this.links.get(valveId)?.state;
  }

  async command(valveId: number, c: ValveCommand): Promise<ValveSnapshot> {
    const link = this.links.get(valveId);
    if (!link) throw new ValveCommandError('not-found', `no valve ${valveId}`);
    try {
      const s = await link.command(c, this.o.commandTimeoutMs ?? 60_000);
      this.o.metrics.inc('espfleet_valve_commands_total', { result: 'ok' });
      return s;
    } catch (e) {
      this.o.metrics.inc('espfleet_valve_commands_total', { result: e instanceof ValveCommandError ? e.kind : 'error' });
      throw e;
    }
  }

  private link(v: ValveRow): ValveLink {
    let passkey: string;
    try {
      passkey = this.cipher.open(v.passkeyCipher);
    } catch {
      this.o.log.error({ valve: v.id }, 'valve passkey cannot be opened with this server secret: register the valve again');
      passkey = '';
    }
    const l = new ValveLink({
      valveId: v.id, deviceId: v.deviceId, name: v.name, address: v.address, passkey, log: this.o.log, ...this.o.link,
      onState: (s) => this.state(s),
      onLink: (up, reason) => this.linkChanged(v.deviceId, up, reason),
      onMessage: (m) => this.message(v.deviceId, m),
    });
    this.links.set(v.id, l);
    l.start();
    return l;
  }

  private state(s: ValveSnapshot): void {
    this.o.events.emit({ kind: 'valve', valve: s });
    if (!s.online) return;
    if (s.angle !== null) void this.reading(s.deviceId, VALVE_SENSORS[0], s.angle, s.updatedAt);
    if (s.currentA !== null) void this.reading(s.deviceId, VALVE_SENSORS[1], s.currentA, s.updatedAt);
  }

  private async reading(deviceId: number, sensor: { type: string; unit: string }, value: number, ts: number): Promise<void> {
    const key = `${deviceId}:${sensor.type}`;
    try {
      let id = this.sensorIds.get(key);
      if (id === undefined) {
        id = (await this.o.store.ensureSensor({ deviceId, ...sensor })).id;
        this.sensorIds.set(key, id);
      }
      await this.o.sensors.track(this.o.sensors.ingest(id, value, ts));
    } catch (e) {
      this.o.log.error({ err: e, deviceId, sensor: sensor.type }, 'valve reading not stored as a sensor reading');
    }
  }

  private linkChanged(deviceId: number, up: boolean, reason: string): void {
    if (up) this.o.onLifecycle(deviceId, { kind: 'authenticated' }, { kind: 'ready' });
    else this.o.onLifecycle(deviceId, { kind: 'disconnected', reason });
    this.o.sensors.deviceStatus(deviceId, up ? 'online' : 'offline', { lifecycle: true }).catch((e) => this.o.log.error({ err: e, deviceId }, 'valve status not stored'));
  }

  private message(deviceId: number, m: ValveDeviceMessage): void {
    this.o.onLifecycle(deviceId, { kind: 'message', message: m });
  }

  close(): void {
    for (const l of this.links.values()) l.close();
  }
}
