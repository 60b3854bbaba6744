// A charger's `metrics` reading, from arrival to billing: which session it belongs to, whether it
// is a replay, whether it is plausible, and what it adds to the session's energy. A reading
// counts in memory only once it is stored, so a resend after a failed write is stored then, not
// taken for a replay. Refused readings are stored as flagged and change nothing billed.
import type { ChargerMetrics } from '@espfleet/protocol/charger';
import type { Session, SessionMetric, Store } from '../storage/store.js';
import { SessionMeter, cost, type Neighbours, type Point } from './energy.js';
import { checkReading, checkRegister, type Rating, type Rejection } from './plausibility.js';

export interface LiveSession {
  row: Session;
  meter: SessionMeter;
  userName: string;
}

export interface ReadingStation {
  id: number;
  tariff: number;
  rating: Rating;
}

export type Outcome =
  | { kind: 'unknown-session' }
  | { kind: 'replay' }
  | { kind: 'rejected'; rejection: Rejection }
  /** `live`: the station's open session, to be shown on dashboards. */
  | { kind: 'stored'; live: boolean; row: Session; kwh: number; cost: number; time: number };

/** Flag of a reading that is billed but follows (or precedes) a longer silence than allowed. */
export const GAP_FLAG = 'GAP_TOO_LONG';

const point = (m: SessionMetric): Point => ({ ts: m.ts, w: m.w, energyWh: m.energyWh });

/** Seconds from the session's start to a reading, on the charger's clock as billing is. */
export function elapsed(ts: number, startedAt: number): number {
  return Math.max(0, Math.round(ts - startedAt / 1000));
}

export class ReadingIntake {
  constructor(
    private readonly store: Store,
    private readonly limits: { skewS: number; maxGapS: number },
  ) {}

  /** A stored session's meter: its billed energy and its first and last readings. */
  async meterOf(row: Session): Promise<SessionMeter> {
    const first = (await this.store.metricsAround(row.id, -1)).after;
    const last = (await this.store.metricsAround(row.id, Number.MAX_SAFE_INTEGER)).atOrBefore;
    return new SessionMeter(this.limits.maxGapS, row.kwh * 1000, first && point(first), last && point(last));
  }

  /**
   * Bills `m` to its session: `known` when it is that session (the station's open one, or the one
   * it ended last, kept in memory), otherwise one of the station's sessions read from storage
   * (a reading of an older, closed session from a charger's backlog).
   */
  async take(st: ReadingStation, known: LiveSession | null, m: ChargerMetrics, now = Date.now()): Promise<Outcome> {
    const inMemory = known !== null && known.row.id === m.session_id;
    const row = inMemory ? known.row : await this.store.getSession(m.session_id);
    if (!row || row.stationId !== st.id) return { kind: 'unknown-session' };
    const meter = inMemory ? known.meter : await this.meterOf(row);
    const p = { ts: m.ts, v: m.v, a: m.a, w: m.w, energyWh: m.energy_wh ?? null };

    let n: Neighbours = { prev: meter.last() };
    if (!meter.follows(p.ts)) {
      const around = await this.store.metricsAround(row.id, p.ts);
      if (around.atOrBefore?.ts === p.ts) return { kind: 'replay' };
      n = { prev: around.atOrBefore && point(around.atOrBefore), next: around.after && point(around.after) };
    }

    const flag = (code: string) => this.store.addFlaggedMetric({ sessionId: row.id, ...p, flag: code, receivedAt: now });
    const rejection =
      checkReading(p, { sessionId: row.id, startedAt: row.startedAt, endedAt: row.endedAt, now, skewS: this.limits.skewS }, st.rating) ??
      checkRegister(p, n.prev, n.next, st.rating.maxPowerW);
    if (rejection) {
      await flag(rejection.code);
      return { kind: 'rejected', rejection };
    }

    const plan = meter.plan(p, n);
    // Recorded before the reading: should storing the reading fail, its resend records it again.
    if (plan.longGap) await flag(GAP_FLAG);
    const kwh = plan.wh / 1000;
    const c = cost(kwh, st.tariff);
    const time = elapsed(plan.last.ts, row.startedAt);
    const stored = await this.store.addMetric(
      { sessionId: row.id, ...p, kwh, cost: c, time },
      { kwh, cost: c, duration: row.endedAt === null ? time : row.duration, lastTs: plan.last.ts, lastW: plan.last.w, firstEnergyWh: plan.first.energyWh },
    );
    if (!stored) {
      // Stored already although this meter never counted it (a write whose success was not
      // reported): take the session's totals from storage again.
      if (inMemory) await this.resync(known);
      return { kind: 'replay' };
    }
    meter.commit(plan);
    row.kwh = kwh;
    row.cost = c;
    return { kind: 'stored', live: row.endedAt === null, row, kwh, cost: c, time };
  }

  private async resync(live: LiveSession): Promise<void> {
    const fresh = await this.store.getSession(live.row.id);
    if (!fresh) return;
    Object.assign(live.row, fresh);
    live.meter = await this.meterOf(live.row);
  }
}
