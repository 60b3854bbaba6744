// What every simulated espfleet device has: an ESP32 running the flashed bundle, its
// configuration provisioned in Storage, seeded noise, and the faults common to all boards.
import { EventEmitter } from 'node:events';
import type { Clock } from '../espruino/clock.js';
import { WallClock } from '../espruino/clock.js';
import type { WifiNetwork } from '../espruino/host.js';
import { EspruinoDevice } from '../espruino/device.js';
import { Random, seedOf } from '../physics/random.js';
import { CONFIG_FILE } from '@espfleet/firmware/boards';

export const SIM_NETWORK: WifiNetwork = { ssid: 'espfleet-sim', password: 'simulated-wifi' };

export interface SimulatedDeviceOptions {
  id?: string;
  /** The firmware bundle to run (the text of firmware/dist/<app>.js). */
  bundle: string;
  bundleName?: string;
  clock?: Clock;
  /** Noise seed; defaults to one derived from the id, so runs repeat. */
  seed?: number;
  /** Loopback port for the device's port 80 (0: any free port). */
  port?: number;
  /** Extra fields for the provisioned configuration (Storage `espfleet.json`). */
  config?: Record<string, unknown>;
  /** Leave Storage empty: the device boots unprovisioned. */
  unprovisioned?: boolean;
  networks?: WifiNetwork[];
  storageFile?: string;
}

export abstract class SimulatedDevice extends EventEmitter {
  readonly id: string;
  readonly clock: Clock;
  readonly esp: EspruinoDevice;
  readonly random: Random;
  readonly config: Record<string, unknown>;

  protected constructor(kind: string, o: SimulatedDeviceOptions, defaults: Record<string, unknown>) {
    super();
    this.id = o.id ?? `${kind}-1`;
    this.clock = o.clock ?? new WallClock();
    this.random = new Random(o.seed ?? seedOf(this.id));
    this.config = { device_id: this.id, wifi: { ...SIM_NETWORK }, ...defaults, ...o.config };
    this.esp = new EspruinoDevice({
      id: this.id,
      bundle: o.bundle,
      bundleName: o.bundleName,
      clock: this.clock,
      networks: o.networks ?? [SIM_NETWORK],
      ports: o.port === undefined ? {} : { 80: o.port },
      storage: o.unprovisioned ? {} : { [CONFIG_FILE]: JSON.stringify(this.config) },
      storageFile: o.storageFile,
    });
    for (const ev of ['log', 'uncaught', 'boot', 'stop', 'listening', 'online', 'power']) {
      this.esp.on(ev, (...a: unknown[]) => this.emit(ev, ...a));
    }
    this.esp.pins.on('output', (e) => this.emit('output', e));
    for (const bus of this.esp.i2c) bus.on('transfer', (t) => this.emit('transfer', t));
  }

  start(): this {
    this.esp.boot();
    return this;
  }

  stop(): void {
    this.esp.stop();
  }

  reboot(): void {
    this.esp.reboot();
  }

  get running(): boolean {
    return this.esp.state === 'running';
  }

  /** Where the device's port 80 is reachable, once its firmware listens. */
  get port(): number | undefined {
    return this.esp.addresses.get(80);
  }

  // ---- faults ----

  /** WiFi drops now and returns after `seconds` of device time. */
  wifiLoss(seconds: number): void {
    this.esp.radio.dropFor(seconds * 1000);
    this.emit('fault', { kind: 'wifi-loss', seconds });
  }

  /** Power is cut now and returns after `seconds`; the firmware boots again from flash. */
  powerCut(seconds: number): void {
    this.esp.powerCut(seconds * 1000);
    this.emit('fault', { kind: 'power-cut', seconds });
  }

  abstract snapshot(): Record<string, unknown>;
}
