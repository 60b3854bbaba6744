// TI INA219 current monitor (SBOS448G) over I2C, register by register, Espruino-module style:
// a constructor taking the bus, setup() and read(). A chip that does not answer is reported
// (ok = false, error = the bus's message), never thrown: the app decides what a fault means.

export const INA219_REG = { CONFIG: 0x00, SHUNT: 0x01, BUS: 0x02, CURRENT: 0x04, CALIBRATION: 0x05 };
/** 32 V bus range, ±320 mV shunt range, 12-bit bus, shunt averaged over 4 samples, continuous. */
export const INA219_CONFIG = 0x39d7;
/** Current register LSB, amps: 3.2 A full scale on a 0.1 Ω shunt. */
const CURRENT_LSB = 0.0001;

/** Datasheet eq. 1: Cal = trunc(0.04096 / (Current_LSB × R_SHUNT)). */
export function ina219Calibration(currentLsb: number, shuntOhms: number): number {
  return Math.floor(0.04096 / (currentLsb * shuntOhms)) & 0xfffe;
}

interface Ina219Bus {
  writeTo(address: number, data: number | number[]): void;
  readFrom(address: number, quantity: number): Uint8Array;
}

export class INA219 {
  /** Latest readings. */
  amps = 0;
  busVolts = 0;
  ok = false;
  /** Why the last transfer failed, '' when it did not. */
  error = '';
  /** Writes calibration and configuration and reads them back; false when the chip does not answer. */
  readonly setup: () => boolean;
  /** Current and bus voltage; after a failure the chip is set up again first (it may have reset). */
  readonly read: () => boolean;

  // The methods are closures over the bus and state: locals minify to one letter, `this.x` does not.
  constructor(i2c: Ina219Bus, address: number, shuntOhms: number) {
    const self = this;
    let configured = false;
    const cal = ina219Calibration(CURRENT_LSB, shuntOhms);
    const write = (reg: number, value: number) => i2c.writeTo(address, [reg, (value >> 8) & 255, value & 255]);
    /** A register as a signed 16-bit value. */
    const register = (reg: number) => {
      i2c.writeTo(address, reg);
      const d = i2c.readFrom(address, 2);
      const v = (d[0] << 8) | d[1];
      return v > 32767 ? v - 65536 : v;
    };
    const answered = () => {
      self.ok = true;
      self.error = '';
      return true;
    };
    const failed = (e: unknown) => {
      self.ok = false;
      configured = false;
      self.error = 'INA219: ' + ((e as { message?: string }).message || e);
      return false;
    };
    const setup = () => {
      try {
        write(INA219_REG.CALIBRATION, cal);
        write(INA219_REG.CONFIG, INA219_CONFIG);
        // A bus without the chip may read back anything: only the values written prove it is there.
        if ((register(INA219_REG.CALIBRATION) & 0xffff) !== cal || (register(INA219_REG.CONFIG) & 0xffff) !== INA219_CONFIG) {
          return failed('not found');
        }
        configured = true;
        return answered();
      } catch (e) {
        return failed(e);
      }
    };
    this.setup = setup;
    this.read = () => {
      if (!configured && !setup()) return false;
      try {
        self.amps = register(INA219_REG.CURRENT) * CURRENT_LSB;
        self.busVolts = (register(INA219_REG.BUS) >> 3) * 0.004;
        return answered();
      } catch (e) {
        return failed(e);
      }
    };
  }
}
