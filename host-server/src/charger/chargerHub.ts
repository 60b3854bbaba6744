// The charger backend and dashboard feed on /ws?role=publisher|client&estacionId=N: one
// publisher (the charger) and any number of dashboards per station, the NFC → session →
// metrics → stop flow, and billing. Messages of one station are handled in arrival order.
import type { IncomingMessage } from 'node:http';
import {
  decodeChargerPublisherMessage,
  decodeDashboardCommandMessage,
  encodeChargerCommandMessage,
  encodeDashboardMessage,
  CLOSE_CODES,
  CLOSE_REASONS,
  CHARGER_ERRORS,
  type ChargerCommandMessage,
  type DashboardMessage,
  type ChargerMetrics,
} from '@espfleet/protocol/charger';
import type { Route } from '../ws/upgrade.js';
import { prepare, type Peer } from '../ws/peer.js';
import type { Store, Session, StationStatus } from '../storage/store.js';
import type { Metrics } from '../metrics.js';
import type { Logger } from '../log.js';
import type { Authenticator } from '../auth/authenticator.js';
import { SessionMeter, cost, round } from './energy.js';

interface LiveSession {
  row: Session;
  meter: SessionMeter;
  userName: string;
}

interface Station {
  id: number;
  tariff: number;
  deviceId: number | null;
  status: StationStatus;
  publisher: Peer | null;
  dashboards: Set<Peer>;
  session: LiveSession | null;
  silence?: NodeJS.Timeout;
  queue: Promise<void>;
}

export interface ChargerHubOptions {
  store: Store;
  metrics: Metrics;
  log: Logger;
  auth: Authenticator;
  chargerTimeoutMs: number;
  /** Charger readings as sensor readings of the station's device (power, voltage, current). */
  onReading?: (deviceId: number, type: 'power' | 'voltage' | 'current', value: number, tsMs: number) => void;
  onStatus?: (deviceId: number, status: string) => void;
}

type Role = 'publisher' | 'client';
const peerInfo = new WeakMap<Peer, { role: Role; station: number }>();

export class ChargerHub implements Route {
  readonly name = 'charger';
  private stations = new Map<number, Station>();
  private stopping = false;
  private loading = new Map<number, Promise<Station | undefined>>();

  constructor(private readonly o: ChargerHubOptions) {
    o.metrics.describe('espfleet_sessions_started_total', 'Charging sessions started');
    o.metrics.describe('espfleet_sessions_ended_total', 'Charging sessions ended');
  }

  match(path: string): Record<string, string> | undefined {
    return path === '/ws' ? {} : undefined;
  }

