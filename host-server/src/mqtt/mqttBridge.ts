// The MQTT bridge: republishes the fleet's events to a broker (retained state, session events),
// announces valves and stations to Home Assistant (MQTT discovery), and runs the valve commands
// that arrive on command topics. It keeps the latest retained payload of every topic and
// publishes all of it again on each (re)connect, so a restarted broker, or one first reached
// after the host started, holds the current state without waiting for the fleet to change.
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient, type IPublishPacket } from 'mqtt';
import { ValveCommandError, type FleetEvent, type FleetEvents, type ValveCommand, type ValveFleet, type ValveSnapshot } from '../fleet/fleetEvents.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Store } from '../storage/store.js';
import { Topics, type CommandTopic } from './topics.js';
import { stationDiscovery, valveDiscovery, valveDiscoveryTopic, type DiscoveryConfig } from './discovery.js';
import { chargerMessages, stationStatusMessages, valveClearing, valveMessages, type Outgoing } from './fleetMessages.js';
import { excerpt, parseCommand } from './valveCommands.js';

const PUBLISHED = 'espfleet_mqtt_published_total';
const COMMANDS = 'espfleet_mqtt_commands_total';
/** How long close() waits for the broker to take the bridge's `offline`. */
const GOODBYE_MS = 2000;

export interface MqttBridgeOptions {
  /** mqtt://, mqtts://, ws:// or wss://, with user:password when the broker wants them. */
  url: string;
  events: FleetEvents;
  valves: ValveFleet;
  store: Store;
  log: Logger;
  metrics: Metrics;
  /** The host's version: discovery's sw_version, as the devices report none of their own. */
  version: string;
  /** Topic levels every state and command topic starts with; default `espfleet`. */
  prefix?: string;
  /** Home Assistant's discovery prefix; default `homeassistant`. */
  discoveryPrefix?: string;
  /** Wait between connection attempts, ms; default 2000. */
  reconnectPeriodMs?: number;
}

export class MqttBridge {
  private readonly topics: Topics;
  /** The latest retained payload per topic, in first-published order (discovery before state). */
  private readonly latest = new Map<string, string>();
  /** Stations announced to Home Assistant, by id. */
  private readonly stations = new Set<number>();
  /** Stations being read from the store after an event named one not announced yet. */
  private readonly lookingUp = new Set<number>();
  private readonly broker: string;
  private client?: MqttClient;
  private offEvents?: () => void;
  /** Whether the broker's absence has been logged since the bridge was last connected. */
  private outageLogged = false;
  private wasConnected = false;
  private closing = false;

  constructor(private readonly o: MqttBridgeOptions) {
    if (!/^(mqtts?|wss?):\/\/[^/]/i.test(o.url)) throw new Error('the MQTT URL must start with mqtt://, mqtts://, ws:// or wss:// and name a host');
    this.topics = new Topics(o.prefix, o.discoveryPrefix);
    const u = new URL(o.url);
    // Never the password in a log line.
    this.broker = `${u.protocol}//${u.host}`;
    o.metrics.gauge('espfleet_mqtt_up', 'Whether the MQTT bridge is connected to its broker (1) or not (0)', () => (this.client?.connected ? 1 : 0));
    o.metrics.describe(PUBLISHED, 'MQTT messages the bridge published');
    o.metrics.describe(COMMANDS, 'Valve commands received over MQTT, by result');
  }

