// Which readings may count for billing: the clock jump and absurd power among them.
import { describe, it, expect } from 'vitest';
import { checkReading, checkRegister, type Rating } from '../../src/charger/plausibility.js';

const rating: Rating = { maxPowerW: 22_000, maxVoltageV: 260, maxCurrentA: 100 };
const startedAt = 1795971000_000;
const session = { sessionId: 7, startedAt, endedAt: null, now: startedAt + 60_000, skewS: 300 };
const reading = (o: Partial<{ ts: number; v: number; a: number; w: number; energyWh: number | null }> = {}) => ({
  ts: 1795971030, v: 230, a: 16, w: 3680, energyWh: null, ...o,
});

describe('checkReading', () => {
  it('accepts an ordinary single-phase and three-phase reading', () => {
    expect(checkReading(reading(), session, rating)).toBeUndefined();
    expect(checkReading(reading({ v: 231, a: 32, w: 22_000 }), session, rating)).toBeUndefined();
  });

  it('refuses the issue\'s clock jump (ts 1795971000 → 2795971000) as ahead of the server clock', () => {
    expect(checkReading(reading({ ts: 1795971000 }), session, rating)).toBeUndefined();
    const r = checkReading(reading({ ts: 2795971000 }), session, rating);
    expect(r).toEqual({ code: 'TS_IN_FUTURE', message: 'Lectura con ts 2795971000 adelantada más de 300 s respecto al reloj del servidor' });
  });

  it('allows the configured skew on both sides of the session, not more', () => {
    expect(checkReading(reading({ ts: 1795971000 - 300 }), session, rating)).toBeUndefined();
    expect(checkReading(reading({ ts: 1795971000 - 301 }), session, rating)?.code).toBe('TS_BEFORE_START');
    expect(checkReading(reading({ ts: 1795971060 + 300 }), session, rating)).toBeUndefined();
    expect(checkReading(reading({ ts: 1795971060 + 301 }), session, rating)?.code).toBe('TS_IN_FUTURE');
    const ended = { ...session, endedAt: startedAt + 30_000, now: startedAt + 3_600_000 };
    expect(checkReading(reading({ ts: 1795971030 + 300 }), ended, rating)).toBeUndefined();
    expect(checkReading(reading({ ts: 1795971030 + 301 }), ended, rating)?.code).toBe('TS_AFTER_END');
  });

  it('refuses w: 1e300, non-finite and negative values, and values over the rating', () => {
    expect(checkReading(reading({ w: 1e300 }), session, rating)).toEqual({
      code: 'POWER_OUT_OF_RANGE',
      message: 'Potencia 1e+300 W fuera del rango de la estación (0 a 22000 W)',
    });
    expect(checkReading(reading({ w: Infinity }), session, rating)?.code).toBe('POWER_OUT_OF_RANGE');
    expect(checkReading(reading({ w: -5 }), session, rating)?.code).toBe('POWER_OUT_OF_RANGE');
    expect(checkReading(reading({ v: 400 }), session, rating)?.code).toBe('VOLTAGE_OUT_OF_RANGE');
    expect(checkReading(reading({ a: 101 }), session, rating)?.code).toBe('CURRENT_OUT_OF_RANGE');
    expect(checkReading(reading({ a: NaN }), session, rating)?.code).toBe('CURRENT_OUT_OF_RANGE');
    const small = { maxPowerW: 3700, maxVoltageV: 250, maxCurrentA: 16 };
    expect(checkReading(reading({ w: 3701 }), session, small)?.code).toBe('POWER_OUT_OF_RANGE');
  });

  it('refuses a power that three phases of v and a cannot deliver, with 5 % and 50 W of slack', () => {
    // 3 × 230 V × 10 A = 6900 W, + 5 % + 50 W = 7295 W.
    expect(checkReading(reading({ v: 230, a: 10, w: 7295 }), session, rating)).toBeUndefined();
    expect(checkReading(reading({ v: 230, a: 10, w: 7296 }), session, rating)).toEqual({
      code: 'POWER_MISMATCH',
      message: 'Potencia 7296 W imposible con 230 V y 10 A',
    });
    // A low power factor is plausible.
    expect(checkReading(reading({ v: 230, a: 10, w: 500 }), session, rating)).toBeUndefined();
  });
});

describe('checkRegister', () => {
  const p = (ts: number, energyWh: number | null) => ({ ts, w: 3600, energyWh });

  it('accepts a register that rises as the rated power allows, and readings without one', () => {
    expect(checkRegister(p(110, 560), p(100, 500), undefined, 22_000)).toBeUndefined();
    expect(checkRegister(p(110, null), p(100, 500), undefined, 22_000)).toBeUndefined();
    expect(checkRegister(p(105, 530), p(100, 500), p(110, 560), 22_000)).toBeUndefined();
  });

  it('flags a register that runs backwards, against the reading before or after', () => {
    expect(checkRegister(p(110, 499), p(100, 500), undefined, 22_000)?.code).toBe('ENERGY_REGISTER_BACKWARDS');
    expect(checkRegister(p(105, 561), p(100, 540), p(110, 560), 22_000)?.code).toBe('ENERGY_REGISTER_BACKWARDS');
  });

  it('flags a rise beyond rated power × elapsed time (+1 s, +1 Wh)', () => {
    const allowed = (22_000 * 11) / 3600 + 1;
    expect(checkRegister(p(110, 500 + Math.floor(allowed)), p(100, 500), undefined, 22_000)).toBeUndefined();
    expect(checkRegister(p(110, 500 + Math.ceil(allowed)), p(100, 500), undefined, 22_000)?.code).toBe('ENERGY_REGISTER_JUMP');
    expect(checkRegister(p(101, 501), p(100, 500), p(102, 1e9), 22_000)?.code).toBe('ENERGY_REGISTER_JUMP');
  });
});
