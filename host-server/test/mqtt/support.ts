// Helpers for the MQTT bridge suites: the machine's Mosquitto (failing, not skipping, in CI when
// it is missing), a mosquitto of the test's own to kill and restart, a TCP door whose
// connections a test can cut, an independent MQTT client that records what arrives, and an
// in-memory ValveFleet (the bridge's caller-side interface, not MQTT).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { FleetEvents, ValveCommandError, type ValveCommand, type ValveFleet, type ValveSnapshot } from '../../src/fleet/fleetEvents.js';
import { createLogger } from '../../src/log.js';
import { Metrics } from '../../src/metrics.js';
import { openStore } from '../../src/storage/openStore.js';
import type { Store } from '../../src/storage/store.js';
import { MqttBridge, type MqttBridgeOptions } from '../../src/mqtt/mqttBridge.js';
import { CI, freePort } from '../signaling/support.js';
import { eventually } from '../cluster/support.js';

export { eventually, freePort };

export const MACHINE_MQTT = process.env.ESPFLEET_TEST_MQTT ?? 'mqtt://127.0.0.1:1883';

export async function mqttReachable(url: string): Promise<boolean> {
  try {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 1000 });
    await c.endAsync();
    return true;
  } catch {
    return false;
  }
}

/** Whether the machine's Mosquitto answers; in CI its absence fails the suite. */
export async function machineBroker(): Promise<boolean> {
  const up = await mqttReachable(MACHINE_MQTT);
  if (!up && CI) throw new Error(`the MQTT bridge suite needs Mosquitto at ${MACHINE_MQTT} in CI`);
  return up;
}

/** Whether the mosquitto binary is installed; in CI its absence fails the suite. */
export function mosquittoInstalled(): boolean {
  const installed = !spawnSync('mosquitto', ['-h'], { stdio: 'ignore' }).error;
  if (!installed && CI) throw new Error('the MQTT broker-restart suite needs the mosquitto binary in CI');
  return installed;
}

