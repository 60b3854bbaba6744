// The EV charging station: PN532 card reader and INA226 meter on I2C, the contactor relay,
// STOP and emergency buttons, and a vehicle that draws current while the relay is closed.
import { EvLoad, DEFAULT_EV, type EvLoadSpec } from '../physics/evLoad.js';
import { Contact } from '../physics/contact.js';
import { INA226 } from './chips/ina226.js';
import { PN532 } from './chips/pn532.js';
import { CHARGER_BOARD as B } from '@espfleet/firmware/boards';
import { SimulatedDevice, type SimulatedDeviceOptions } from './simulatedDevice.js';

export interface SimulatedChargerOptions extends SimulatedDeviceOptions {
  estacionId?: number;
  /** Backend WebSocket base URL, e.g. ws://127.0.0.1:3000/ws */
  server?: string;
  token?: string;
  ev?: Partial<EvLoadSpec>;
}

export class SimulatedCharger extends SimulatedDevice {
  readonly ev: EvLoad;
  readonly ina: INA226;
  readonly nfc: PN532;
  readonly stopButton: Contact;
  readonly emergencyButton: Contact;
  private relay = false;

  constructor(o: SimulatedChargerOptions) {
    super('charger', o, {
      estacionId: o.estacionId ?? 1,
      ...(o.server ? { server: o.server } : {}),
      ...(o.token ? { token: o.token } : {}),
    });
    const pins = this.esp.pins;
    this.ev = new EvLoad(this.random, this.clock.now(), { ...DEFAULT_EV, ...o.ev });
    this.ina = new INA226({
      now: () => this.clock.now(),
      shuntOhms: 0.002,
      busScale: 10,
      current: () => (this.relay ? this.ev.current(this.clock.now()) : 0),
      busVolts: () => this.ev.volts(),
      noise: () => this.random.gauss(1),
    });
    this.nfc = new PN532({ now: () => this.clock.now() });
    this.esp.i2c[0].attach(B.ina226, this.ina);
    this.esp.i2c[0].attach(B.pn532, this.nfc);
    const contact = (pin: number) =>
      new Contact({ clock: this.clock, random: this.random, drive: (level) => pins.setInput(pin, level) });
    this.stopButton = contact(B.stopButton);
    this.emergencyButton = contact(B.emergencyButton);
    const relayChanged = () => {
      const closed = pins.output(B.relay).duty >= 0.5;
      if (closed === this.relay) return;
      this.relay = closed;
      this.ev.setRelay(closed, this.clock.now());
      this.emit('relay', closed);
    };
    pins.on('output', (e: { pin: number }) => e.pin === B.relay && relayChanged());
    pins.on('reset', relayChanged);
  }

  get relayClosed(): boolean {
    return this.relay;
  }

  // ---- the people at the station ----

  /** A card is held to the reader (4- or 7-byte UID, e.g. "04A1B2C3" or [4, 161, 178, 195]). */
  placeCard(uid: string | number[]): void {
    const bytes = typeof uid === 'string' ? Array.from(Buffer.from(uid.replace(/[^0-9a-f]/gi, ''), 'hex')) : uid;
    if (bytes.length !== 4 && bytes.length !== 7) throw new Error('A card UID has 4 or 7 bytes');
    this.nfc.placeCard(bytes);
    this.emit('card', bytes);
  }

  removeCard(): void {
    this.nfc.removeCard();
  }

  /** Presses the STOP button for `ms` (default 200 ms). */
  pressStop(ms = 200): void {
    this.stopButton.set(true);
    this.clock.setTimer(() => this.stopButton.set(false), ms);
  }

  /** The emergency mushroom button latches until released. */
  pressEmergency(): void {
    this.emergencyButton.set(true);
  }

  releaseEmergency(): void {
    this.emergencyButton.set(false);
  }

  plugVehicle(soc?: number): void {
    this.ev.plug(true, this.clock.now(), soc);
  }

  unplugVehicle(): void {
    this.ev.plug(false, this.clock.now());
  }

  // ---- faults ----

  inaFault(on: boolean): void {
    this.ina.nack = on;
    this.emit('fault', { kind: 'ina-nack', on });
  }

  /** The reader's next response frame arrives with a bad checksum. */
  garbleNfc(): void {
    this.nfc.garbleNext();
    this.emit('fault', { kind: 'nfc-garbled' });
  }

  snapshot(): Record<string, unknown> {
    const now = this.clock.now();
    return {
      id: this.id,
      kind: 'charger',
      running: this.running,
      estacionId: this.config.estacionId,
      relay: this.relay,
      amps: Math.round((this.relay ? this.ev.current(now) : 0) * 100) / 100,
      energyWh: Math.round(this.ev.energyWh * 10) / 10,
      soc: Math.round(this.ev.soc * 1000) / 10,
      emergency: this.emergencyButton.isClosed,
      online: this.esp.online,
    };
  }
}
