import { describe, it, expect } from 'vitest';
import { I2CBus, I2CNackError } from '../../src/espruino/i2cBus.js';
import { INA226, INA226_CVRF, INA226_REG as R, type INA226Options } from '../../src/devices/chips/ina226.js';

const ADDR = 0x40;
const s16 = (v: number) => (v << 16) >> 16;

function rig(opts: Partial<INA226Options> = {}) {
  const clock = { t: 0 };
  const input = { amps: 10, volts: 11.98 };
  const chip = new INA226({ now: () => clock.t, current: () => input.amps, busVolts: () => input.volts, ...opts });
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

// Seeded standard-normal noise (mulberry32 + Box–Muller), so the statistics are reproducible.
function gaussian(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

function variance(xs: number[]): number {
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  return xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length;
}

describe('INA226', () => {
  it('identifies itself and powers up with the reset configuration', () => {
    const { read } = rig();
    expect(read(R.MANUFACTURER_ID)).toBe(0x5449);
    expect(read(R.DIE_ID)).toBe(0x2260);
    expect(read(R.CONFIG)).toBe(0x4127);
    expect(read(R.CALIBRATION)).toBe(0);
  });

  it('reproduces the datasheet Configure/Measure/Calculate example (10 A, 2 mΩ, 11.98 V)', () => {
    const { clock, read, write, chip } = rig();
    write(R.CALIBRATION, 2560); // 0.00512 / (1 mA × 2 mΩ)
    expect(chip.conversionTimeMs).toBeCloseTo(2.2); // 1.1 ms shunt + 1.1 ms bus, AVG 1
    clock.t = 2.3;
    expect(read(R.SHUNT)).toBe(0x1f40); // 20 mV / 2.5 µV = 8000
    expect(read(R.BUS)).toBe(0x2570); // 11.98 V / 1.25 mV = 9584
    expect(read(R.CURRENT)).toBe(0x2710); // 8000 × 2560 / 2048 = 10000 → 10 A
    expect(read(R.POWER)).toBe(0x12b8); // 10000 × 9584 / 20000 = 4792 → × 25 mW = 119.8 W
  });

  it('measures a 16 A mains charger through a divider (busScale)', () => {
    const { clock, input, read, write } = rig({ busScale: 10 });
    input.amps = 16;
    input.volts = 230; // 23 V at the pin
    write(R.CALIBRATION, 2560);
    clock.t = 2.3;
    expect(read(R.SHUNT)).toBe(12800); // 32 mV
    expect(read(R.CURRENT)).toBe(16000); // 16 A at 1 mA/bit
    expect(read(R.BUS)).toBe(18400); // 23 V at 1.25 mV/bit
    const power = read(R.POWER);
    expect(power).toBe(14720); // 16000 × 18400 / 20000
    expect(power * 25e-3).toBeCloseTo(368); // W at the pin: 16 A × 23 V
    expect(power * 25e-3 * 10).toBeCloseTo(3680); // W on the mains side, undoing the divider
  });

  it('reports negative current in two’s complement and power as a magnitude', () => {
    const { clock, input, read, write } = rig();
    input.amps = -10;
    write(R.CALIBRATION, 2560);
    clock.t = 2.3;
    expect(s16(read(R.SHUNT))).toBe(-8000);
    expect(s16(read(R.CURRENT))).toBe(-10000);
    expect(read(R.POWER)).toBe(4792);
  });

  it('reads zero current and power until calibrated', () => {
    const { clock, read } = rig();
    clock.t = 2.3;
    expect(read(R.SHUNT)).toBe(8000);
    expect(read(R.CURRENT)).toBe(0);
    expect(read(R.POWER)).toBe(0);
  });

  it('sets CVRF when a conversion completes and clears it on reading Mask/Enable', () => {
    const { clock, read, write, chip } = rig();
    write(R.CONFIG, 0x4407); // AVG 16, 140 µs + 140 µs, shunt and bus continuous
    expect(chip.averages).toBe(16);
    expect(chip.conversionTimeMs).toBeCloseTo(4.48); // (140 + 140) µs × 16
    clock.t = 4.4;
    expect(read(R.MASK_ENABLE) & INA226_CVRF).toBe(0);
    clock.t = 4.5;
    expect(read(R.MASK_ENABLE) & INA226_CVRF).toBe(INA226_CVRF);
    expect(read(R.MASK_ENABLE) & INA226_CVRF).toBe(0);
    clock.t = 9.0;
    expect(read(R.MASK_ENABLE) & INA226_CVRF).toBe(INA226_CVRF);
  });

  it('clears CVRF on a configuration write', () => {
    const { clock, read, write } = rig();
    clock.t = 2.3;
    write(R.CONFIG, 0x4127);
    expect(read(R.MASK_ENABLE) & INA226_CVRF).toBe(0);
  });

  it('keeps Mask/Enable alert bits writable and its flags read-only', () => {
    const { read, write } = rig();
    write(R.MASK_ENABLE, 0xffff);
    expect(read(R.MASK_ENABLE)).toBe(0xfc03);
    write(R.ALERT_LIMIT, 0x1234);
    expect(read(R.ALERT_LIMIT)).toBe(0x1234);
  });

  it('makes one conversion per configuration write in triggered mode', () => {
    const { clock, input, read, write } = rig();
    write(R.CONFIG, 0x4123); // shunt and bus, triggered
    clock.t = 2.3;
    expect(read(R.SHUNT)).toBe(8000);
    input.amps = 5;
    clock.t = 20;
    expect(read(R.SHUNT)).toBe(8000);
    write(R.CONFIG, 0x4123);
    clock.t = 22.3;
    expect(read(R.SHUNT)).toBe(4000);
  });

  it('sets the math overflow flag when the current overflows', () => {
    const { clock, read, write } = rig();
    write(R.CALIBRATION, 0x7fff);
    clock.t = 2.3;
    expect(read(R.MASK_ENABLE) & 0x0004).toBe(0x0004);
  });

  it('RST restores the reset values', () => {
    const { clock, read, write } = rig();
    write(R.CALIBRATION, 2560);
    write(R.CONFIG, 0x4e07);
    clock.t = 100;
    write(R.CONFIG, 0x8000);
    expect(read(R.CONFIG)).toBe(0x4127);
    expect(read(R.CALIBRATION)).toBe(0);
    expect(read(R.SHUNT)).toBe(0);
  });

  it('averaging reduces the noise variance', () => {
    const shuntReadings = (config: number, n: number) => {
      const { clock, input, read, write, chip } = rig({ noise: gaussian(42), shuntNoiseVolts: 25e-6 }); // 10 LSB
      input.amps = 1; // 2 mV → 800 LSB
      write(R.CONFIG, config);
      const out: number[] = [];
      for (let i = 1; i <= n; i++) {
        clock.t = i * chip.conversionTimeMs + 0.01;
        out.push(s16(read(R.SHUNT)));
      }
      return out;
    };
    const single = shuntReadings(0x4005, 400); // AVG 1, 140 µs, shunt continuous
    const averaged = shuntReadings(0x4605, 400); // AVG 64
    expect(variance(single)).toBeGreaterThan(50); // ≈ 100 LSB²
    expect(variance(averaged)).toBeLessThan(variance(single) / 16); // ≈ 100 / 64
    const mean = averaged.reduce((s, x) => s + x, 0) / averaged.length;
    expect(mean).toBeCloseTo(800, 0);
  });

  it('does not acknowledge its address while the nack fault is set', () => {
    const { bus, chip } = rig();
    chip.nack = true;
    expect(() => bus.read(ADDR, 2)).toThrow(I2CNackError);
    expect(() => bus.read(ADDR, 2)).toThrow("jshI2CRead: slave doesn't ACK the transfer");
  });
});
