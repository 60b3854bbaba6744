// Presence in Redis under the spec's keys: each device's DeviceInfo at
// socket:presence:{email}:{device_id} with a TTL, and socket:user_devices:{email} mapping
// device_id → socket_id. The instance refreshes both on every heartbeat; an instance that dies
// stops refreshing, and whichever instance first finds its heartbeat older than the TTL announces
// its devices as gone.
import type { PresenceRedis } from './redisBus.js';
import { INSTANCES_KEY, instanceDevicesKey, instanceMember, parseInstanceMember, presenceKey, userDevicesKey } from './redisKeys.js';
import type { DeviceInfo } from './wire.js';

export interface PresentDevice {
  email: string;
  deviceId: string;
  socketId: string;
  info: DeviceInfo;
}

/** An instance's device list outlives it this many TTLs, so a late survivor can still reap it. */
const INSTANCE_SET_TTLS = 10;

export class RedisPresence {
  constructor(
    private readonly r: PresenceRedis,
    private readonly instanceId: string,
    private readonly ttlMs: number,
  ) {}

  private args(d: PresentDevice) {
    return [
      userDevicesKey(d.email), presenceKey(d.email, d.deviceId), instanceDevicesKey(this.instanceId),
      d.deviceId, d.socketId, JSON.stringify(d.info), this.ttlMs, instanceMember(d.socketId, d.email, d.deviceId), this.ttlMs * INSTANCE_SET_TTLS,
    ] as const;
  }

  /** This socket now holds the device, whoever held it before. */
  async take(d: PresentDevice): Promise<void> {
    await this.r.take(...this.args(d));
  }

  /** Refreshes the device's entries; false when another socket has taken the device since. */
  async claim(d: PresentDevice): Promise<boolean> {
    return (await this.r.claim(...this.args(d))) === 1;
  }

  /** Forgets the device if this socket still holds it; true when it did. */
  async release(d: { email: string; deviceId: string; socketId: string }): Promise<boolean> {
    const k = [userDevicesKey(d.email), presenceKey(d.email, d.deviceId), instanceDevicesKey(this.instanceId)] as const;
    return (await this.r.release(...k, d.deviceId, d.socketId, instanceMember(d.socketId, d.email, d.deviceId))) === 1;
  }

  /** Records that this instance is alive now: it counts as dead once its own TTL has passed without another beat. */
  async beat(now: number): Promise<void> {
    await this.r.hset(INSTANCES_KEY, this.instanceId, String(now + this.ttlMs));
  }

  /** Finds instances silent past their TTL, claims each (one finder wins), and returns their devices that nobody holds now. */
  async reapDead(now: number): Promise<Array<{ email: string; deviceId: string }>> {
    const beats = await this.r.hgetall(INSTANCES_KEY);
    const gone: Array<{ email: string; deviceId: string }> = [];
    for (const [id, at] of Object.entries(beats)) {
      if (id === this.instanceId || now <= Number(at)) continue;
      if ((await this.r.hdel(INSTANCES_KEY, id)) !== 1) continue;
      const members = await this.r.smembers(instanceDevicesKey(id));
      for (const m of members) {
        const d = parseInstanceMember(m);
        if (d && (await this.r.reap(userDevicesKey(d.email), presenceKey(d.email, d.deviceId), d.deviceId, d.socketId)) === 1) gone.push(d);
      }
      await this.r.del(instanceDevicesKey(id));
    }
    return gone;
  }

  /** Removes this instance's records (a clean shutdown, after its devices were released). */
  async retire(): Promise<void> {
    await Promise.all([this.r.hdel(INSTANCES_KEY, this.instanceId), this.r.del(instanceDevicesKey(this.instanceId))]);
  }

  /** The online devices of each user, from every instance: hash entries whose presence key is there and agrees. */
  async devicesOf(emails: string[]): Promise<Map<string, Array<{ deviceId: string; info: DeviceInfo }>>> {
    const hashes = await Promise.all(emails.map((e) => this.r.hgetall(userDevicesKey(e))));
    const out = new Map<string, Array<{ deviceId: string; info: DeviceInfo }>>();
    await Promise.all(
      emails.map(async (email, i) => {
        const entries = Object.entries(hashes[i]);
        if (!entries.length) return;
        const values = await this.r.mget(entries.map(([deviceId]) => presenceKey(email, deviceId)));
        const devices: Array<{ deviceId: string; info: DeviceInfo }> = [];
        entries.forEach(([deviceId, socketId], j) => {
          const info = parseInfo(values[j]);
          if (info && info.socket_id === socketId) devices.push({ deviceId, info });
        });
        if (devices.length) out.set(email, devices);
      }),
    );
    return out;
  }
}

function parseInfo(v: string | null): DeviceInfo | undefined {
  if (!v) return undefined;
  try {
    const o = JSON.parse(v) as DeviceInfo;
    return o && typeof o.socket_id === 'string' ? o : undefined;
  } catch {
    return undefined;
  }
}
