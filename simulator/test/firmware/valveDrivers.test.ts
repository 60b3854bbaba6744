// The valve firmware's INA219 driver (firmware/src/drivers/ina219.ts), register by register,
// against the simulator's INA219 chip model on a simulated I2C bus.
import { describe, it, expect } from 'vitest';
import { INA219 as Driver, INA219_CONFIG, ina219Calibration } from '@espfleet/firmware/dist/node/drivers/ina219.js';
import { INA219 as Chip } from '../../src/devices/chips/ina219.js';
import { I2CBus } from '../../src/espruino/i2cBus.js';

function bench(amps: number) {
  let now = 0;
  const state = { amps, volts: 12 };
  const chip = new Chip({ now: () => now, current: () => state.amps, busVolts: () => state.volts, shuntOhms: 0.1 });
  const bus = new I2CBus('I2C1', () => now);
  bus.attach(0x40, chip);
  // Espruino's I2C API over the bus: writeTo(address, byte | bytes), readFrom(address, n).
  const i2c = {
    writeTo: (a: number, d: number | number[]) => bus.write(a, Uint8Array.from(typeof d === 'number' ? [d] : d)),
    readFrom: (a: number, n: number) => bus.read(a, n),
  };
  return { chip, bus, state, driver: new Driver(i2c, 0x40, 0.1), later: (ms: number) => (now += ms) };
}

describe('INA219 driver', () => {
  it('writes calibration and configuration and reads them back', () => {
    const b = bench(0);
    expect(b.driver.setup()).toBe(true);
    expect(b.chip.calibration).toBe(ina219Calibration(0.0001, 0.1));
    expect(b.chip.calibration).toBe(4096);
    expect(b.chip.config).toBe(INA219_CONFIG);
    expect(b.driver.ok).toBe(true);
  });

  it('reads current (signed, 0.1 mA) and bus voltage', () => {
    const b = bench(0.4);
    b.driver.setup();
    b.later(10);
    expect(b.driver.read()).toBe(true);
    expect(b.driver.amps).toBeCloseTo(0.4, 3);
    expect(b.driver.busVolts).toBeCloseTo(12, 2);
    b.state.amps = -1.25;
    b.later(10);
    b.driver.read();
    expect(b.driver.amps).toBeCloseTo(-1.25, 3);
    b.state.amps = 3;
    b.later(10);
    b.driver.read();
    expect(b.driver.amps).toBeCloseTo(3, 3);
  });

  it('a chip that stops acknowledging is reported, not thrown; it is set up again when it answers', () => {
    const b = bench(0.4);
    b.driver.setup();
    b.chip.nack = true;
    expect(b.driver.read()).toBe(false);
    expect(b.driver.ok).toBe(false);
    expect(b.driver.error).toBe("INA219: jshI2CWrite: slave doesn't ACK the transfer");
    b.chip.nack = false;
    // It may have lost power and its calibration: the driver writes it again before reading.
    b.chip.write(Uint8Array.from([0x00, 0x80, 0x00]));
    expect(b.chip.calibration).toBe(0);
    expect(b.driver.read()).toBe(true);
    expect(b.chip.calibration).toBe(4096);
    b.later(10);
    b.driver.read();
    expect(b.driver.amps).toBeCloseTo(0.4, 3);
  });

  it('no chip on the bus is a failed setup', () => {
    const b = bench(0);
    b.bus.detach(0x40);
    expect(b.driver.setup()).toBe(false);
    expect(b.driver.error).toContain("doesn't ACK");
  });
});
