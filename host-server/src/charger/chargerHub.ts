// The charger backend and dashboard feed on /ws?role=publisher|client&estacionId=N: one
// publisher (the charger) and any number of dashboards per station, the NFC → session →
// metrics → stop flow, and billing. Each station runs its messages one at a time from a bounded
// queue in which `emergency` and `stop` overtake waiting readings. The endpoint speaks the
// seed's Spanish. With a cluster (Redis), one instance owns a station's live state at a time:
// the one its charger is connected to. A charger connecting elsewhere asks the owner to let go
// (or waits for a dead owner's lease to lapse) and the new owner reads the station, its open
// session and its meter from storage; dashboards anywhere get the owner's messages, and their
// commands are carried to it. Billing stays exact through a handover: a reading counts only
// once stored, and storage keeps one reading per (session, ts).
import type { IncomingMessage } from 'node:http';
import {
  decodeChargerPublisherMessage,
  decodeDashboardCommandMessage,
  encodeChargerCommandMessage,
  encodeDashboardMessage,
  CLOSE_CODES,
  CLOSE_REASONS,
  CHARGER_ERRORS,
  CHARGER_ERROR_CODES as CODES,
  type ChargerCommandMessage,
  type DashboardMessage,
  type ChargerMetrics,
} from '@espfleet/protocol/charger';
import type { Route } from '../ws/upgrade.js';
import { prepare, type Peer } from '../ws/peer.js';
import type { Store, StationStatus } from '../storage/store.js';
import type { Metrics } from '../metrics.js';
import type { Logger } from '../log.js';
import type { Authenticator } from '../auth/authenticator.js';
import { DEFAULTS, type ServerConfig } from '../config.js';
import { cost, round } from './energy.js';
import type { Rating } from './plausibility.js';
import { ReadingIntake, elapsed, type LiveSession } from './readings.js';
import { StationQueue } from './stationQueue.js';
import { invalidMessage } from './invalidMessage.js';
import { closeReason, type Lifecycle } from '../gateway/lifecycle.js';
import type { FleetEvent } from '../fleet/fleetEvents.js';
import type { Command, StationCluster } from './stationCluster.js';

interface Station {
  id: number;
  tariff: number;
  rating: Rating;
  deviceId: number | null;
  status: StationStatus;
  publisher: Peer | null;
  dashboards: Set<Peer>;
  session: LiveSession | null;
  /** The session ended last, kept so that readings it overtook (stop, emergency) bill without re-reading it. */
  ended: LiveSession | null;
  silence?: NodeJS.Timeout;
  /** When the charger was last heard from, ms. */
  heardAt: number;
  queue: StationQueue;
  /** This instance owns the live state (always, alone); otherwise session and status are storage's last word, for dashboards. */
  owned: boolean;
}

export type ChargerLimits = Pick<
  ServerConfig,
  'chargerMaxPowerW' | 'chargerMaxVoltageV' | 'chargerMaxCurrentA' | 'chargerClockSkewS' | 'chargerMaxGapS' | 'chargerQueueLimit'
>;

export interface ChargerHubOptions {
  store: Store;
  metrics: Metrics;
  log: Logger;
  auth: Authenticator;
  chargerTimeoutMs: number;
  /** Reading plausibility and queue bounds; the configuration defaults when absent. */
  limits?: ChargerLimits;
  /** Charger readings as sensor readings of the station's device (power, voltage, current). */
  onReading?: (deviceId: number, type: 'power' | 'voltage' | 'current', value: number, tsMs: number) => void;
  onStatus?: (deviceId: number, status: string) => void;
  /** The charger's lifecycle as its station's device, for the device gateway. */
  onLifecycle?: (deviceId: number, event: Lifecycle) => void;
  /** Readings billed, sessions and station status, as the owner of the station sees them (the MQTT bridge). */
  onFleet?: (e: FleetEvent) => void;
  /** Other instances (Redis); `scanMs`: how often open sessions nobody owns are looked for, to watch their silence. */
  cluster?: { stations: StationCluster; scanMs: number };
}

type Role = 'publisher' | 'client';
interface PeerInfo {
  role: Role;
  station: number;
  /** Messages that arrived while the station was loading. */
  pending?: string[];
}
const peerInfo = new WeakMap<Peer, PeerInfo>();

