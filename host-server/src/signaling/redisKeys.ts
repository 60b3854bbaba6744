// Redis names: the spec's, exactly (presence, user devices, the channel), and two of the router's
// own for finding the devices of an instance that died.
import { SIGNALING_REDIS } from '@espfleet/protocol/signaling';

export const CHANNEL = SIGNALING_REDIS.CHANNEL;

export const presenceKey = (email: string, deviceId: string) =>
  SIGNALING_REDIS.PRESENCE_KEY.replace('{email}', email).replace('{device_id}', deviceId);

export const userDevicesKey = (email: string) => SIGNALING_REDIS.USER_DEVICES_KEY.replace('{email}', email);

/** Hash: instance id → Unix ms after which it counts as dead (its last heartbeat + its presence TTL). */
export const INSTANCES_KEY = 'socket:instances';

/** Set of `socketId\nemail\ndeviceId`: the devices an instance holds, for whoever finds it dead. */
export const instanceDevicesKey = (instanceId: string) => `socket:instance_devices:${instanceId}`;

export const instanceMember = (socketId: string, email: string, deviceId: string) => `${socketId}\n${email}\n${deviceId}`;

export function parseInstanceMember(m: string): { socketId: string; email: string; deviceId: string } | undefined {
  const [socketId, email, deviceId, extra] = m.split('\n');
  if (!socketId || !email || deviceId === undefined || extra !== undefined) return undefined;
  return { socketId, email, deviceId };
}
