// A DC gear motor behind an H-bridge, seen at the gearbox output (degrees per second).
// Electrical model: I = (V − Ke·ω) / R. While the output turns against the valve's load the
// current settles at the load current, so the free speed is ω = (V − R·I_load) / Ke: speed
// grows with PWM duty, current with load, and a blocked output draws the stall current V/R.
// With both bridge inputs low the motor coasts down; with both high it brakes.

export interface GearMotorSpec {
  supplyVolts: number;
  /** Winding resistance, Ω (stall current = supply / R). */
  ohms: number;
  /** Back-EMF constant at the output, V per (°/s). */
  ke: number;
  /** Current while turning the valve, A. */
  loadAmps: number;
  /** Speed time constants, s. */
  tauDrive: number;
  tauCoast: number;
  tauBrake: number;
}

/** 12 V quarter-turn actuator: 90° in about 6 s at full duty, 0.4 A running, 3 A stalled. */
export const VALVE_ACTUATOR: GearMotorSpec = {
  supplyVolts: 12,
  ohms: 4,
  ke: (12 - 4 * 0.4) / 15,
  loadAmps: 0.4,
  tauDrive: 0.08,
  tauCoast: 0.15,
  tauBrake: 0.02,
};

export type BridgeMode = 'drive' | 'coast' | 'brake';

export class GearMotor {
  /** Output speed, °/s (positive opens). */
  speed = 0;
  /** Supply current, A. */
  amps = 0;
  volts = 0;
  mode: BridgeMode = 'coast';

  constructor(readonly spec: GearMotorSpec = VALVE_ACTUATOR) {}

  /** Sets the bridge from the two input duties (0..1 each). */
  setBridge(dutyA: number, dutyB: number): void {
    if (dutyA > 0 && dutyB > 0 && Math.abs(dutyA - dutyB) < 1e-9) {
      this.mode = 'brake';
      this.volts = 0;
    } else if (dutyA === 0 && dutyB === 0) {
      this.mode = 'coast';
      this.volts = 0;
    } else {
      this.mode = 'drive';
      this.volts = (dutyA - dutyB) * this.spec.supplyVolts;
    }
  }

  get active(): boolean {
    return this.mode === 'drive' || Math.abs(this.speed) > 1e-3;
  }

  /**
   * Advances dt seconds. `blocked(direction)` says whether the output cannot move that way
   * (a hard stop or a jam); then the speed is zero and a driving motor draws stall current.
   */
  step(dt: number, blocked: (direction: 1 | -1) => boolean): void {
    const s = this.spec;
    let target = 0;
    let tau = s.tauCoast;
    if (this.mode === 'drive') {
      const v = this.volts;
      const free = (Math.abs(v) - s.ohms * s.loadAmps) / s.ke;
      target = free > 0 ? Math.sign(v) * free : 0;
      tau = s.tauDrive;
    } else if (this.mode === 'brake') {
      tau = s.tauBrake;
    }
    this.speed += (target - this.speed) * (1 - Math.exp(-dt / tau));
    if (Math.abs(this.speed) < 1e-4 && this.mode !== 'drive') this.speed = 0;
    const dir = this.speed > 0 ? 1 : this.speed < 0 ? -1 : this.volts > 0 ? 1 : this.volts < 0 ? -1 : 0;
    if (dir !== 0 && blocked(dir)) this.speed = 0;
    if (this.mode === 'drive') {
      // Below the breakaway voltage the output does not turn and the current is V/R.
      this.amps = Math.max(0, (Math.abs(this.volts) - s.ke * Math.abs(this.speed)) / s.ohms);
    } else {
      this.amps = 0;
    }
  }
}
