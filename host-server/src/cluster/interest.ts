// Which instances want which messages, so an instance publishes a sensor update or a gateway
// event on the cluster channel only when another instance has a subscriber for it. Each instance
// announces what its subscribers watch when that changes and every few seconds; an announcement
// not renewed in time expires (its instance died). Pure: time comes in as milliseconds.
import type { Interest } from './clusterCodec.js';

export const ANNOUNCE_EVERY_MS = 5000;
const EXPIRES_AFTER_MS = 3 * ANNOUNCE_EVERY_MS;

interface Known {
  all: boolean;
  devices: Set<number>;
  sensors: Set<number>;
  gateway: Set<number>;
  at: number;
}

export class RemoteInterest {
  private readonly instances = new Map<string, Known>();

  /** Records `origin`'s announcement; true when the instance was not known (it should hear ours now). */
  update(origin: string, i: Interest, now: number): boolean {
    const fresh = !this.instances.has(origin);
    this.instances.set(origin, { all: i.all, devices: new Set(i.devices), sensors: new Set(i.sensors), gateway: new Set(i.gateway), at: now });
    return fresh;
  }

  /** Does any other instance watch this sensor (or, with `sensor` null, this device's status)? */
  wantsSensor(device: number, sensor: number | null, now: number): boolean {
    for (const [origin, k] of this.instances) {
      if (now - k.at > EXPIRES_AFTER_MS) {
        this.instances.delete(origin);
        continue;
      }
      if (k.all || k.devices.has(device) || (sensor !== null && k.sensors.has(sensor))) return true;
    }
    return false;
  }

  /** Does any other instance have gateway subscribers of this device? */
  wantsGateway(device: number, now: number): boolean {
    for (const [origin, k] of this.instances) {
      if (now - k.at > EXPIRES_AFTER_MS) {
        this.instances.delete(origin);
        continue;
      }
      if (k.gateway.has(device)) return true;
    }
    return false;
  }

  clear(): void {
    this.instances.clear();
  }
}