const INTERNAL = 'Error interno del servidor: el mensaje no se procesó, reenvíelo';
const QUEUE_FULL = 'Cola de la estación llena: mensaje descartado, reenvíelo más tarde';
const TAKEN_OVER = 'otro publisher se conectó para esta estación';
const LEASE_LOST = 'la estación pasó a otra instancia del servidor; reconecte';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ChargerHub implements Route {
  readonly name = 'charger';
  private stations = new Map<number, Station>();
  private stopping = false;
  private loading = new Map<number, Promise<Station | undefined>>();
  private readonly limits: ChargerLimits;
  private readonly intake: ReadingIntake;
  private readonly cluster?: StationCluster;
  private scanTimer?: NodeJS.Timeout;

  constructor(private readonly o: ChargerHubOptions) {
    this.cluster = o.cluster?.stations;
    this.limits = o.limits ?? DEFAULTS;
    this.intake = new ReadingIntake(o.store, { skewS: this.limits.chargerClockSkewS, maxGapS: this.limits.chargerMaxGapS });
    o.metrics.describe('espfleet_sessions_started_total', 'Charging sessions started');
    o.metrics.describe('espfleet_sessions_ended_total', 'Charging sessions ended');
    o.metrics.describe('espfleet_charger_readings_flagged_total', 'Charger readings refused for billing, by reason');
    o.metrics.describe('espfleet_charger_messages_dropped_total', 'Charger messages dropped unprocessed (station queue full, shutdown, station handed over)');
    o.metrics.describe('espfleet_cluster_takeovers_total', 'Stations this instance took over, by why (charger connected here, open session nobody watched)');
    this.cluster?.bind({
      dashboard: (id, text) => this.remoteDashboard(id, text),
      want: (id) => this.letGo(id, TAKEN_OVER, true),
      command: (id, c) => this.remoteCommand(id, c),
      lost: (id) => this.letGo(id, LEASE_LOST, false),
    });
  }

  match(path: string): Record<string, string> | undefined {
    return path === '/ws' ? {} : undefined;
  }

  /**
   * Open sessions from before a restart: they continue if their charger returns in time. In a
   * cluster, those no instance owns (their owner died) are claimed so their silence is watched,
   * now and every `scanMs`.
   */
  async resume(): Promise<void> {
    if (this.o.cluster) {
      await this.adoptOrphans();
      this.scanTimer = setInterval(() => void this.adoptOrphans().catch((e) => this.o.log.error({ err: e }, 'open sessions not scanned')), this.o.cluster.scanMs);
      this.scanTimer.unref();
      return;
    }
    for (const s of await this.o.store.listOpenSessions()) {
      const st = await this.station(s.stationId);
      if (st) this.armSilence(st);
    }
  }

  private async adoptOrphans(): Promise<void> {
    const cluster = this.cluster!;
    if (!cluster.settled()) return;
    for (const s of await this.o.store.listOpenSessions()) {
      const st = await this.station(s.stationId);
      if (!st || st.owned || this.stopping) continue;
      st.queue.push(async () => {
        if (st.owned || st.publisher) return;
        const r = await cluster.claim(st.id);
        // Redis away: every instance would adopt everything; the lease decides who watches.
        if (r.kind !== 'owned') {
          if (r.kind === 'alone') await cluster.release(st.id);
          return;
        }
        await this.becomeOwner(st);
        if (!st.session) return this.giveUp(st);
        this.o.metrics.inc('espfleet_cluster_takeovers_total', { why: 'orphaned_session' });
        this.o.log.info({ station: st.id, session: st.session.row.id }, 'took over an open session nobody owned; watching its charger\'s silence');
        this.armSilence(st);
      });
    }
  }

  connect(peer: Peer, _params: Record<string, string>, q: URLSearchParams, req: IncomingMessage): void {
    const roleParam = q.get('role') ?? (q.get('type') === 'dashboard' ? 'client' : null);
    if (roleParam !== 'publisher' && roleParam !== 'client') {
      return peer.close(1008, 'role debe ser publisher o client');
    }
    const role: Role = roleParam;
    const raw = q.get('estacionId');
    if (raw === null || raw === '') {
      const code = role === 'publisher' ? CLOSE_CODES.PUBLISHER_MISSING_ESTACION_ID : CLOSE_CODES.CLIENT_MISSING_ESTACION_ID;
      return peer.close(code, CLOSE_REASONS[code]);
    }
    const id = /^[0-9]{1,9}$/.test(raw) ? Number(raw) : NaN;
    if (!this.o.auth.allows(req, q, role, Number.isNaN(id) ? undefined : id)) {
      return peer.close(CLOSE_CODES.INVALID_TOKEN, CLOSE_REASONS[CLOSE_CODES.INVALID_TOKEN]);
    }
    const info: PeerInfo = { role, station: id, pending: [] };
    peerInfo.set(peer, info);
    void this.loadFor(peer, info);
  }

  private async loadFor(peer: Peer, info: PeerInfo): Promise<void> {
    const st = Number.isNaN(info.station) ? undefined : await this.station(info.station);
    if (!st) {
      peer.close(CLOSE_CODES.ESTACION_NOT_FOUND, CLOSE_REASONS[CLOSE_CODES.ESTACION_NOT_FOUND]);
      return;
    }
    if (!peer.open) return;
    const pending = info.pending ?? [];
    info.pending = undefined;
    if (info.role === 'publisher') this.publisherJoined(st, peer);
    else this.dashboardJoined(st, peer);
    for (const text of pending) this.message(peer, text);
  }

  message(peer: Peer, text: string): void {
    const info = peerInfo.get(peer);
    if (info?.pending) {
      info.pending.push(text);
      return;
    }
    const st = info && this.stations.get(info.station);
    if (!info || !st) return;
    if (info.role === 'publisher') this.fromCharger(st, peer, text);
    else this.fromDashboard(st, peer, text);
  }

  closed(peer: Peer, code = 1005): void {
    if (this.stopping) return;
    const info = peerInfo.get(peer);
    const st = info && this.stations.get(info.station);
    if (!info || !st) return;
    if (info.role === 'client') {
      st.dashboards.delete(peer);
      return;
    }
    if (st.publisher !== peer) return;
    st.publisher = null;
    this.life(st, { kind: 'disconnected', reason: closeReason(code) });
    if (!st.owned) return; // it never took the station over
    st.queue.push(() => this.announce(st, 'desconectado'), { urgent: true });
    this.armSilence(st);
  }

  // ---- connections ----

  private publisherJoined(st: Station, peer: Peer): void {
    if (st.publisher && st.publisher !== peer) st.publisher.close(4000, TAKEN_OVER);
    st.publisher = peer;
    this.toPeer(peer, { type: 'connected', role: 'publisher', estacionId: String(st.id) });
    this.life(st, { kind: 'authenticated' }, { kind: 'ready' });
    if (!st.owned) {
      // Its messages queue behind the takeover, so none is handled before the station is ours.
      st.queue.push(() => this.takeOver(st, peer), { urgent: true });
      return;
    }
    this.armSilence(st);
    st.queue.push(() => this.announce(st, st.session ? 'cargando' : st.status === 'emergencia' ? 'emergencia' : 'disponible'), { urgent: true });
    this.greet(st, peer);
  }

  /** A (re)connected charger learns its open session and is asked for what storage lacks. */
  private greet(st: Station, peer: Peer): void {
    if (st.session) {
      this.toPeer(peer, { type: 'start', session_id: st.session.row.id, user_name: st.session.userName });
      // A restarted server or a reconnecting charger: ask for the readings it has not stored.
      this.toPeer(peer, this.syncRequest(st));
    } else if (st.dashboards.size) this.toPeer(peer, this.syncRequest(st));
  }

  /**
   * The charger connected here: the station becomes ours once its owner lets go (asked) or its
   * lease lapses (the owner died). Gives up when the charger leaves meanwhile.
   */
  private async takeOver(st: Station, peer: Peer): Promise<void> {
    const cluster = this.cluster!;
    for (let wait = 25; !st.owned; wait = Math.min(wait * 2, 500)) {
      if (this.stopping || st.publisher !== peer || !peer.open) return;
      const r = await cluster.claim(st.id);
      if (r.kind !== 'held') {
        await this.becomeOwner(st);
        break;
      }
      cluster.want(st.id);
      await sleep(wait);
    }
    if (st.publisher !== peer) return;
    this.o.metrics.inc('espfleet_cluster_takeovers_total', { why: 'charger_connected' });
    this.armSilence(st);
    await this.announce(st, st.session ? 'cargando' : st.status === 'emergencia' ? 'emergencia' : 'disponible');
    this.greet(st, peer);
  }

  /** The station's state as storage has it, the meter of its open session included. */
  private async readStation(id: number) {
    const row = await this.o.store.getStation(id);
    if (!row) return undefined;
    const open = await this.o.store.openSession(id);
    let session: LiveSession | null = null;
    if (open) {
      const user = await this.o.store.getUser(open.userId);
      session = { row: open, meter: await this.intake.meterOf(open), userName: user?.name ?? '' };
    }
    const l = this.limits;
    return {
      tariff: row.tariff,
      rating: {
        maxPowerW: row.maxPowerW ?? l.chargerMaxPowerW,
        maxVoltageV: row.maxVoltageV ?? l.chargerMaxVoltageV,
        maxCurrentA: row.maxCurrentA ?? l.chargerMaxCurrentA,
      },
      deviceId: row.deviceId,
      status: row.status,
      session,
    };
  }

  /** Loads what the previous owner stored, then the station's live state is this instance's. */
  private async becomeOwner(st: Station): Promise<void> {
    const fresh = await this.readStation(st.id);
    if (fresh) Object.assign(st, fresh);
    st.ended = null;
    st.owned = true;
  }

  /** Hands the station's live state back to the cluster: another instance's charger wants it, or the lease was lost. */
  private letGo(id: number, reason: string, release: boolean): void {
    const st = this.stations.get(id);
    if (!st) {
      if (release) void this.cluster!.release(id);
      return;
    }
    // Queued: a takeover under way finishes first, so what it claimed is handed on whole.
    st.queue.push(
      async () => {
        if (!st.owned) {
          if (release) await this.cluster!.release(id);
          return;
        }
        const publisher = st.publisher;
        st.publisher = null;
        publisher?.close(4000, reason);
        if (release) await this.giveUp(st);
        else this.disown(st);
      },
      { urgent: true },
    );
  }

  private disown(st: Station): void {
    if (st.silence) clearTimeout(st.silence);
    st.silence = undefined;
    st.owned = false;
    st.session = null;
    st.ended = null;
  }

  private async giveUp(st: Station): Promise<void> {
    this.disown(st);
    await this.cluster!.release(st.id);
  }

  private dashboardJoined(st: Station, peer: Peer): void {
    this.toDashboard(peer, { type: 'subscribed', estacionId: String(st.id) });
    if (st.owned) {
      st.dashboards.add(peer);
      this.toDashboard(peer, { type: 'init', charger: this.chargerState(st) });
      if (st.publisher) this.toPeer(st.publisher, this.syncRequest(st));
      return;
    }
    void this.guarded(peer, () => this.remoteDashboardJoined(st, peer));
  }

  /** A dashboard of a station owned elsewhere (or by nobody): its state from storage; the owner asks its charger to sync. */
  private async remoteDashboardJoined(st: Station, peer: Peer): Promise<void> {
    await this.refresh(st);
    if (!peer.open) return;
    st.dashboards.add(peer);
    this.toDashboard(peer, { type: 'init', charger: this.chargerState(st) });
    const holder = await this.cluster!.holder(st.id);
    if (holder) void this.cluster!.command(holder, st.id, { kind: 'joined' });
  }

  /** A station owned elsewhere: storage's state, for its dashboards here. */
  private async refresh(st: Station): Promise<void> {
    const fresh = await this.readStation(st.id);
    if (fresh && !st.owned) Object.assign(st, fresh);
  }

  private remoteDashboard(id: number, text: string): void {
    const st = this.stations.get(id);
    if (!st?.dashboards.size) return;
    const p = prepare(text);
    for (const d of st.dashboards) d.sendPrepared(p);
  }

  /** A command from another instance for a station owned here; the answer is the asker's dashboard messages. */
  private async remoteCommand(id: number, c: Command): Promise<string[]> {
    const st = this.stations.get(id);
    if (!st?.owned) return [encodeDashboardMessage({ type: 'error', message: INTERNAL, code: CODES.INTERNAL_ERROR })];
    if (c.kind === 'joined') {
      if (st.publisher) this.toPeer(st.publisher, this.syncRequest(st));
      return [];
    }
    const out: string[] = [];
    await this.inQueue(st, async () => {
      if (!st.owned) throw new Error(`station ${id} was handed over`);
      if (c.kind === 'reset') await this.announce(st, st.publisher ? 'disponible' : 'desconectado');
      else await this.stopFromDashboard(st, (m) => out.push(encodeDashboardMessage(m)), c.sessionId);
    });
    return out;
  }

  /** Runs `work` as one of the station's urgent jobs and waits for it. */
  private inQueue(st: Station, work: () => Promise<void>): Promise<void> {
    return new Promise<void>((done, fail) => {
      st.queue.push(() => work().then(done, fail), { urgent: true });
    });
  }

  private syncRequest(st: Station): ChargerCommandMessage {
    const s = st.session;
    if (!s) return { type: 'sync_request', from: 'server' };
    const last = s.meter.last();
    return { type: 'sync_request', from: 'server', session_id: s.row.id, ...(last ? { last_ts: last.ts } : {}) };
  }

  chargerState(st: Station) {
    const s = st.session;
    const last = s?.meter.last();
    return {
      id: st.id,
      status: st.status,
      session: s
        ? {
            session_id: s.row.id,
            user_name: s.userName,
            timestamp: new Date(s.row.startedAt).toISOString(),
            kwh: round(s.meter.kwh(), 3),
            cost: cost(s.meter.kwh(), st.tariff),
            time: last ? elapsed(last.ts, s.row.startedAt) : 0,
          }
        : null,
    };
  }

  /** The station as dashboards see it on subscribe; undefined when it does not exist. */
  async snapshot(id: number) {
    const st = await this.station(id);
    if (!st) return undefined;
    if (st.owned) return { ...this.chargerState(st), connected: st.publisher !== null };
    await this.refresh(st);
    const owner = await this.cluster?.holder(id);
    return { ...this.chargerState(st), connected: Boolean(owner) && st.status !== 'desconectado' };
  }

  // ---- charger → server ----

  private fromCharger(st: Station, peer: Peer, text: string): void {
    st.heardAt = Date.now(); // the silence timer checks this rather than being re-armed per message
    // Which lane, without decoding each message of a flood on arrival: an `emergency` overtakes
    // (its alert cannot wait; the bill still closes after the readings sent before it). A
    // charger's own `stop` stays in order: its relay is already open, and the bill it closes must
    // count every reading the charger sent first. A reading that merely contains the word is
    // only processed earlier, harmlessly.
    const urgent = text.includes('"emergency"');
    const queued = st.queue.push(() => (st.owned ? this.guarded(peer, () => this.fromChargerQueued(st, peer, text)) : this.handedOver()), { urgent, bounded: true });
    if (queued) return;
    this.o.metrics.inc('espfleet_charger_messages_dropped_total', { reason: 'queue_full' });
    // A charger that floods without reading its errors must not be dropped for them as a slow consumer.
    if (peer.ws.bufferedAmount < 64 * 1024) this.toPeer(peer, { type: 'error', message: QUEUE_FULL, code: CODES.QUEUE_FULL });
  }

  /** A message of a charger whose station another instance took: the charger resends what storage lacks, there. */
  private async handedOver(): Promise<void> {
    this.o.metrics.inc('espfleet_charger_messages_dropped_total', { reason: 'handed_over' });
  }

  private async fromChargerQueued(st: Station, peer: Peer, text: string): Promise<void> {
    const r = decodeChargerPublisherMessage(text);
    if (!r.ok) {
      this.toPeer(peer, { type: 'error', message: invalidMessage(r.error), code: CODES.INVALID_MESSAGE });
      return;
    }
    const m = r.value;
    this.life(st, { kind: 'message', message: m });
    switch (m.type) {
      case 'nfc_scan':
        return this.nfcScan(st, peer, m.nfc_uid);
      case 'metrics':
        return this.metricsIn(st, peer, m);
      case 'stop':
        return this.stopFromCharger(st, peer, m.session_id);
      case 'emergency':
        return this.emergency(st, m.session_id);
    }
  }

  /** Runs a peer's message; a failure (e.g. the database) is answered, so the peer can resend. */
  private async guarded(peer: Peer, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (e) {
      const info = peerInfo.get(peer);
      this.o.log.error({ err: e, station: info?.station }, 'charger message failed');
      const m = { type: 'error' as const, message: INTERNAL, code: CODES.INTERNAL_ERROR };
      if (info?.role === 'client') this.toDashboard(peer, m);
      else this.toPeer(peer, m);
    }
  }

  private async nfcScan(st: Station, peer: Peer, uid: string): Promise<void> {
    const err = (code: string, message: string) => this.toPeer(peer, { type: 'error', message, code });
    if (st.status === 'emergencia') return err(CODES.STATION_EMERGENCY, 'Estación en emergencia: reinicie la estación antes de cargar');
    if (st.session) return err(CODES.STATION_BUSY, `La estación ya tiene la sesión ${st.session.row.id} en curso`);
    const card = await this.o.store.findCard(uid);
    if (!card) return err(CODES.UNKNOWN_CARD, `Tarjeta ${uid} no registrada`);
    if (card.user.blocked) return err(CODES.USER_BLOCKED, `El usuario ${card.user.name} está bloqueado`);
    const row = await this.o.store.createSession({ stationId: st.id, userId: card.user.id, cardUid: card.uid, startedAt: Date.now() });
    st.session = { row, meter: await this.intake.meterOf(row), userName: card.user.name };
    this.o.metrics.inc('espfleet_sessions_started_total');
    await this.setStatus(st, 'cargando');
    this.toPeer(peer, { type: 'start', session_id: row.id, user_name: card.user.name });
    this.broadcast(st, {
      type: 'session_started',
      session_id: row.id,
      charger_id: st.id,
      user_name: card.user.name,
      timestamp: new Date(row.startedAt).toISOString(),
    });
    this.o.onFleet?.({ kind: 'session-started', stationId: st.id, sessionId: row.id, userName: card.user.name, startedAt: row.startedAt });
  }

  private async metricsIn(st: Station, peer: Peer, m: ChargerMetrics): Promise<void> {
    const known = [st.session, st.ended].find((s) => s?.row.id === m.session_id) ?? null;
    const r = await this.intake.take(st, known, m);
    switch (r.kind) {
      case 'unknown-session':
        return this.toPeer(peer, { type: 'error', message: `Sesión ${m.session_id} desconocida en esta estación`, code: CODES.UNKNOWN_SESSION });
      case 'replay':
        return;
      case 'rejected':
        this.o.metrics.inc('espfleet_charger_readings_flagged_total', { code: r.rejection.code });
        return this.toPeer(peer, { type: 'error', message: r.rejection.message, code: r.rejection.code });
      case 'stored':
        if (!r.live) return; // a backlog reading of a closed session: billed to it, not shown live
        this.broadcast(st, { type: 'metrics', session_id: r.row.id, charger_id: st.id, v: m.v, a: m.a, w: m.w, kwh: round(r.kwh, 3), cost: r.cost, time: r.time });
        this.o.onFleet?.({ kind: 'charger-metrics', stationId: st.id, sessionId: r.row.id, v: m.v, a: m.a, w: m.w, kwh: round(r.kwh, 3), cost: r.cost });
        if (st.deviceId !== null && this.o.onReading) {
          const tsMs = m.ts * 1000;
          this.o.onReading(st.deviceId, 'power', m.w, tsMs);
          this.o.onReading(st.deviceId, 'voltage', m.v, tsMs);
          this.o.onReading(st.deviceId, 'current', m.a, tsMs);
        }
    }
  }

  private async stopFromCharger(st: Station, peer: Peer, sessionId: number): Promise<void> {
    if (!st.session || st.session.row.id !== sessionId) {
      this.toPeer(peer, { type: 'error', message: `Sesión ${sessionId} no está en curso en esta estación`, code: CODES.UNKNOWN_SESSION });
      return;
    }
    await this.endSession(st, 'stop-charger');
    await this.setStatus(st, 'disponible');
  }

  private async emergency(st: Station, sessionId: number | undefined): Promise<void> {
    const sid = st.session?.row.id ?? sessionId;
    // The alert goes out before anything is written: it must not wait for (or fail with) storage.
    const alert: DashboardMessage = { type: 'emergency', charger_id: st.id, timestamp: new Date().toISOString() };
    if (sid !== undefined) alert.session_id = sid;
    this.broadcast(st, alert);
    this.o.log.warn({ station: st.id, session: sid }, 'emergency stop at station');
    await this.setStatus(st, 'emergencia');
    if (st.session) this.closeAfterQueued(st, 'emergency');
  }

  /**
   * Ends the session once the readings queued ahead of now are counted: an urgent stop or
   * emergency acts at once, but its bill (`session_ended`) includes what the charger sent first.
   */
  private closeAfterQueued(st: Station, reason: string, then?: () => Promise<void>): void {
    st.queue.push(async () => {
      try {
        await this.endSession(st, reason);
        if (then) await then();
      } catch (e) {
        // Still open: the charger's timeout (or the next stop) closes it.
        this.o.log.error({ err: e, station: st.id }, 'session not ended');
      }
    });
  }

  // ---- dashboard → server ----

  private fromDashboard(st: Station, peer: Peer, text: string): void {
    const r = decodeDashboardCommandMessage(text);
    if (!r.ok) {
      this.toDashboard(peer, { type: 'error', message: invalidMessage(r.error), code: CODES.INVALID_MESSAGE });
      return;
    }
    const sid = r.value.session_id;
    const reply = (m: DashboardMessage) => this.toDashboard(peer, m);
    if (!st.owned) {
      void this.guarded(peer, () => this.stopElsewhere(st, reply, sid));
      return;
    }
    const queued = st.queue.push(() => this.guarded(peer, () => (st.owned ? this.stopFromDashboard(st, reply, sid) : this.stopElsewhere(st, reply, sid))), { urgent: true, bounded: true });
    if (!queued) this.toDashboard(peer, { type: 'error', message: QUEUE_FULL, code: CODES.QUEUE_FULL });
  }

  /** A dashboard's stop for a station another instance owns: carried to it; nobody owns it: no charger is connected. */
  private async stopElsewhere(st: Station, reply: (m: DashboardMessage) => void, sid: number): Promise<void> {
    const holder = await this.cluster?.holder(st.id);
    if (!holder) return reply({ type: 'error', message: CHARGER_ERRORS.NOT_CONNECTED });
    const texts = await this.cluster!.command(holder, st.id, { kind: 'stop', sessionId: sid });
    if (!texts) throw new Error(`the owner of station ${st.id} did not answer a dashboard's stop`);
    for (const t of texts) reply(JSON.parse(t) as DashboardMessage);
  }

  private async stopFromDashboard(st: Station, reply: (m: DashboardMessage) => void, sid: number): Promise<void> {
    if (!st.publisher) {
      reply({ type: 'error', message: CHARGER_ERRORS.NOT_CONNECTED });
      return;
    }
    if (!st.session || st.session.row.id !== sid) {
      reply({ type: 'error', message: `La sesión ${sid} no está en curso en esta estación`, code: CODES.UNKNOWN_SESSION });
      return;
    }
    this.toPeer(st.publisher, { type: 'stop', session_id: sid });
    this.closeAfterQueued(st, 'stop-dashboard', () => this.setStatus(st, 'disponible'));
  }

  // ---- shared ----

  /** Ends the open session once storage has it ended; until then it stays open. */
  private async endSession(st: Station, reason: string): Promise<void> {
    const s = st.session;
    if (!s) return;
    const kwh = s.meter.kwh();
    const c = cost(kwh, st.tariff);
    const endedAt = Date.now();
    const duration = Math.max(0, Math.round((endedAt - s.row.startedAt) / 1000));
    await this.o.store.endSession(s.row.id, { endedAt, endReason: reason, kwh, cost: c, duration });
    Object.assign(s.row, { endedAt, endReason: reason, duration });
    st.session = null;
    st.ended = s;
    this.o.metrics.inc('espfleet_sessions_ended_total', { reason });
    this.broadcast(st, { type: 'session_ended', session_id: s.row.id, charger_id: st.id, kwh: round(kwh, 3), cost: c, duration });
    this.o.onFleet?.({ kind: 'session-ended', stationId: st.id, sessionId: s.row.id, kwh: round(kwh, 3), cost: c, reason, endedAt });
  }

  /** Starts the silence clock afresh (the charger came or went, a session resumed). */
  private armSilence(st: Station): void {
    st.heardAt = Date.now();
    this.watchSilence(st, this.o.chargerTimeoutMs);
  }

  private watchSilence(st: Station, delay: number): void {
    if (st.silence) clearTimeout(st.silence);
    st.silence = setTimeout(() => {
      st.silence = undefined;
      const quiet = Date.now() - st.heardAt;
      if (quiet < this.o.chargerTimeoutMs) return this.watchSilence(st, this.o.chargerTimeoutMs - quiet);
      st.queue.push(
        async () => {
          if (!st.owned) return; // handed over while this waited: the new owner watches it
          this.o.log.warn({ station: st.id }, 'charger silent: marked desconectado');
          if (st.publisher) {
            this.life(st, { kind: 'disconnected', reason: 'silent for too long' });
            st.publisher.ws.terminate();
            st.publisher = null;
          }
          await this.setStatus(st, 'desconectado');
          await this.endSession(st, 'timeout');
          this.broadcastState(st);
          // Nothing left to watch: another instance's charger may take the station without asking.
          if (this.cluster && !st.publisher) await this.giveUp(st);
        },
        { urgent: true },
      );
    }, delay);
    st.silence.unref();
  }

  private async setStatus(st: Station, status: StationStatus): Promise<void> {
    if (st.status === status) return;
    st.status = status;
    await this.o.store.setStationStatus(st.id, status);
    if (st.deviceId !== null) this.o.onStatus?.(st.deviceId, status);
    this.life(st, { kind: 'state', status });
    this.o.onFleet?.({ kind: 'station-status', stationId: st.id, status });
  }

  private life(st: Station, ...events: Lifecycle[]): void {
    if (st.deviceId !== null) for (const e of events) this.o.onLifecycle?.(st.deviceId, e);
  }

  /** A status change dashboards would not otherwise see (the charger came or went, a reset): `init` again. */
  private async announce(st: Station, status: StationStatus): Promise<void> {
    await this.setStatus(st, status);
    this.broadcastState(st);
  }

  private broadcastState(st: Station): void {
    this.broadcast(st, { type: 'init', charger: this.chargerState(st) });
  }

  private async station(id: number): Promise<Station | undefined> {
    const have = this.stations.get(id);
    if (have) return have;
    let p = this.loading.get(id);
    if (!p) {
      p = this.load(id);
      this.loading.set(id, p);
    }
    try {
      return await p;
    } finally {
      this.loading.delete(id);
    }
  }

  private async load(id: number): Promise<Station | undefined> {
    const stored = await this.readStation(id);
    if (!stored) return undefined;
    const st: Station = {
      id,
      ...stored,
      publisher: null,
      dashboards: new Set(),
      ended: null,
      heardAt: Date.now(),
      queue: new StationQueue(this.limits.chargerQueueLimit, (e) => this.o.log.error({ err: e, station: id }, 'station work failed')),
      owned: !this.cluster,
    };
    this.stations.set(id, st);
    return st;
  }

  /** An operator clears an emergency (REST). */
  async reset(id: number): Promise<boolean> {
    const st = await this.station(id);
    if (!st) return false;
    if (!st.owned) {
      const holder = await this.cluster!.holder(id);
      if (holder) {
        if (!(await this.cluster!.command(holder, id, { kind: 'reset' }))) throw new Error(`the owner of station ${id} did not answer a reset`);
        return true;
      }
    }
    await this.inQueue(st, async () => {
      // Nobody owns it (no charger anywhere): this instance takes it for the reset.
      if (!st.owned && (await this.cluster!.claim(id)).kind !== 'held') await this.becomeOwner(st);
      if (!st.owned) throw new Error(`station ${id} is owned by another instance; retry`);
      await this.announce(st, st.publisher ? 'disponible' : 'desconectado');
      if (this.cluster && !st.publisher && !st.session) await this.giveUp(st);
    });
    return true;
  }

  private broadcast(st: Station, m: DashboardMessage): void {
    if (!st.dashboards.size && !this.cluster) return;
    const text = encodeDashboardMessage(m);
    this.cluster?.dashboard(st.id, text);
    if (!st.dashboards.size) return;
    const p = prepare(text);
    for (const d of st.dashboards) d.sendPrepared(p);
  }

  private toDashboard(peer: Peer, m: DashboardMessage): void {
    peer.send(encodeDashboardMessage(m));
  }

  private toPeer(peer: Peer, m: ChargerCommandMessage): void {
    peer.send(encodeChargerCommandMessage(m));
  }

  /**
   * Stops taking work: messages still waiting are dropped (their chargers resend what the
   * server's state does not show) and the work under way finishes.
   */
  async close(): Promise<void> {
    this.stopping = true;
    if (this.scanTimer) clearInterval(this.scanTimer);
    let dropped = 0;
    for (const st of this.stations.values()) {
      if (st.silence) clearTimeout(st.silence);
      dropped += st.queue.clear();
    }
    if (dropped) {
      this.o.metrics.inc('espfleet_charger_messages_dropped_total', { reason: 'shutdown' }, dropped);
      this.o.log.warn({ dropped }, 'shutting down: charger messages not yet processed were dropped; chargers resend them');
    }
    await Promise.all([...this.stations.values()].map((st) => st.queue.idle()));
  }
}