  /** Connects in the background: a broker that is down is logged and tried again, never thrown. */
  async start(): Promise<void> {
    this.offEvents = this.o.events.on((e) => this.onFleetEvent(e));
    for (const v of this.o.valves.list()) this.announceValve(v);
    try {
      for (const s of await this.o.store.listStations()) {
        this.announceStation(s);
        this.publishAll(stationStatusMessages(this.topics, s.id, s.status));
      }
    } catch (e) {
      this.o.log.error({ err: e }, 'mqtt: stations not read; each is announced at its next event');
    }
    // Closed while the stations were being read: no connection to leave behind.
    if (this.closing) return;
    const client = (this.client = mqtt.connect(this.o.url, {
      clientId: `espfleet-bridge-${randomBytes(6).toString('hex')}`,
      clean: true,
      keepalive: 30,
      reconnectPeriod: this.o.reconnectPeriodMs ?? 2000,
      connectTimeout: 10_000,
      // Nothing waits for the connection: every (re)connect publishes the latest of everything.
      queueQoSZero: false,
      resubscribe: false,
      will: { topic: this.topics.bridgeAvailability(), payload: Buffer.from('offline'), qos: 1, retain: true },
    }));
    client.on('connect', () => this.onConnect());
    client.on('message', (topic, payload, packet) => this.onMessage(topic, payload, packet));
    client.on('error', (e) => this.onConnectionTrouble(e.message));
    client.on('close', () => {
      if (this.wasConnected && !this.closing) this.onConnectionTrouble('connection lost');
      this.wasConnected = false;
    });
  }

  /** Says `offline` on the bridge's availability topic, then disconnects. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.offEvents?.();
    const client = this.client;
    if (!client) return;
    let clean = false;
    if (client.connected) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          client.publishAsync(this.topics.bridgeAvailability(), 'offline', { qos: 1, retain: true }),
          new Promise((_, fail) => (timer = setTimeout(() => fail(new Error(`no answer within ${GOODBYE_MS} ms`)), GOODBYE_MS))),
        ]);
        this.o.metrics.inc(PUBLISHED);
        clean = true;
      } catch (e) {
        this.o.log.warn({ broker: this.broker, err: (e as Error).message }, 'mqtt: offline not published; the broker publishes the last will instead');
      } finally {
        clearTimeout(timer);
      }
    }
    // Forced when the goodbye did not get through: nothing in flight is worth waiting for.
    await client.endAsync(!clean);
  }

  private onConnect(): void {
    const client = this.client!;
    this.wasConnected = true;
    this.outageLogged = false;
    this.o.log.info({ broker: this.broker }, 'mqtt: connected; announcing the fleet');
    client.subscribe([...this.topics.commandSubscriptions(), this.topics.homeAssistantStatus()], { qos: 1 }, (err) => {
      if (err && !this.closing) this.o.log.warn({ broker: this.broker, err: err.message }, 'mqtt: command topics not subscribed; trying again at the next connect');
    });
    this.send({ topic: this.topics.bridgeAvailability(), payload: 'online', retain: true });
    this.republish();
  }

  private onConnectionTrouble(reason: string): void {
    if (this.closing) return;
    if (this.outageLogged) return this.o.log.debug({ broker: this.broker, err: reason }, 'mqtt: still no broker');
    this.outageLogged = true;
    this.o.log.warn({ broker: this.broker, err: reason, retryMs: this.o.reconnectPeriodMs ?? 2000 }, 'mqtt: broker unreachable; retrying');
  }

  private republish(): void {
    for (const [topic, payload] of this.latest) this.send({ topic, payload, retain: true });
  }

  private onFleetEvent(e: FleetEvent): void {
    switch (e.kind) {
      case 'valve':
        return this.announceValve(e.valve);
      case 'valve-removed':
        this.publish({ topic: valveDiscoveryTopic(this.topics, e.valveId), payload: '', retain: true });
        return this.publishAll(valveClearing(this.topics, e.valveId));
      case 'station-status':
        this.lookUpStation(e.stationId);
        return this.publishAll(stationStatusMessages(this.topics, e.stationId, e.status));
      default:
        this.lookUpStation(e.stationId);
        return this.publishAll(chargerMessages(this.topics, e));
    }
  }

  private announceValve(v: ValveSnapshot): void {
    this.publishDiscovery([valveDiscovery(this.topics, v, this.o.version)]);
    this.publishAll(valveMessages(this.topics, v));
  }

  private announceStation(s: { id: number; name: string }): void {
    this.stations.add(s.id);
    this.publishDiscovery(stationDiscovery(this.topics, s, this.o.version));
  }

  /** A station created after start() is announced when its first event names it. */
  private lookUpStation(stationId: number): void {
    if (this.stations.has(stationId) || this.lookingUp.has(stationId)) return;
    this.lookingUp.add(stationId);
    this.o.store
      .getStation(stationId)
      .then((s) => {
        if (s && !this.closing) this.announceStation(s);
      })
      .catch((e) => this.o.log.error({ err: e, stationId }, 'mqtt: station not read; announced at its next event'))
      .finally(() => this.lookingUp.delete(stationId));
  }

