// Several instances sharing Redis: station leases (renewed every third of their TTL while owned),
// dashboard and sensor messages to every instance, and commands carried to a station's owner.
// Redis away never stops an instance: claims answer `alone` (it serves its own clients), frames
// are dropped, commands answer nothing; when Redis is back every lease still owned is taken
// again, or given up if another instance took it meanwhile.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Claim, Command, StationCluster, StationClusterEvents } from '../charger/stationCluster.js';
import { ClusterBus } from './clusterBus.js';
import type { Frame, Interest } from './clusterCodec.js';
import { ANNOUNCE_EVERY_MS, RemoteInterest } from './interest.js';
import { CLAIM, RELEASE, leaseKey } from './leaseScripts.js';

type LeaseRedis = Redis & {
  claimLease(key: string, me: string, ttlMs: number): Promise<number | string>;
  releaseLease(key: string, me: string): Promise<number>;
};

/** What the instances' subscribers watch, so messages cross only to instances that want them. */
export interface InterestBoard {
  /** Adds what this instance's subscribers of one kind watch (asked at every announcement). */
  addInterest(source: () => Partial<Interest>): void;
  /** This instance's subscribers changed: announce soon. */
  interestChanged(): void;
  wantsSensor(device: number, sensor: number | null): boolean;
  wantsGateway(device: number): boolean;
}

/** Sensor messages across instances, for the sensor hub. */
export interface SensorCluster extends InterestBoard {
  sensor(device: number, sensor: number | null, text: string): void;
  bindSensors(deliver: (device: number, sensor: number | null, text: string) => void): void;
}

/** After Redis comes up, everything is published until the other instances have announced (they answer ours at once). */
const SETTLE_MS = 1000;
const ANNOUNCE_DEBOUNCE_MS = 20;

const COMMAND_TIMEOUT_MS = 3000;

export class Cluster implements StationCluster, SensorCluster {
  readonly id = randomBytes(12).toString('base64url');
  private readonly bus: ClusterBus;
  private readonly redis: LeaseRedis;
  private readonly owned = new Set<number>();
  private readonly waiting = new Map<number, { done(texts: string[] | undefined): void }>();
  private requestSeq = 0;
  private events?: StationClusterEvents;
  private deliverSensor?: (device: number, sensor: number | null, text: string) => void;
  private readonly renewTimer: NodeJS.Timeout;
  /** When Redis last came up (ms), 0 while it is away. */
  private upSince = 0;
  private readonly remote = new RemoteInterest();
  private readonly interestSources: Array<() => Partial<Interest>> = [];
  private announceSoon: NodeJS.Timeout | undefined;
  private readonly announceTimer: NodeJS.Timeout;

  constructor(
    url: string,
    private readonly o: { log: Logger; metrics: Metrics; leaseTtlMs: number },
  ) {
    this.bus = new ClusterBus(url, this.id, { frames: (f, origin) => this.frames(f, origin), up: () => this.cameUp(), down: () => this.down() }, o);
    this.redis = this.bus.cmd as LeaseRedis;
    this.redis.defineCommand('claimLease', { numberOfKeys: 1, lua: CLAIM });
    this.redis.defineCommand('releaseLease', { numberOfKeys: 1, lua: RELEASE });
    o.metrics.gauge('espfleet_cluster_stations_owned', 'Stations whose live state this instance owns', () => this.owned.size);
    o.metrics.describe('espfleet_cluster_leases_lost_total', 'Station leases found held by another instance while owned here');
    this.renewTimer = setInterval(() => void this.renew(), Math.max(50, Math.floor(o.leaseTtlMs / 3)));
    this.renewTimer.unref();
    this.announceTimer = setInterval(() => this.announce(), ANNOUNCE_EVERY_MS);
    this.announceTimer.unref();
  }

  addInterest(source: () => Partial<Interest>): void {
    this.interestSources.push(source);
  }

  interestChanged(): void {
    if (this.announceSoon) return;
    this.announceSoon = setTimeout(() => this.announce(), ANNOUNCE_DEBOUNCE_MS);
    this.announceSoon.unref();
  }

  private announce(): void {
    clearTimeout(this.announceSoon);
    this.announceSoon = undefined;
    const i: Interest = { all: false, devices: [], sensors: [], gateway: [] };
    for (const source of this.interestSources) {
      const x = source();
      i.all ||= x.all ?? false;
      i.devices.push(...(x.devices ?? []));
      i.sensors.push(...(x.sensors ?? []));
      i.gateway.push(...(x.gateway ?? []));
    }
    this.bus.send({ t: 'interest', interest: i });
  }

  private settling(): boolean {
    return Date.now() - this.upSince < SETTLE_MS;
  }

  wantsSensor(device: number, sensor: number | null): boolean {
    return this.bus.up && (this.settling() || this.remote.wantsSensor(device, sensor, Date.now()));
  }

  wantsGateway(device: number): boolean {
    return this.bus.up && (this.settling() || this.remote.wantsGateway(device, Date.now()));
  }

