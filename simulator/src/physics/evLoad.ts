// A charging vehicle as seen from the station's meter: once the relay closes the car ramps
// its current up, holds it through the bulk phase, and tapers as the battery fills; mains
// voltage wanders with noise. State is advanced lazily from the clock, so an idle station
// costs nothing between readings.
import type { Random } from './random.js';

export interface EvLoadSpec {
  mainsVolts: number;
  maxAmps: number;
  rampSeconds: number;
  batteryKwh: number;
  /** State of charge at plug-in, 0..1. */
  startSoc: number;
  /** Taper starts here and current falls linearly to `endAmps` at full. */
  taperSoc: number;
  endAmps: number;
}

export const DEFAULT_EV: EvLoadSpec = {
  mainsVolts: 230,
  maxAmps: 16,
  rampSeconds: 5,
  batteryKwh: 40,
  startSoc: 0.3,
  taperSoc: 0.8,
  endAmps: 1,
};

export class EvLoad {
  soc: number;
  /** Energy delivered since plug-in, Wh. */
  energyWh = 0;
  plugged = true;
  private relay = false;
  private closedAt = 0;
  private t: number;
  private amps = 0;

  constructor(
    private readonly random: Random,
    now: number,
    readonly spec: EvLoadSpec = DEFAULT_EV,
  ) {
    this.soc = spec.startSoc;
    this.t = now;
  }

  setRelay(closed: boolean, now: number): void {
    this.advance(now);
    if (closed && !this.relay) this.closedAt = now;
    this.relay = closed;
  }

  /** Unplug or plug in a vehicle with a fresh battery state. */
  plug(plugged: boolean, now: number, soc = this.spec.startSoc): void {
    this.advance(now);
    this.plugged = plugged;
    if (plugged) {
      this.soc = soc;
      this.energyWh = 0;
    }
  }

  /** Instantaneous current, A, at `now`. */
  current(now: number): number {
    this.advance(now);
    return this.amps > 0 ? Math.max(0, this.amps + this.random.gauss(0.02)) : 0;
  }

  volts(): number {
    return this.spec.mainsVolts + this.random.gauss(0.8);
  }

  private demand(now: number): number {
    const s = this.spec;
    if (!this.relay || !this.plugged || this.soc >= 1) return 0;
    const ramp = Math.min(1, (now - this.closedAt) / 1000 / s.rampSeconds);
    const taper = this.soc <= s.taperSoc ? s.maxAmps : s.maxAmps + ((s.endAmps - s.maxAmps) * (this.soc - s.taperSoc)) / (1 - s.taperSoc);
    return ramp * taper;
  }

  /** Integrates charge in steps of at most a second. */
  private advance(now: number): void {
    while (this.t < now) {
      const dt = Math.min(1000, now - this.t);
      // The step's mean current (trapezoid): the end value alone over-counts the start-up ramp.
      const a = (this.demand(this.t) + this.demand(this.t + dt)) / 2;
      const wh = (a * this.spec.mainsVolts * dt) / 3_600_000;
      this.energyWh += wh;
      this.soc = Math.min(1, this.soc + wh / 1000 / this.spec.batteryKwh);
      this.t += dt;
    }
    this.amps = this.demand(now);
  }
}
