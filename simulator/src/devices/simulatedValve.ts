// The motorised quarter-turn valve: gear motor behind an H-bridge, a shaft potentiometer,
// open/closed limit switches and an INA219 on the motor supply, around the ESP32.
import { GearMotor, VALVE_ACTUATOR } from '../physics/gearMotor.js';
import { Contact } from '../physics/contact.js';
import { INA219 } from './chips/ina219.js';
import { VALVE_BOARD as B } from '@espfleet/firmware/boards';
import { SimulatedDevice, type SimulatedDeviceOptions } from './simulatedDevice.js';

export interface SimulatedValveOptions extends SimulatedDeviceOptions {
  passkey?: string;
  /** Shaft angle at power-on, degrees. */
  startAngle?: number;
}

/** Physics step while the motor moves, ms. */
const STEP_MS = 5;
/** The shaft's mechanical travel: hard stops just past the switches. */
const HARD_MIN = -1.5;
const HARD_MAX = 91.5;
/** Where the cams engage the limit switches. */
const CLOSE_AT = 0.3;
const OPEN_AT = 89.7;

export class SimulatedValve extends SimulatedDevice {
  readonly motor = new GearMotor(VALVE_ACTUATOR);
  readonly ina: INA219;
  readonly limitOpen: Contact;
  readonly limitClose: Contact;
  angle: number;
  private jamAt: number | undefined;
  private ticking: number | undefined;
  private lastStep = 0;

  constructor(o: SimulatedValveOptions) {
    super('valve', o, { passkey: o.passkey ?? 'espfleet' });
    this.angle = o.startAngle ?? 0;
    const pins = this.esp.pins;
    const contact = (pin: number) =>
      new Contact({ clock: this.clock, random: this.random, drive: (level) => pins.setInput(pin, level) });
    this.limitOpen = contact(B.limitOpen);
    this.limitClose = contact(B.limitClose);
    this.updateSwitches();
    pins.setAnalogSource(B.angleSense, () => {
      // 5 %–95 % of the ADC range over 0–90°, with noise, quantised to 12 bits.
      const v = 0.05 + (0.9 * this.angle) / 90 + this.random.gauss(0.0015);
      return Math.round(Math.min(1, Math.max(0, v)) * 4095) / 4095;
    });
    this.ina = new INA219({
      now: () => this.clock.now(),
      shuntOhms: 0.1,
      current: () => this.motor.amps,
      busVolts: () => VALVE_ACTUATOR.supplyVolts - 0.05 * this.motor.amps,
      noise: () => this.random.gauss(1),
    });
    this.esp.i2c[0].attach(B.ina219, this.ina);
    pins.on('output', (e: { pin: number }) => {
      if (e.pin === B.motorOpen || e.pin === B.motorClose) this.bridgeChanged();
    });
    pins.on('reset', () => this.bridgeChanged());
  }

  private bridgeChanged(): void {
    const pins = this.esp.pins;
    this.motor.setBridge(pins.output(B.motorOpen).duty, pins.output(B.motorClose).duty);
    this.emit('motor', { mode: this.motor.mode, volts: this.motor.volts });
    if (this.motor.active && this.ticking === undefined) {
      this.lastStep = this.clock.now();
      this.ticking = this.clock.setTimer(() => this.tick(), STEP_MS);
    }
  }

  private tick(): void {
    const now = this.clock.now();
    const dt = (now - this.lastStep) / 1000;
    this.lastStep = now;
    this.motor.step(dt, (dir) => this.blocked(dir));
    const next = this.angle + this.motor.speed * dt;
    this.angle = Math.min(HARD_MAX, Math.max(HARD_MIN, this.jamAt === undefined ? next : this.clampToJam(next)));
    this.updateSwitches();
    if (this.motor.active) this.ticking = this.clock.setTimer(() => this.tick(), STEP_MS);
    else {
      this.ticking = undefined;
      this.emit('stopped', this.angle);
    }
  }

  private blocked(dir: 1 | -1): boolean {
    if (dir > 0 && this.angle >= HARD_MAX) return true;
    if (dir < 0 && this.angle <= HARD_MIN) return true;
    if (this.jamAt !== undefined) {
      if (dir > 0 && this.angle >= this.jamAt && this.angle - this.jamAt < 0.5) return true;
      if (dir < 0 && this.angle <= this.jamAt && this.jamAt - this.angle < 0.5) return true;
    }
    return false;
  }

  private clampToJam(next: number): number {
    const j = this.jamAt!;
    if (this.angle <= j && next > j) return j;
    if (this.angle >= j && next < j) return j;
    return next;
  }

  private updateSwitches(): void {
    this.limitClose.set(this.angle <= CLOSE_AT);
    this.limitOpen.set(this.angle >= OPEN_AT);
  }

  // ---- faults ----

  /** The shaft jams at `angle` (default: where it is now) until cleared. */
  jam(angle = this.angle): void {
    this.jamAt = angle;
    this.emit('fault', { kind: 'jam', angle });
  }

  clearJam(): void {
    this.jamAt = undefined;
  }

  get jammedAt(): number | undefined {
    return this.jamAt;
  }

  /** A limit switch held engaged (true) or released (false); undefined clears the fault. */
  stickLimit(which: 'open' | 'close', engaged: boolean | undefined): void {
    (which === 'open' ? this.limitOpen : this.limitClose).stick(engaged);
    this.emit('fault', { kind: 'stuck-limit', which, engaged });
  }

  chatterLimit(which: 'open' | 'close', on: boolean): void {
    (which === 'open' ? this.limitOpen : this.limitClose).chatter(on);
    this.emit('fault', { kind: 'chattering-limit', which, on });
  }

  /** The INA219 stops acknowledging its address. */
  inaFault(on: boolean): void {
    this.ina.nack = on;
    this.emit('fault', { kind: 'ina-nack', on });
  }

  snapshot(): Record<string, unknown> {
    return {
      id: this.id,
      kind: 'valve',
      running: this.running,
      port: this.port,
      angle: Math.round(this.angle * 10) / 10,
      motor: this.motor.mode,
      amps: Math.round(this.motor.amps * 1000) / 1000,
      limitOpen: this.limitOpen.isClosed,
      limitClose: this.limitClose.isClosed,
      online: this.esp.online,
      passkey: this.config.passkey,
    };
  }
}