  settled(): boolean {
    return this.upSince > 0 && Date.now() - this.upSince >= this.o.leaseTtlMs;
  }

  /** All of the cluster's Redis connections are ready. */
  get up(): boolean {
    return this.bus.up;
  }

  private cameUp(): void {
    this.upSince = Date.now();
    void this.renew();
    this.announce();
  }

  bind(events: StationClusterEvents): void {
    this.events = events;
  }

  bindSensors(deliver: (device: number, sensor: number | null, text: string) => void): void {
    this.deliverSensor = deliver;
  }

  async claim(station: number): Promise<Claim> {
    if (!this.bus.up) {
      this.owned.add(station);
      return { kind: 'alone' };
    }
    try {
      const r = await this.redis.claimLease(leaseKey(station), this.id, this.o.leaseTtlMs);
      if (r === 1) {
        this.owned.add(station);
        return { kind: 'owned' };
      }
      return { kind: 'held', holder: String(r) };
    } catch (e) {
      this.bus.failed('claim', e as Error);
      this.owned.add(station);
      return { kind: 'alone' };
    }
  }

  async release(station: number): Promise<void> {
    this.owned.delete(station);
    if (!this.bus.up) return; // it lapses by itself
    await this.redis.releaseLease(leaseKey(station), this.id).catch((e: Error) => this.bus.failed('release', e));
  }

  async holder(station: number): Promise<string | null | undefined> {
    if (!this.bus.up) return undefined;
    try {
      return await this.redis.get(leaseKey(station));
    } catch (e) {
      this.bus.failed('holder', e as Error);
      return undefined;
    }
  }

  want(station: number): void {
    this.bus.send({ t: 'want', station });
  }

  dashboard(station: number, text: string): void {
    this.bus.send({ t: 'dashboard', station, text });
  }

  sensor(device: number, sensor: number | null, text: string): void {
    this.bus.send({ t: 'sensor', device, sensor, text });
  }

  command(to: string, station: number, command: Command): Promise<string[] | undefined> {
    if (!this.bus.up) return Promise.resolve(undefined);
    const request = ++this.requestSeq;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.answered(request, undefined), COMMAND_TIMEOUT_MS);
      timer.unref();
      this.waiting.set(request, {
        done: (texts) => {
          clearTimeout(timer);
          resolve(texts);
        },
      });
      this.bus.send({ t: 'command', to, from: this.id, request, station, command });
    });
  }

  private answered(request: number, texts: string[] | undefined): void {
    const w = this.waiting.get(request);
    if (!w) return;
    this.waiting.delete(request);
    w.done(texts);
  }

  private frames(frames: Frame[], origin: string): void {
    for (const f of frames) {
      switch (f.t) {
        case 'interest':
          // A newcomer hears what this instance watches at once, not at the next round.
          if (this.remote.update(origin, f.interest, Date.now())) this.interestChanged();
          break;
        case 'dashboard':
          this.events?.dashboard(f.station, f.text);
          break;
        case 'sensor':
          this.deliverSensor?.(f.device, f.sensor, f.text);
          break;
        case 'want':
          if (this.owned.has(f.station)) this.events?.want(f.station);
          break;
        case 'command':
          if (f.to === this.id) this.runCommand(f.from, f.request, f.station, f.command);
          break;
        case 'reply':
          if (f.to === this.id) this.answered(f.request, f.texts);
          break;
      }
    }
  }

  private runCommand(asker: string, request: number, station: number, command: Command): void {
    const events = this.events;
    if (!events) return;
    events.command(station, command).then(
      (texts) => this.bus.send({ t: 'reply', to: asker, request, texts }),
      (e: Error) => this.bus.failed('command', e),
    );
  }

  /** Renews every lease owned here; one taken by another instance meanwhile is given up. */
  private async renew(): Promise<void> {
    if (!this.bus.up || !this.owned.size) return;
    const stations = [...this.owned];
    const results = await Promise.all(
      stations.map((s) =>
        this.redis.claimLease(leaseKey(s), this.id, this.o.leaseTtlMs).catch((e: Error) => {
          this.bus.failed('renew', e);
          return 1; // unknown: keep serving; the next renewal tells
        }),
      ),
    );
    results.forEach((r, i) => {
      const s = stations[i];
      if (r === 1 || !this.owned.has(s)) return;
      this.owned.delete(s);
      this.o.metrics.inc('espfleet_cluster_leases_lost_total');
      this.o.log.warn({ station: s, holder: r }, 'station lease held by another instance: handing the station over');
      this.events?.lost(s);
    });
  }

  private down(): void {
    this.upSince = 0;
    this.remote.clear();
    for (const w of [...this.waiting.keys()]) this.answered(w, undefined);
  }

  async close(): Promise<void> {
    clearInterval(this.renewTimer);
    clearInterval(this.announceTimer);
    clearTimeout(this.announceSoon);
    await Promise.all([...this.owned].map((s) => this.release(s)));
    this.down();
    await this.bus.close();
  }
}
