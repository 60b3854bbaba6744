// TI INA226 current/power monitor with averaging (SBOS547), modelled register by register.
// Conversions are computed lazily from now(): nothing runs between bus transfers.
import { TiPowerMonitor } from './tiPowerMonitor.js';

export interface INA226Options {
  /** Device time, ms. */
  now: () => number;
  /** Current through the shunt, amps (signed). */
  current: () => number;
  /** The bus voltage being monitored, volts (before any divider, see busScale). */
  busVolts: () => number;
  /** Shunt resistor, ohms. Default 0.002 (a 16–32 A charger shunt). */
  shuntOhms?: number;
  /** Divider ratio in front of the VBUS pin: the pin sees busVolts() / busScale (230 V through 10 → 23 V). Default 1.
   *  The pin's absolute limit is 36 V; the register saturates at 40.96 V. */
  busScale?: number;
  /** Zero-mean unit-scale random function (e.g. standard normal), drawn once per ADC sample. Default: no noise. */
  noise?: () => number;
  /** Noise scale at the shunt input, volts. Default 2.5 µV (1 LSB). */
  shuntNoiseVolts?: number;
  /** Noise scale at the VBUS pin, volts. Default 1.25 mV (1 LSB). */
  busNoiseVolts?: number;
}

export const INA226_REG = {
  CONFIG: 0x00,
  SHUNT: 0x01,
  BUS: 0x02,
  POWER: 0x03,
  CURRENT: 0x04,
  CALIBRATION: 0x05,
  MASK_ENABLE: 0x06,
  ALERT_LIMIT: 0x07,
  MANUFACTURER_ID: 0xfe,
  DIE_ID: 0xff,
} as const;
export const INA226_CONFIG_RESET = 0x4127;
export const INA226_CVRF = 0x0008;

const SHUNT_LSB = 2.5e-6;
const BUS_LSB = 1.25e-3;
/** AVG bits 11–9 → samples averaged (datasheet Table 3). */
export const INA226_AVERAGES = [1, 4, 16, 64, 128, 256, 512, 1024] as const;
/** VBUSCT / VSHCT bits → conversion time, µs (datasheet Tables 4 and 5). */
export const INA226_CONVERSION_US = [140, 204, 332, 588, 1100, 2116, 4156, 8244] as const;

export class INA226 extends TiPowerMonitor<INA226Options> {
  private cfg = INA226_CONFIG_RESET;
  private cal = 0;
  private mask = 0; // writable Mask/Enable bits only
  private limit = 0;
  private shunt = 0;
  private bus = 0;
  private cur = 0;
  private pwr = 0;
  private cvrf = false;
  private ovf = false;

  override get config(): number {
    return this.cfg;
  }
  get calibration(): number {
    return this.cal;
  }
  get averages(): number {
    return INA226_AVERAGES[(this.cfg >> 9) & 7]!;
  }

  /** Time until the registers update: (VBUSCT + VSHCT) × AVG for shunt and bus. */
  protected override periodUs(): number {
    const m = this.cfg & 3;
    const sh = m & 1 ? INA226_CONVERSION_US[(this.cfg >> 3) & 7]! : 0;
    const bus = m & 2 ? INA226_CONVERSION_US[(this.cfg >> 6) & 7]! : 0;
    return (sh + bus) * this.averages || 1;
  }

  // Datasheet: current and power are computed after every sample and accumulated with the voltages;
  // the averages are loaded into the output registers when all samples are done.
  protected override convert(): void {
    const { shuntOhms = 0.002, busScale = 1, noise, shuntNoiseVolts = SHUNT_LSB, busNoiseVolts = BUS_LSB } = this.o;
    const m = this.cfg & 3;
    const vsh = m & 1 ? this.o.current() * shuntOhms : 0;
    const vbus = m & 2 ? this.o.busVolts() / busScale : 0;
    const n = this.averages;
    let sSum = 0, bSum = 0, cSum = 0, pSum = 0;
    let ovf = false;
    for (let i = 0; i < n; i++) {
      const s = m & 1 ? clamp(Math.round((vsh + (noise ? noise() * shuntNoiseVolts : 0)) / SHUNT_LSB), -32768, 32767) : this.shunt;
      const b = m & 2 ? clamp(Math.round((vbus + (noise ? noise() * busNoiseVolts : 0)) / BUS_LSB), 0, 0x7fff) : this.bus;
      const c = Math.trunc((s * this.cal) / 2048);
      // Power is unsigned: its magnitude, as the sibling INA260 datasheet states outright.
      const p = Math.trunc((Math.abs(c) * b) / 20000);
      if (c > 32767 || c < -32768 || p > 0xffff) ovf = true;
      sSum += s;
      bSum += b;
      cSum += clamp(c, -32768, 32767);
      pSum += Math.min(p, 0xffff);
    }
    this.shunt = Math.round(sSum / n);
    this.bus = Math.round(bSum / n);
    this.cur = Math.round(cSum / n);
    this.pwr = Math.round(pSum / n);
    this.ovf = ovf;
    this.cvrf = true;
  }

  protected override readRegister(reg: number): number {
    switch (reg) {
      case INA226_REG.CONFIG:
        return this.cfg;
      case INA226_REG.SHUNT:
        return this.shunt & 0xffff;
      case INA226_REG.BUS:
        return this.bus;
      case INA226_REG.POWER:
        return this.pwr;
      case INA226_REG.CURRENT:
        return this.cur & 0xffff;
      case INA226_REG.CALIBRATION:
        return this.cal;
      case INA226_REG.MASK_ENABLE: {
        const v = this.mask | (this.cvrf ? INA226_CVRF : 0) | (this.ovf ? 0x0004 : 0);
        this.cvrf = false; // datasheet: reading Mask/Enable clears CVRF
        return v;
      }
      case INA226_REG.ALERT_LIMIT:
        return this.limit;
      case INA226_REG.MANUFACTURER_ID:
        return 0x5449; // "TI"
      case INA226_REG.DIE_ID:
        return 0x2260;
      default:
        return 0;
    }
  }

  protected override writeRegister(reg: number, v: number): void {
    switch (reg) {
      case INA226_REG.CALIBRATION:
        this.cal = v & 0x7fff; // bit 15 is unused
        return;
      case INA226_REG.MASK_ENABLE:
        this.mask = v & 0xfc03; // AFF, CVRF and OVF are read-only flags
        return;
      case INA226_REG.ALERT_LIMIT:
        this.limit = v;
        return;
      case INA226_REG.CONFIG:
        if (v & 0x8000) return this.reset();
        this.cfg = v;
        // Writing the configuration restarts conversion and clears CVRF, except into power-down.
        if ((v & 3) !== 0) this.cvrf = false;
        this.restartConversions(v & 7);
    }
  }

  private reset(): void {
    this.cfg = INA226_CONFIG_RESET;
    this.cal = this.mask = this.limit = this.shunt = this.bus = this.cur = this.pwr = 0;
    this.cvrf = this.ovf = false;
    this.restartConversions(this.cfg & 7);
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