  private publishDiscovery(configs: DiscoveryConfig[]): void {
    for (const d of configs) this.publish({ topic: d.topic, payload: JSON.stringify(d.config), retain: true });
  }

  private publishAll(messages: Outgoing[]): void {
    for (const m of messages) this.publish(m);
  }

  /** Retained payloads are remembered (and not sent again unchanged); the rest only go out while connected. */
  private publish(m: Outgoing): void {
    if (m.retain) {
      if (this.latest.get(m.topic) === m.payload) return;
      this.latest.set(m.topic, m.payload);
    }
    this.send(m);
  }

  private send(m: Outgoing): void {
    const client = this.client;
    if (!client?.connected || this.closing) return;
    client.publish(m.topic, m.payload, { qos: 0, retain: m.retain }, (err) => {
      // A lost connection: the next connect publishes the latest again.
      if (err) this.o.log.debug({ topic: m.topic, err: err.message }, 'mqtt: publish not sent');
    });
    this.o.metrics.inc(PUBLISHED);
  }

  private onMessage(topic: string, payload: Buffer, packet: IPublishPacket): void {
    try {
      if (topic === this.topics.homeAssistantStatus()) {
        // Home Assistant restarted: it reads the retained configs anyway; the republish covers a broker that lost them.
        if (payload.toString() === 'online') this.republish();
        return;
      }
      const c = this.topics.parseCommand(topic);
      if (!c) return;
      // Empty: how a retained message is deleted, not a command.
      if (payload.length === 0) return;
      const text = payload.toString('utf8');
      if (packet.retain) return this.refuse(c, text, 'a retained command is not run (it would run again at every reconnect); publish it without retain');
      if (c.valveId === null) return this.refuse(c, text, `${c.segment} is not a valve: commands go to ${this.topics.prefix}/valve-<id>/${c.leaf}`);
      const parsed = parseCommand(c.leaf, text);
      if (!parsed.ok) return this.refuse(c, text, parsed.message);
      this.run(c, c.valveId, parsed.command);
    } catch (e) {
      this.o.log.error({ err: e, topic }, 'mqtt: message not handled');
    }
  }

  private refuse(c: CommandTopic, payload: string, message: string): void {
    this.o.metrics.inc(COMMANDS, { result: 'bad-payload' });
    this.o.log.warn({ segment: c.segment, leaf: c.leaf, payload: excerpt(payload) }, `mqtt: command refused: ${message}`);
    this.answerError(c, { error: 'bad-payload', message, payload: excerpt(payload) });
  }

  private run(c: CommandTopic, valveId: number, command: ValveCommand): void {
    // Promise.resolve().then: a fleet that throws instead of rejecting is answered the same way.
    Promise.resolve()
      .then(() => this.o.valves.command(valveId, command))
      .then(
        () => this.o.metrics.inc(COMMANDS, { result: 'ok' }),
        (e: unknown) => {
          const kind = e instanceof ValveCommandError ? e.kind : 'error';
          const message = e instanceof Error ? e.message : String(e);
          this.o.metrics.inc(COMMANDS, { result: kind });
          this.o.log.warn({ valve: valveId, command, kind, err: message }, 'mqtt: valve command failed');
          this.answerError(c, { error: kind, message, command });
        },
      );
  }

  private answerError(c: CommandTopic, body: Record<string, unknown>): void {
    this.send({ topic: this.topics.error(c.segment), payload: JSON.stringify({ topic: `${this.topics.prefix}/${c.segment}/${c.leaf}`, ...body }), retain: false });
  }
}