/** A mosquitto of the test's own on a free port, without persistence: a restart forgets every retained message. */
export class OwnMosquitto {
  private p?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'espfleet-mosquitto-'));
  constructor(readonly port: number) {
    writeFileSync(join(this.dir, 'mosquitto.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    const p = (this.p = spawn('mosquitto', ['-c', join(this.dir, 'mosquitto.conf')], { stdio: 'ignore' }));
    let failed: Error | undefined;
    p.on('error', (e) => (failed = e));
    const end = Date.now() + 5000;
    while (!(await mqttReachable(this.url))) {
      if (failed || p.exitCode !== null) throw new Error(`mosquitto on ${this.port} did not start: ${failed?.message ?? `exit ${p.exitCode}`}`);
      if (Date.now() > end) throw new Error(`mosquitto on ${this.port} did not start`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGKILL: no goodbye to the clients, nothing kept. */
  async kill(): Promise<void> {
    const p = this.p;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }

  async remove(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A TCP relay to a broker: cut() drops every connection through it at once, as a dead link would. */
export class TcpDoor {
  private srv?: Server;
  private readonly sockets = new Set<Socket>();
  constructor(readonly port: number, readonly target: { host: string; port: number }) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  static async open(target: string): Promise<TcpDoor> {
    const u = new URL(target);
    const door = new TcpDoor(await freePort(), { host: u.hostname, port: Number(u.port || 1883) });
    const srv = (door.srv = createServer((c) => {
      const r = tcpConnect(door.target.port, door.target.host);
      for (const s of [c, r]) {
        door.sockets.add(s);
        s.on('close', () => door.sockets.delete(s));
        s.on('error', () => {});
      }
      c.pipe(r).pipe(c);
      c.on('close', () => r.destroy());
      r.on('close', () => c.destroy());
    }));
    await new Promise<void>((ok, fail) => {
      srv.once('error', fail);
      srv.listen(door.port, '127.0.0.1', () => ok());
    });
    return door;
  }

  /** resetAndDestroy: the broker sees the connection die without a DISCONNECT, so it publishes the last will. */
  cut(): void {
    for (const s of this.sockets) s.resetAndDestroy();
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((ok) => (this.srv ? this.srv.close(() => ok()) : ok()));
  }
}

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

/** An independent MQTT client subscribed to a bridge's prefixes, keeping every message. */
export class Watcher {
  readonly received: Received[] = [];
  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => this.received.push({ topic, payload: payload.toString(), retain: packet.retain }));
  }

  static async connect(url: string, prefixes: string[]): Promise<Watcher> {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 200, connectTimeout: 2000 });
    const w = new Watcher(client);
    await client.subscribeAsync(prefixes.map((p) => `${p}/#`), { qos: 1 });
    return w;
  }

  /** The first message on `topic` (after index `from`) that `pred` accepts, waiting up to `ms`. */
  async next(topic: string, pred: (m: Received) => boolean = () => true, ms = 5000, from = 0): Promise<Received> {
    let found: Received | undefined;
    await eventually(() => (found = this.received.slice(from).find((m) => m.topic === topic && pred(m))) !== undefined, ms, `a message on ${topic}`);
    return found!;
  }

  /** The last payload seen on `topic`. */
  last(topic: string): Received | undefined {
    return this.received.filter((m) => m.topic === topic).pop();
  }

  publish(topic: string, payload: string | Buffer, retain = false): Promise<unknown> {
    return this.client.publishAsync(topic, payload, { qos: 1, retain });
  }

  close(): Promise<void> {
    return this.client.endAsync(true);
  }
}

/** Empties every retained topic under the prefixes (the machine's Mosquitto keeps them on disk). */
export async function clearRetained(url: string, prefixes: string[]): Promise<void> {
  const w = await Watcher.connect(url, prefixes);
  await new Promise((r) => setTimeout(r, 300));
  for (const t of new Set(w.received.filter((m) => m.retain && m.payload !== '').map((m) => m.topic))) await w.publish(t, '', true);
  await w.close();
}

export function snapshot(valveId: number, o: Partial<ValveSnapshot> = {}): ValveSnapshot {
  return {
    valveId,
    deviceId: 100 + valveId,
    name: `Valve ${valveId}`,
    address: `ws://127.0.0.1:${9000 + valveId}/ws`,
    online: true,
    angle: 0,
    isOpen: false,
    isClosed: true,
    openLimit: false,
    closeLimit: true,
    motion: 'idle',
    targetAngle: null,
    currentA: null,
    fault: null,
    schedule: false,
    sensor: false,
    hardwareId: null,
    updatedAt: 1_700_000_000_000,
    ...o,
  };
}

/** Valves in memory: commands are recorded, move the valve at once and emit its new state. */
export class FakeValves implements ValveFleet {
  readonly valves = new Map<number, ValveSnapshot>();
  readonly commands: Array<{ valveId: number; command: ValveCommand }> = [];
  /** What the next commands fail with, instead of running. */
  failWith?: unknown;

  constructor(private readonly events: FleetEvents) {}

  put(v: ValveSnapshot): void {
    this.valves.set(v.valveId, v);
    this.events.emit({ kind: 'valve', valve: v });
  }

  list(): ValveSnapshot[] {
    return [...this.valves.values()];
  }

  get(valveId: number): ValveSnapshot | undefined {
    return this.valves.get(valveId);
  }

  async command(valveId: number, command: ValveCommand): Promise<ValveSnapshot> {
    this.commands.push({ valveId, command });
    if (this.failWith !== undefined) throw this.failWith;
    const v = this.valves.get(valveId);
    if (!v) throw new ValveCommandError('not-found', `no valve ${valveId}`);
    const angle = command.kind === 'angle' ? command.angle : command.kind === 'open' ? 90 : command.kind === 'close' ? 0 : v.angle;
    const next = { ...v, angle, isOpen: angle === 90, isClosed: angle === 0, updatedAt: v.updatedAt + 1 };
    this.put(next);
    return next;
  }
}

/** One bridge's world: a real FleetEvents and SQLite store, fake valves, unique topic prefixes. */
export class Rig {
  readonly prefix = `espfleet-test-${randomBytes(4).toString('hex')}`;
  readonly discoveryPrefix = `homeassistant-test-${randomBytes(4).toString('hex')}`;
  readonly events = new FleetEvents((e) => {
    throw e;
  });
  readonly valves = new FakeValves(this.events);
  readonly metrics = new Metrics();
  readonly bridges: MqttBridge[] = [];
  private constructor(readonly store: Store, private readonly dir: string) {}

  static async create(): Promise<Rig> {
    const dir = mkdtempSync(join(tmpdir(), 'espfleet-mqtt-'));
    return new Rig(await openStore({ dataDir: dir }), dir);
  }

  bridge(url: string, o: Partial<MqttBridgeOptions> = {}): MqttBridge {
    const b = new MqttBridge({
      url,
      events: this.events,
      valves: this.valves,
      store: this.store,
      log: createLogger('silent'),
      metrics: this.metrics,
      version: '9.8.7',
      prefix: this.prefix,
      discoveryPrefix: this.discoveryPrefix,
      reconnectPeriodMs: 200,
      ...o,
    });
    this.bridges.push(b);
    return b;
  }

  get up(): number {
    return /^espfleet_mqtt_up (\d)$/m.exec(this.metrics.text())?.[1] === '1' ? 1 : 0;
  }

  watch(url: string): Promise<Watcher> {
    return Watcher.connect(url, [this.prefix, this.discoveryPrefix]);
  }

  async close(): Promise<void> {
    for (const b of this.bridges) await b.close();
    await this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
