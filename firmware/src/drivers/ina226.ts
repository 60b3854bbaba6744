// TI INA226 current/power monitor (SBOS547), register by register, Espruino-module style. The bus
// voltage pin sits behind the board's divider, so volts and watts are scaled by its ratio.
import type { I2CPort } from './pn532.js';

export const INA226_REG = {
  CONFIG: 0x00,
  SHUNT: 0x01,
  BUS: 0x02,
  POWER: 0x03,
  CURRENT: 0x04,
  CALIBRATION: 0x05,
  MANUFACTURER_ID: 0xfe,
};
const MANUFACTURER_TI = 0x5449;
const BUS_LSB_V = 0.00125;

/** Configuration register: AVG (bits 11–9), VBUSCT (8–6), VSHCT (5–3), MODE (2–0); bit 14 reads as 1. */
export function ina226Config(avg: number, busCt: number, shuntCt: number, mode: number): number {
  return 0x4000 | ((avg & 7) << 9) | ((busCt & 7) << 6) | ((shuntCt & 7) << 3) | (mode & 7);
}

/** Datasheet eq. 1: CAL = 0.00512 / (Current_LSB × R_SHUNT). */
export function ina226Calibration(currentLsbA: number, shuntOhms: number): number {
  return Math.round(0.00512 / (currentLsbA * shuntOhms));
}

export interface Ina226Options {
  address: number;
  shuntOhms: number;
  /** Divider in front of VBUS: the pin sees volts / busScale. */
  busScale: number;
  /** Amps per current-register bit. */
  currentLsbA: number;
}

export interface PowerReading {
  v: number;
  a: number;
  w: number;
}

/** 16 samples of 1.1 ms each for bus and shunt, continuous: a fresh average every 35 ms. */
export const INA226_CHARGER_CONFIG = ina226Config(2, 4, 4, 7);

export interface INA226 {
  /** Unsigned 16-bit register (big-endian). Throws when the chip does not answer. */
  readRegister(reg: number): number;
  /** Identifies the chip, then writes configuration and calibration and reads them back. Throws on any mismatch. */
  init(): void;
  /** Bus voltage (through the divider), current (signed) and power (the chip's unsigned power register). */
  read(): PowerReading;
}

/** Espruino-module entry point: `require('ina226').connect(I2C1, {…})`. (A closure, not a class: its
 *  state then minifies to one-letter names.) */
export function connect(i2c: I2CPort, o: Ina226Options): INA226 {
  const addr = o.address;
  const write = (reg: number, v: number) => i2c.writeTo(addr, [reg, (v >> 8) & 0xff, v & 0xff]);
  const readRegister = (reg: number) => {
    i2c.writeTo(addr, [reg]);
    const d = i2c.readFrom(addr, 2);
    return ((d[0] << 8) | d[1]) & 0xffff;
  };
  return {
    readRegister,
    init: () => {
      const id = readRegister(INA226_REG.MANUFACTURER_ID);
      if (id !== MANUFACTURER_TI) throw new Error('INA226 manufacturer id ' + id + ', expected ' + MANUFACTURER_TI);
      const cal = ina226Calibration(o.currentLsbA, o.shuntOhms);
      write(INA226_REG.CONFIG, INA226_CHARGER_CONFIG);
      write(INA226_REG.CALIBRATION, cal);
      if (readRegister(INA226_REG.CALIBRATION) !== cal) throw new Error('INA226 calibration did not stick');
    },
    read: () => {
      const bus = readRegister(INA226_REG.BUS);
      const raw = readRegister(INA226_REG.CURRENT);
      const current = raw > 0x7fff ? raw - 0x10000 : raw;
      const power = readRegister(INA226_REG.POWER);
      // A read-back configuration other than ours means the chip reset (a brown-out): the caller re-inits.
      if (readRegister(INA226_REG.CONFIG) !== INA226_CHARGER_CONFIG) throw new Error('INA226 lost its configuration');
      return {
        v: bus * BUS_LSB_V * o.busScale,
        a: current * o.currentLsbA,
        // Power LSB = 25 × Current_LSB at the VBUS pin; the divider scales it back up.
        w: power * 25 * o.currentLsbA * o.busScale,
      };
    },
  };
}
