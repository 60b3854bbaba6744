// TI INA219 current/power monitor (SBOS448G), modelled register by register.
// Conversions are computed lazily from now(): nothing runs between bus transfers.
import { TiPowerMonitor } from './tiPowerMonitor.js';

export interface INA219Options {
  /** Device time, ms. */
  now: () => number;
  /** Current through the shunt, amps (signed). */
  current: () => number;
  /** Voltage at IN− / VBUS, volts. */
  busVolts: () => number;
  /** Shunt resistor, ohms. Default 0.1 (the common breakout). */
  shuntOhms?: number;
  /** Zero-mean unit-scale random function (e.g. standard normal), drawn once per ADC sample. Default: no noise. */
  noise?: () => number;
  /** Noise scale at the shunt input, volts. Default 10 µV (1 LSB). */
  shuntNoiseVolts?: number;
  /** Noise scale at the bus input, volts. Default 4 mV (1 LSB). */
  busNoiseVolts?: number;
}

export const INA219_REG = { CONFIG: 0x00, SHUNT: 0x01, BUS: 0x02, POWER: 0x03, CURRENT: 0x04, CALIBRATION: 0x05 } as const;
export const INA219_CONFIG_RESET = 0x399f;

const SHUNT_LSB = 10e-6;
const BUS_LSB = 4e-3;

/** BADC/SADC setting → conversion time (µs) and samples averaged (datasheet Table 5). */
export function ina219Adc(setting: number): { us: number; samples: number } {
  if ((setting & 0x8) === 0) return { us: [84, 148, 276, 532][setting & 3]!, samples: 1 }; // 9..12-bit
  const us = [532, 1060, 2130, 4260, 8510, 17020, 34050, 68100][setting & 7]!;
  return { us, samples: 1 << (setting & 7) };
}

export class INA219 extends TiPowerMonitor<INA219Options> {
  private cfg = INA219_CONFIG_RESET;
  private cal = 0;
  private shunt = 0;
  private bus = 0; // 13-bit bus code, 4 mV LSB
  private cur = 0;
  private pwr = 0;
  private cnvr = false;
  private ovf = false;

  override get config(): number {
    return this.cfg;
  }
  get calibration(): number {
    return this.cal;
  }

  /** One full conversion: shunt then bus when both are measured. */
  protected override periodUs(): number {
    const m = this.cfg & 3;
    const s = m & 1 ? ina219Adc((this.cfg >> 3) & 0xf).us : 0;
    const b = m & 2 ? ina219Adc((this.cfg >> 7) & 0xf).us : 0;
    return s + b || 1;
  }

  protected override convert(): void {
    const { shuntOhms = 0.1, noise, shuntNoiseVolts = SHUNT_LSB, busNoiseVolts = BUS_LSB } = this.o;
    const m = this.cfg & 3;
    if (m & 1) {
      const full = [4000, 8000, 16000, 32000][(this.cfg >> 11) & 3]!; // PGA ±40/80/160/320 mV
      const v = this.o.current() * shuntOhms;
      this.shunt = average(ina219Adc((this.cfg >> 3) & 0xf).samples, () => {
        const x = v + (noise ? noise() * shuntNoiseVolts : 0);
        return clamp(Math.round(x / SHUNT_LSB), -full, full);
      });
    }
    if (m & 2) {
      const max = this.cfg & 0x2000 ? 8191 : 4095; // BRNG 32 V / 16 V
      const v = this.o.busVolts();
      this.bus = average(ina219Adc((this.cfg >> 7) & 0xf).samples, () => {
        const x = v + (noise ? noise() * busNoiseVolts : 0);
        return clamp(Math.round(x / BUS_LSB), 0, max);
      });
    }
    const cur = Math.trunc((this.shunt * this.cal) / 4096);
    // Power is unsigned: its magnitude, as the sibling INA260 datasheet states outright.
    const pwr = Math.trunc((Math.abs(cur) * this.bus) / 5000);
    this.ovf = cur > 32767 || cur < -32768 || pwr > 0xffff;
    this.cur = clamp(cur, -32768, 32767);
    this.pwr = Math.min(pwr, 0xffff);
    this.cnvr = true;
  }

  protected override readRegister(reg: number): number {
    switch (reg) {
      case INA219_REG.CONFIG:
        return this.cfg;
      case INA219_REG.SHUNT:
        return this.shunt & 0xffff;
      case INA219_REG.BUS:
        return (this.bus << 3) | (this.cnvr ? 2 : 0) | (this.ovf ? 1 : 0);
      case INA219_REG.POWER:
        this.cnvr = false; // datasheet: CNVR clears when the Power register is read
        return this.pwr;
      case INA219_REG.CURRENT:
        return this.cur & 0xffff;
      case INA219_REG.CALIBRATION:
        return this.cal;
      default:
        return 0;
    }
  }

  protected override writeRegister(reg: number, v: number): void {
    if (reg === INA219_REG.CALIBRATION) this.cal = v & 0xfffe;
    if (reg !== INA219_REG.CONFIG) return;
    if (v & 0x8000) return this.reset();
    this.cfg = v;
    const mode = v & 7;
    // CNVR clears on a new mode write, except power-down / ADC off; a triggered mode starts one conversion.
    if (mode !== 0 && mode !== 4) this.cnvr = false;
    this.restartConversions(mode);
  }

  private reset(): void {
    this.cfg = INA219_CONFIG_RESET;
    this.cal = this.shunt = this.bus = this.cur = this.pwr = 0;
    this.cnvr = this.ovf = false;
    this.restartConversions(this.cfg & 7);
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

function average(n: number, sample: () => number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sample();
  return Math.round(sum / n);
}
