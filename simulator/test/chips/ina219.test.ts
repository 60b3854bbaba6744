import { describe, it, expect } from 'vitest';
import { I2CBus, I2CNackError } from '../../src/espruino/i2cBus.js';
import { INA219, INA219_REG as R } from '../../src/devices/chips/ina219.js';

const ADDR = 0x40;
const s16 = (v: number) => (v << 16) >> 16;

function rig() {
  const clock = { t: 0 };
  const input = { amps: 1.0, volts: 12.0 };
  const chip = new INA219({ now: () => clock.t, current: () => input.amps, busVolts: () => input.volts });
  const bus = new I2CBus('i2c0', () => clock.t);
  bus.attach(ADDR, chip);
  const read = (reg: number) => {
    bus.write(ADDR, Uint8Array.of(reg));
    const b = bus.read(ADDR, 2);
    return (b[0]! << 8) | b[1]!;
  };
  const write = (reg: number, v: number) => bus.write(ADDR, Uint8Array.of(reg, v >> 8, v & 0xff));
  return { clock, input, chip, bus, read, write };
}

describe('INA219', () => {
  it('powers up with the datasheet reset values and no data yet', () => {
    const { read } = rig();
    expect(read(R.CONFIG)).toBe(0x399f);
    expect(read(R.CALIBRATION)).toBe(0);
    expect(read(R.SHUNT)).toBe(0);
    expect(read(R.BUS)).toBe(0);
  });

  it('measures 1.0 A through 0.1 Ω at 12 V: shunt, bus, current and power registers', () => {
    const { clock, read, write, chip } = rig();
    expect(chip.conversionTimeMs).toBeCloseTo(1.064); // 12-bit shunt then 12-bit bus
    clock.t = 1.1;
    expect(read(R.SHUNT)).toBe(10000); // 100 mV / 10 µV = 0x2710
    expect(read(R.BUS)).toBe(0x5dc0 | 0b10); // (12000 / 4) << 3, CNVR set
    expect(read(R.CURRENT)).toBe(0); // calibration not programmed yet
    expect(read(R.POWER)).toBe(0);

    write(R.CALIBRATION, 4096); // Current_LSB 100 µA with 0.1 Ω: 0.04096 / (100e-6 × 0.1)
    clock.t = 2.2;
    expect(read(R.CURRENT)).toBe(10000); // × 100 µA = 1.0 A
    expect(read(R.BUS) & 0b10).toBe(0b10);
    expect(read(R.POWER)).toBe(6000); // 10000 × 3000 / 5000; × 20 × 100 µA·V = 12 W
    expect(read(R.BUS)).toBe(0x5dc0); // reading Power cleared CNVR
  });

  it('reports negative current in two’s complement and power as a magnitude', () => {
    const { clock, input, read, write } = rig();
    input.amps = -1.0;
    write(R.CALIBRATION, 4096);
    clock.t = 1.1;
    expect(s16(read(R.SHUNT))).toBe(-10000);
    expect(read(R.SHUNT)).toBe(0xd8f0);
    expect(s16(read(R.CURRENT))).toBe(-10000);
    expect(read(R.POWER)).toBe(6000);
  });

  it('clips the shunt voltage to the PGA range', () => {
    const { clock, input, read, write } = rig();
    write(R.CONFIG, 0x399f & ~0x1800); // PG = /1: ±40 mV
    input.amps = 0.5; // 50 mV
    clock.t = 1.1;
    expect(read(R.SHUNT)).toBe(4000);
    input.amps = -0.5;
    clock.t = 2.2;
    expect(s16(read(R.SHUNT))).toBe(-4000);
  });

  it('saturates the bus reading at the 16 V range when BRNG = 0', () => {
    const { clock, input, read, write } = rig();
    write(R.CONFIG, 0x399f & ~0x2000);
    input.volts = 20;
    clock.t = 1.1;
    expect(read(R.BUS) >> 3).toBe(4095);
  });

  it('RST restores every register to its reset value', () => {
    const { clock, read, write, chip } = rig();
    write(R.CALIBRATION, 4096);
    write(R.CONFIG, 0x019f);
    clock.t = 3;
    write(R.CONFIG, 0x8000);
    expect(read(R.CONFIG)).toBe(0x399f);
    expect(chip.config).toBe(0x399f);
    expect(read(R.CALIBRATION)).toBe(0);
    expect(read(R.SHUNT)).toBe(0);
  });

  it('keeps calibration bit 0 at zero', () => {
    const { read, write, chip } = rig();
    write(R.CALIBRATION, 4097);
    expect(read(R.CALIBRATION)).toBe(4096);
    expect(chip.calibration).toBe(4096);
  });

  it('only shows an input change after the next conversion boundary (12-bit shunt: 532 µs)', () => {
    const { clock, input, read, write, chip } = rig();
    write(R.CONFIG, 0x399d); // shunt only, continuous
    expect(chip.conversionTimeMs).toBeCloseTo(0.532);
    clock.t = 0.5;
    expect(read(R.SHUNT)).toBe(0); // first conversion still running
    clock.t = 0.6;
    expect(read(R.SHUNT)).toBe(10000);
    input.amps = 2.0;
    clock.t = 1.0;
    expect(read(R.SHUNT)).toBe(10000); // next boundary is 1.064 ms
    clock.t = 1.07;
    expect(read(R.SHUNT)).toBe(20000);
  });

  it('takes its conversion time from the ADC setting table', () => {
    const { write, chip } = rig();
    const time = (sadc: number) => {
      write(R.CONFIG, 0x3805 | (sadc << 3)); // shunt only, continuous
      return chip.conversionTimeMs;
    };
    expect(time(0b0000)).toBeCloseTo(0.084);
    expect(time(0b0001)).toBeCloseTo(0.148);
    expect(time(0b0010)).toBeCloseTo(0.276);
    expect(time(0b1000)).toBeCloseTo(0.532);
    expect(time(0b1001)).toBeCloseTo(1.06);
    expect(time(0b1111)).toBeCloseTo(68.1);
  });

  it('makes one conversion per configuration write in triggered mode', () => {
    const { clock, input, read, write } = rig();
    write(R.CONFIG, 0x399b); // shunt and bus, triggered
    clock.t = 1.0;
    expect(read(R.BUS) & 0b10).toBe(0);
    clock.t = 1.1;
    expect(read(R.SHUNT)).toBe(10000);
    expect(read(R.BUS)).toBe(0x5dc2);
    input.amps = 2.0;
    clock.t = 10;
    expect(read(R.SHUNT)).toBe(10000); // no new conversion
    write(R.CONFIG, 0x399b); // trigger again
    expect(read(R.BUS) & 0b10).toBe(0);
    clock.t = 11.1;
    expect(read(R.SHUNT)).toBe(20000);
  });

  it('keeps the last values in power-down', () => {
    const { clock, input, read, write } = rig();
    clock.t = 1.1;
    expect(read(R.SHUNT)).toBe(10000);
    write(R.CONFIG, 0x3998); // power-down
    input.amps = 3.0;
    clock.t = 50;
    expect(read(R.SHUNT)).toBe(10000);
  });

  it('sets OVF when the current calculation overflows', () => {
    const { clock, read, write } = rig();
    write(R.CALIBRATION, 0xfffe);
    clock.t = 1.1;
    expect(read(R.BUS) & 1).toBe(1);
  });

  it('keeps the register pointer: repeated reads return the same register', () => {
    const { clock, bus, read } = rig();
    clock.t = 1.1;
    read(R.SHUNT);
    expect([...bus.read(ADDR, 2)]).toEqual([0x27, 0x10]);
    expect([...bus.read(ADDR, 4)]).toEqual([0x27, 0x10, 0x27, 0x10]);
  });

  it('does not acknowledge its address while the nack fault is set', () => {
    const { bus, chip } = rig();
    chip.nack = true;
    expect(chip.acknowledging).toBe(false);
    expect(() => bus.read(ADDR, 2)).toThrow(I2CNackError);
    expect(() => bus.read(ADDR, 2)).toThrow("jshI2CRead: slave doesn't ACK the transfer");
    expect(() => bus.write(ADDR, Uint8Array.of(0))).toThrow("jshI2CWrite: slave doesn't ACK the transfer");
    chip.nack = false;
    expect(bus.read(ADDR, 2)).toHaveLength(2);
  });
});
