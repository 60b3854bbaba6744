// The INA226 driver against the chip's register interface (SBOS547 §7.5): a write sets the register
// pointer (and with two more bytes writes a register, MSB first); a read returns the pointed register.
import { describe, it, expect } from 'vitest';
import { connect, ina226Calibration, ina226Config, INA226_CHARGER_CONFIG } from '../../src/drivers/ina226.js';
import type { I2CPort } from '../../src/drivers/pn532.js';

class INA226Registers implements I2CPort {
  regs: Record<number, number> = { 0x00: 0x4127, 0x05: 0, 0xfe: 0x5449, 0xff: 0x2260 };
  ptr = 0;
  writes: number[][] = [];
  answering = true;
  writeTo(address: number, data: number[]): void {
    if (!this.answering || address !== 0x40) throw new Error("jshI2CWrite: slave doesn't ACK the transfer");
    this.writes.push(data.slice());
    this.ptr = data[0]!;
    if (data.length >= 3) this.regs[this.ptr] = (data[1]! << 8) | data[2]!;
  }
  readFrom(address: number, n: number): Uint8Array {
    if (!this.answering || address !== 0x40) throw new Error("jshI2CRead: slave doesn't ACK the transfer");
    const v = this.regs[this.ptr] ?? 0;
    return Uint8Array.from([v >> 8, v & 0xff].slice(0, n));
  }
}

const board = { address: 0x40, shuntOhms: 0.002, busScale: 10, currentLsbA: 0.001 };

describe('INA226 driver', () => {
  it('configuration and calibration values follow the datasheet', () => {
    expect(ina226Config(0, 4, 4, 7)).toBe(0x4127); // the power-on default
    expect(INA226_CHARGER_CONFIG).toBe(0x4527); // 16 averages, 1.1 ms conversions, continuous
    expect(ina226Calibration(0.001, 0.002)).toBe(2560);
  });

  it('identifies the chip, writes configuration then calibration MSB first, and checks them', () => {
    const chip = new INA226Registers();
    connect(chip, board).init();
    expect(chip.writes).toContainEqual([0x00, 0x45, 0x27]);
    expect(chip.writes).toContainEqual([0x05, 0x0a, 0x00]);
    expect(chip.regs[0x05]).toBe(2560);
  });

  it('refuses another chip at the address', () => {
    const chip = new INA226Registers();
    chip.regs[0xfe] = 0x1234;
    expect(() => connect(chip, board).init()).toThrow('manufacturer id');
  });

  it('reads volts through the 10:1 divider, signed current and power from the registers', () => {
    const chip = new INA226Registers();
    const ina = connect(chip, board);
    ina.init();
    // 18000 × 1.25 mV = 22.5 V at the pin; 16000 mA; power = 16000 × 18000 / 20000 = 14400 × 25 mW.
    Object.assign(chip.regs, { 0x02: 0x4650, 0x04: 0x3e80, 0x03: 0x3840 });
    const r = ina.read();
    expect(r.v).toBeCloseTo(225, 9);
    expect(r.a).toBeCloseTo(16, 9);
    expect(r.w).toBeCloseTo(3600, 9);
    chip.regs[0x04] = 0xfc18; // −1000 mA
    expect(ina.read().a).toBeCloseTo(-1, 9);
  });

  it('a chip that reset (configuration back to default) or stopped answering is an error', () => {
    const chip = new INA226Registers();
    const ina = connect(chip, board);
    ina.init();
    chip.regs[0x00] = 0x4127;
    expect(() => ina.read()).toThrow('lost its configuration');
    chip.answering = false;
    expect(() => ina.read()).toThrow("slave doesn't ACK");
  });
});
