// The host side of an I2C bus: the chips attached to it by 7-bit address, and a record of
// every transfer so tests can assert on bus traffic.
import { EventEmitter } from 'node:events';

/** A chip on the bus. Each call is one transfer (START … STOP) addressed to it. */
export interface I2CDevice {
  /** The master wrote these bytes. */
  write(data: Uint8Array): void;
  /** The master reads n bytes. */
  read(n: number): Uint8Array;
  /** False while the chip does not acknowledge its address (unpowered, broken, a fault). */
  readonly acknowledging: boolean;
}

export interface I2CTransfer {
  bus: string;
  address: number;
  kind: 'write' | 'read';
  data: Uint8Array;
  /** The address was not acknowledged; the master saw an error. */
  nack: boolean;
  /** Device time, ms. */
  time: number;
}

/** Thrown where the ESP32 Espruino firmware throws: the text is the real one. */
export class I2CNackError extends Error {
  constructor(op: 'jshI2CWrite' | 'jshI2CRead') {
    super(`${op}: slave doesn't ACK the transfer`);
  }
}

export class I2CBus extends EventEmitter {
  private readonly devices = new Map<number, I2CDevice>();

  constructor(
    readonly name: string,
    private readonly now: () => number,
  ) {
    super();
  }

  attach(address: number, device: I2CDevice): void {
    if (this.devices.has(address)) throw new Error(`${this.name}: address 0x${address.toString(16)} is already taken`);
    this.devices.set(address, device);
  }

  detach(address: number): void {
    this.devices.delete(address);
  }

  device(address: number): I2CDevice | undefined {
    return this.devices.get(address);
  }

  write(address: number, data: Uint8Array): void {
    const d = this.devices.get(address);
    const nack = !d || !d.acknowledging;
    this.emit('transfer', { bus: this.name, address, kind: 'write', data, nack, time: this.now() } satisfies I2CTransfer);
    if (nack) throw new I2CNackError('jshI2CWrite');
    d.write(data);
  }

  read(address: number, n: number): Uint8Array {
    const d = this.devices.get(address);
    const nack = !d || !d.acknowledging;
    const data = nack ? new Uint8Array(0) : d.read(n);
    this.emit('transfer', { bus: this.name, address, kind: 'read', data, nack, time: this.now() } satisfies I2CTransfer);
    if (nack) throw new I2CNackError('jshI2CRead');
    return data;
  }
}
