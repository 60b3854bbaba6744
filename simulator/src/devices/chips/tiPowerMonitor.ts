// Shared core of the TI INA2xx current/power monitors: the I2C register-pointer protocol (a write sets the pointer
// and, with two more bytes, a 16-bit register; a read returns the pointed register big-endian, repeating) and the
// lazy conversion latching (conversions are computed from now() when a transfer or update() looks, never between).
import type { I2CDevice } from '../../espruino/i2cBus.js';

export interface TiPowerMonitorOptions {
  /** Device time, ms. */
  now: () => number;
}

export abstract class TiPowerMonitor<O extends TiPowerMonitorOptions = TiPowerMonitorOptions> implements I2CDevice {
  /** Fault: the chip does not acknowledge its address. */
  nack = false;

  protected ptr = 0;
  protected epoch: number; // when the current conversion sequence started (config write / reset)
  protected done = 0; // continuous conversions completed since epoch
  protected triggered = false; // a single-shot conversion is in progress

  constructor(protected readonly o: O) {
    this.epoch = o.now();
  }

  /** The Configuration register; its bits 2–0 are the operating mode. */
  abstract get config(): number;

  get acknowledging(): boolean {
    return !this.nack;
  }
  get pointer(): number {
    return this.ptr;
  }
  /** Time for one full conversion in the current mode, ms. */
  get conversionTimeMs(): number {
    return this.periodUs() / 1000;
  }

  write(data: Uint8Array): void {
    if (data.length === 0) return;
    this.update();
    this.ptr = data[0]!;
    if (data.length >= 3) this.writeRegister(this.ptr, (data[1]! << 8) | data[2]!);
  }

  read(n: number): Uint8Array {
    this.update();
    const v = this.readRegister(this.ptr);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = i % 2 === 0 ? v >> 8 : v & 0xff;
    return out;
  }

  /** Latch any conversion that completed by now(). Reads and writes do this; call it before changing the inputs
   *  if a conversion boundary may have passed since the last transfer. */
  update(): void {
    const mode = this.config & 7;
    if (mode === 0 || mode === 4) return;
    const k = Math.floor(((this.o.now() - this.epoch) * 1000 + 1e-6) / this.periodUs());
    if (mode >= 5 && k > this.done) {
      this.done = k;
      this.convert();
    } else if (mode < 4 && this.triggered && k >= 1) {
      this.triggered = false;
      this.convert();
    }
  }

  /** A configuration write or reset: the conversion sequence restarts now in `mode` (bits 2–0);
   *  a triggered mode (1–3) starts one single-shot conversion. */
  protected restartConversions(mode: number): void {
    this.epoch = this.o.now();
    this.done = 0;
    this.triggered = mode >= 1 && mode <= 3;
  }

  /** Time from the start of a conversion sequence until the output registers update, µs (never 0). */
  protected abstract periodUs(): number;
  /** Sample the inputs and load the output registers. */
  protected abstract convert(): void;
  protected abstract readRegister(reg: number): number;
  protected abstract writeRegister(reg: number, v: number): void;
}
