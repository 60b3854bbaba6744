// Whether a charger reading may count for billing, as pure functions. A reading is refused when
// its `ts` lies outside the session (allowing for clock skew) or ahead of the server's clock,
// when v, a or w fall outside the station's rating or w cannot come from v and a, or when its
// energy register runs backwards or faster than the rating allows against its neighbours.
// Messages are the charger endpoint's Spanish; codes are CHARGER_ERROR_CODES.
import type { Point } from './energy.js';

export interface Rating {
  /** Total power, W. */
  maxPowerW: number;
  /** Phase-to-neutral volts. */
  maxVoltageV: number;
  /** Amperes per phase. */
  maxCurrentA: number;
}

export interface Reading extends Point {
  v: number;
  a: number;
}

export type RejectionCode =
  | 'TS_BEFORE_START'
  | 'TS_AFTER_END'
  | 'TS_IN_FUTURE'
  | 'VOLTAGE_OUT_OF_RANGE'
  | 'CURRENT_OUT_OF_RANGE'
  | 'POWER_OUT_OF_RANGE'
  | 'POWER_MISMATCH'
  | 'ENERGY_REGISTER_BACKWARDS'
  | 'ENERGY_REGISTER_JUMP';

export interface Rejection {
  code: RejectionCode;
  message: string;
}

export interface SessionWindow {
  sessionId: number;
  /** Server time the session started / ended, Unix ms. */
  startedAt: number;
  endedAt: number | null;
  /** Server clock, Unix ms. */
  now: number;
  /** Seconds a charger clock may differ from the server's. */
  skewS: number;
}

/**
 * Three phases at most: w ≤ 3·v·a (v phase-to-neutral, a per phase), plus 5 % and 50 W for
 * meter error and rounding. There is no lower bound: the power factor may be well below 1.
 */
const PHASES = 3;
const POWER_TOLERANCE = 0.05;
const POWER_SLACK_W = 50;

/** Checks a reading on its own: its time against the session and the server clock, its values against the rating. */
export function checkReading(r: Reading, s: SessionWindow, rating: Rating): Rejection | undefined {
  const start = Math.floor(s.startedAt / 1000) - s.skewS;
  if (r.ts < start) return { code: 'TS_BEFORE_START', message: `Lectura con ts ${r.ts} anterior al inicio de la sesión ${s.sessionId}` };
  if (s.endedAt !== null && r.ts > Math.ceil(s.endedAt / 1000) + s.skewS) {
    return { code: 'TS_AFTER_END', message: `Lectura con ts ${r.ts} posterior al fin de la sesión ${s.sessionId}` };
  }
  if (r.ts > Math.ceil(s.now / 1000) + s.skewS) {
    return { code: 'TS_IN_FUTURE', message: `Lectura con ts ${r.ts} adelantada más de ${s.skewS} s respecto al reloj del servidor` };
  }
  if (!within(r.v, rating.maxVoltageV)) {
    return { code: 'VOLTAGE_OUT_OF_RANGE', message: `Tensión ${r.v} V fuera del rango de la estación (0 a ${rating.maxVoltageV} V)` };
  }
  if (!within(r.a, rating.maxCurrentA)) {
    return { code: 'CURRENT_OUT_OF_RANGE', message: `Corriente ${r.a} A fuera del rango de la estación (0 a ${rating.maxCurrentA} A)` };
  }
  if (!within(r.w, rating.maxPowerW)) {
    return { code: 'POWER_OUT_OF_RANGE', message: `Potencia ${r.w} W fuera del rango de la estación (0 a ${rating.maxPowerW} W)` };
  }
  if (r.w > PHASES * r.v * r.a * (1 + POWER_TOLERANCE) + POWER_SLACK_W) {
    return { code: 'POWER_MISMATCH', message: `Potencia ${r.w} W imposible con ${r.v} V y ${r.a} A` };
  }
  return undefined;
}

/**
 * Checks the energy register against the readings just before and after in `ts` (when they
 * carry one): it never runs backwards, and rises at most as the rated power allows over the
 * elapsed time, +1 s because `ts` is whole seconds and +1 Wh for the register's resolution.
 */
export function checkRegister(r: Point, prev: Point | undefined, next: Point | undefined, maxPowerW: number): Rejection | undefined {
  if (r.energyWh === null) return undefined;
  for (const [from, to] of [
    [prev, r],
    [r, next],
  ] as const) {
    if (!from || !to || from.energyWh === null || to.energyWh === null) continue;
    const rise = to.energyWh - from.energyWh;
    if (rise < 0) {
      return {
        code: 'ENERGY_REGISTER_BACKWARDS',
        message: `El registro de energía retrocede: ${to.energyWh} Wh en ts ${to.ts} tras ${from.energyWh} Wh en ts ${from.ts}`,
      };
    }
    const allowed = (maxPowerW * (to.ts - from.ts + 1)) / 3600 + 1;
    if (rise > allowed) {
      return {
        code: 'ENERGY_REGISTER_JUMP',
        message: `El registro de energía sube ${round1(rise)} Wh en ${to.ts - from.ts} s, más de lo que permite la potencia de la estación (${maxPowerW} W)`,
      };
    }
  }
  return undefined;
}

function within(x: number, max: number): boolean {
  return Number.isFinite(x) && x >= 0 && x <= max;
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