  /** Open sessions from before a restart: they continue if their charger returns in time. */
  async resume(): Promise<void> {
    for (const s of await this.o.store.listOpenSessions()) {
      const st = await this.station(s.stationId);
      if (st) this.armSilence(st);
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
    // Messages can arrive before the station is loaded: they wait in the station's queue.
    const pending: string[] = [];
    peerInfo.set(peer, { role, station: id });
    (peer as Peer & { pending?: string[] }).pending = pending;
    void this.loadFor(peer, id, role, pending);
  }

  private async loadFor(peer: Peer, id: number, role: Role, pending: string[]): Promise<void> {
    const st = Number.isNaN(id) ? undefined : await this.station(id);
    if (!st) {
      peer.close(CLOSE_CODES.ESTACION_NOT_FOUND, CLOSE_REASONS[CLOSE_CODES.ESTACION_NOT_FOUND]);
      return;
    }
    if (!peer.open) return;
    (peer as Peer & { pending?: string[] }).pending = undefined;
    if (role === 'publisher') this.publisherJoined(st, peer);
    else this.dashboardJoined(st, peer);
    for (const text of pending) this.message(peer, text);
  }

  message(peer: Peer, text: string): void {
    const pending = (peer as Peer & { pending?: string[] }).pending;
    if (pending) {
      pending.push(text);
      return;
    }
    const info = peerInfo.get(peer);
    const st = info && this.stations.get(info.station);
    if (!info || !st) return;
    st.queue = st.queue
      .then(() => (info.role === 'publisher' ? this.fromCharger(st, peer, text) : this.fromDashboard(st, peer, text)))
      .catch((e) => {
        this.o.log.error({ err: e, station: st.id }, 'charger message failed');
        this.toPeer(peer, { type: 'error', message: 'Error interno del servidor', code: 'INTERNAL_ERROR' } as never);
      });
  }

  closed(peer: Peer): void {
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
    st.queue = st.queue.then(() => this.setStatus(st, 'desconectado'));
    this.armSilence(st);
  }

  // ---- connections ----

  private publisherJoined(st: Station, peer: Peer): void {
    if (st.publisher && st.publisher !== peer) st.publisher.close(4000, 'otro publisher se conectó para esta estación');
    st.publisher = peer;
    if (st.silence) clearTimeout(st.silence);
    st.silence = undefined;
    this.armSilence(st);
    this.toPeer(peer, { type: 'connected', role: 'publisher', estacionId: String(st.id) });
    st.queue = st.queue.then(() => this.setStatus(st, st.session ? 'cargando' : st.status === 'emergencia' ? 'emergencia' : 'disponible'));
    if (st.session) this.toPeer(peer, { type: 'start', session_id: st.session.row.id, user_name: st.session.userName });
    if (st.dashboards.size) this.toPeer(peer, { type: 'sync_request', from: 'server' });
  }

  private dashboardJoined(st: Station, peer: Peer): void {
    st.dashboards.add(peer);
    this.toDashboard(peer, { type: 'subscribed', estacionId: String(st.id) });
    this.toDashboard(peer, { type: 'init', charger: this.chargerState(st) });
    if (st.publisher) this.toPeer(st.publisher, { type: 'sync_request', from: 'server' });
  }

  chargerState(st: Station) {
    const s = st.session;
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
            time: Math.max(0, Math.round((Date.now() - s.row.startedAt) / 1000)),
          }
        : null,
    };
  }

  /** The station as dashboards see it on subscribe; undefined when it does not exist. */
  async snapshot(id: number) {
    const st = await this.station(id);
    return st && { ...this.chargerState(st), connected: st.publisher !== null };
  }

  // ---- charger → server ----

  private async fromCharger(st: Station, peer: Peer, text: string): Promise<void> {
    this.armSilence(st);
    const r = decodeChargerPublisherMessage(text);
    if (!r.ok) {
      this.toPeer(peer, { type: 'error', message: `Mensaje inválido: ${r.error.path || 'mensaje'} ${r.error.message}`, code: 'INVALID_MESSAGE' });
      return;
    }
    const m = r.value;
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

  private async nfcScan(st: Station, peer: Peer, uid: string): Promise<void> {
    const err = (code: string, message: string) => this.toPeer(peer, { type: 'error', message, code });
    if (st.status === 'emergencia') return err('STATION_EMERGENCY', 'Estación en emergencia: reinicie la estación antes de cargar');
    if (st.session) return err('STATION_BUSY', `La estación ya tiene la sesión ${st.session.row.id} en curso`);
    const card = await this.o.store.findCard(uid);
    if (!card) return err('UNKNOWN_CARD', `Tarjeta ${uid} no registrada`);
    if (card.user.blocked) return err('USER_BLOCKED', `El usuario ${card.user.name} está bloqueado`);
    const row = await this.o.store.createSession({ stationId: st.id, userId: card.user.id, cardUid: card.uid, startedAt: Date.now() });
    st.session = { row, meter: new SessionMeter(), userName: card.user.name };
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
  }

  private async metricsIn(st: Station, peer: Peer, m: ChargerMetrics): Promise<void> {
    const live = st.session && st.session.row.id === m.session_id ? st.session : undefined;
    // Metrics taken while the charger was offline may belong to a session already closed:
    // they are still stored and billed to it, but not shown live.
    const row = live?.row ?? (await this.o.store.getSession(m.session_id));
    if (!row || row.stationId !== st.id) {
      this.toPeer(peer, { type: 'error', message: `Sesión ${m.session_id} desconocida en esta estación`, code: 'UNKNOWN_SESSION' });
      return;
    }
    const meter = live?.meter ?? new SessionMeter((await this.o.store.listMetrics(row.id)).map((x) => ({ ts: x.ts, w: x.w, energyWh: x.energyWh })));
    const point = { ts: m.ts, w: m.w, energyWh: m.energy_wh ?? null };
    if (!meter.add(point)) return; // a replay: counted once already
    const kwh = meter.kwh();
    const c = cost(kwh, st.tariff);
    const time = row.endedAt === null ? Math.max(0, Math.round((Date.now() - row.startedAt) / 1000)) : row.duration;
    const last = meter.last()!;
    const stored = await this.o.store.addMetric(
      { sessionId: row.id, ts: m.ts, v: m.v, a: m.a, w: m.w, energyWh: point.energyWh, kwh, cost: c, time },
      { kwh, cost: c, duration: time, lastTs: last.ts, lastW: last.w, firstEnergyWh: meter.first()?.energyWh ?? null },
    );
    if (!stored) return;
    if (row.endedAt !== null) {
      await this.o.store.endSession(row.id, { endedAt: row.endedAt, endReason: row.endReason ?? 'ended', kwh, cost: c, duration: row.duration });
      return;
    }
    row.kwh = kwh;
    row.cost = c;
    this.broadcast(st, { type: 'metrics', session_id: row.id, charger_id: st.id, v: m.v, a: m.a, w: m.w, kwh: round(kwh, 3), cost: c, time });
    if (st.deviceId !== null && this.o.onReading) {
      const tsMs = m.ts * 1000;
      this.o.onReading(st.deviceId, 'power', m.w, tsMs);
      this.o.onReading(st.deviceId, 'voltage', m.v, tsMs);
      this.o.onReading(st.deviceId, 'current', m.a, tsMs);
    }
  }

  private async stopFromCharger(st: Station, peer: Peer, sessionId: number): Promise<void> {
    if (!st.session || st.session.row.id !== sessionId) {
      this.toPeer(peer, { type: 'error', message: `Sesión ${sessionId} no está en curso en esta estación`, code: 'UNKNOWN_SESSION' });
      return;
    }
    await this.endSession(st, 'stop-charger');
    await this.setStatus(st, 'disponible');
  }

  private async emergency(st: Station, sessionId: number | undefined): Promise<void> {
    const sid = st.session?.row.id ?? sessionId;
    await this.setStatus(st, 'emergencia');
    const alert: DashboardMessage = { type: 'emergency', charger_id: st.id, timestamp: new Date().toISOString() };
    if (sid !== undefined) alert.session_id = sid;
    this.broadcast(st, alert);
    if (st.session) await this.endSession(st, 'emergency');
    this.o.log.warn({ station: st.id, session: sid }, 'emergency stop at station');
  }

  // ---- dashboard → server ----

  private async fromDashboard(st: Station, peer: Peer, text: string): Promise<void> {
    const r = decodeDashboardCommandMessage(text);
    if (!r.ok) {
      this.toDashboard(peer, { type: 'error', message: `Mensaje inválido: ${r.error.path || 'mensaje'} ${r.error.message}`, code: 'INVALID_MESSAGE' });
      return;
    }
    const sid = r.value.session_id;
    if (!st.publisher) {
      this.toDashboard(peer, { type: 'error', message: CHARGER_ERRORS.NOT_CONNECTED });
      return;
    }
    if (!st.session || st.session.row.id !== sid) {
      this.toDashboard(peer, { type: 'error', message: `La sesión ${sid} no está en curso en esta estación`, code: 'UNKNOWN_SESSION' });
      return;
    }
    this.toPeer(st.publisher, { type: 'stop', session_id: sid });
    await this.endSession(st, 'stop-dashboard');
    await this.setStatus(st, 'disponible');
  }

  // ---- shared ----

  private async endSession(st: Station, reason: string): Promise<void> {
    const s = st.session;
    if (!s) return;
    st.session = null;
    const kwh = s.meter.kwh();
    const c = cost(kwh, st.tariff);
    const endedAt = Date.now();
    const duration = Math.max(0, Math.round((endedAt - s.row.startedAt) / 1000));
    await this.o.store.endSession(s.row.id, { endedAt, endReason: reason, kwh, cost: c, duration });
    this.o.metrics.inc('espfleet_sessions_ended_total', { reason });
    this.broadcast(st, { type: 'session_ended', session_id: s.row.id, charger_id: st.id, kwh: round(kwh, 3), cost: c, duration });
  }

  private armSilence(st: Station): void {
    if (st.silence) clearTimeout(st.silence);
    st.silence = setTimeout(() => {
      st.silence = undefined;
      st.queue = st.queue.then(async () => {
        this.o.log.warn({ station: st.id }, 'charger silent: marked desconectado');
        if (st.publisher) {
          st.publisher.ws.terminate();
          st.publisher = null;
        }
        await this.setStatus(st, 'desconectado');
        await this.endSession(st, 'timeout');
      });
    }, this.o.chargerTimeoutMs);
    st.silence.unref();
  }

  private async setStatus(st: Station, status: StationStatus): Promise<void> {
    if (st.status === status) return;
    st.status = status;
    await this.o.store.setStationStatus(st.id, status);
    if (st.deviceId !== null) this.o.onStatus?.(st.deviceId, status);
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
    const row = await this.o.store.getStation(id);
    if (!row) return undefined;
    const open = await this.o.store.openSession(id);
    let session: LiveSession | null = null;
    if (open) {
      const user = await this.o.store.getUser(open.userId);
      const points = (await this.o.store.listMetrics(open.id)).map((x) => ({ ts: x.ts, w: x.w, energyWh: x.energyWh }));
      session = { row: open, meter: new SessionMeter(points), userName: user?.name ?? '' };
    }
    const st: Station = {
      id,
      tariff: row.tariff,
      deviceId: row.deviceId,
      status: row.status,
      publisher: null,
      dashboards: new Set(),
      session,
      queue: Promise.resolve(),
    };
    this.stations.set(id, st);
    return st;
  }

  /** An operator clears an emergency (REST). */
  async reset(id: number): Promise<boolean> {
    const st = await this.station(id);
    if (!st) return false;
    st.queue = st.queue.then(() => this.setStatus(st, st.publisher ? 'disponible' : 'desconectado'));
    await st.queue;
    return true;
  }

  private broadcast(st: Station, m: DashboardMessage): void {
    if (!st.dashboards.size) return;
    const p = prepare(encodeDashboardMessage(m));
    for (const d of st.dashboards) d.sendPrepared(p);
  }

  private toDashboard(peer: Peer, m: DashboardMessage): void {
    peer.send(encodeDashboardMessage(m));
  }

  private toPeer(peer: Peer, m: ChargerCommandMessage): void {
    peer.send(encodeChargerCommandMessage(m));
  }

  /** Stops taking work; resolves when every station's queued work is done. */
  async close(): Promise<void> {
    this.stopping = true;
    for (const st of this.stations.values()) if (st.silence) clearTimeout(st.silence);
    await Promise.all([...this.stations.values()].map((st) => st.queue));
  }
}
