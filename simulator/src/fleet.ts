// Many simulated devices in one process, each in its own interpreter context, on one clock.
import { EventEmitter } from 'node:events';
import type { Clock } from './espruino/clock.js';
import { WallClock } from './espruino/clock.js';
import { SimulatedValve } from './devices/simulatedValve.js';
import { SimulatedCharger } from './devices/simulatedCharger.js';
import type { SimulatedDevice } from './devices/simulatedDevice.js';

export interface FleetOptions {
  clock?: Clock;
  /** The clock each device runs on, given the fleet's (default: the fleet's itself); e.g. a view that meters each device's timers. */
  deviceClock?: (id: string, clock: Clock) => Clock;
  valves?: number;
  chargers?: number;
  /** Firmware bundles (the text of firmware/dist/valve.js and charger.js). */
  valveBundle?: string;
  chargerBundle?: string;
  /** Backend the chargers publish to, e.g. ws://127.0.0.1:3000/ws */
  server?: string;
  token?: string;
  /** First loopback port for the valves' port 80; 0 (default) takes free ports. */
  basePort?: number;
  /** Passkey given to every valve (default: one per valve, derived from its id). */
  passkey?: string;
  seed?: number;
}

export interface FleetProgress {
  started: number;
  total: number;
  id: string;
}

export class Fleet extends EventEmitter {
  readonly clock: Clock;
  readonly valves: SimulatedValve[] = [];
  readonly chargers: SimulatedCharger[] = [];

  constructor(o: FleetOptions) {
    super();
    this.clock = o.clock ?? new WallClock();
    const nv = o.valves ?? 0;
    const nc = o.chargers ?? 0;
    const clockOf = (id: string) => (o.deviceClock ? o.deviceClock(id, this.clock) : this.clock);
    if (nv > 0 && !o.valveBundle) throw new Error('Fleet: valves need a valve firmware bundle');
    if (nc > 0 && !o.chargerBundle) throw new Error('Fleet: chargers need a charger firmware bundle');
    for (let i = 1; i <= nv; i++) {
      const id = `valve-${i}`;
      this.valves.push(
        new SimulatedValve({
          id,
          bundle: o.valveBundle!,
          bundleName: 'valve.js',
          clock: clockOf(id),
          seed: o.seed === undefined ? undefined : o.seed + i,
          port: o.basePort ? o.basePort + i - 1 : undefined,
          passkey: o.passkey ?? `pk-${id}`,
        }),
      );
    }
    for (let i = 1; i <= nc; i++) {
      const id = `charger-${i}`;
      this.chargers.push(
        new SimulatedCharger({
          id,
          bundle: o.chargerBundle!,
          bundleName: 'charger.js',
          clock: clockOf(id),
          seed: o.seed === undefined ? undefined : o.seed + 1000 + i,
          estacionId: i,
          server: o.server,
          token: o.token,
        }),
      );
    }
  }

  get devices(): SimulatedDevice[] {
    return [...this.valves, ...this.chargers];
  }

  /** Boots every device, reporting progress after each. */
  start(): this {
    const all = this.devices;
    all.forEach((d, i) => {
      d.start();
      this.emit('progress', { started: i + 1, total: all.length, id: d.id } satisfies FleetProgress);
    });
    return this;
  }

  stop(): void {
    for (const d of this.devices) d.stop();
  }

  get(id: string): SimulatedDevice | undefined {
    return this.devices.find((d) => d.id === id);
  }

  snapshot(): Array<Record<string, unknown>> {
    return this.devices.map((d) => d.snapshot());
  }
}
