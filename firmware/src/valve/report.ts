// The valve_data message, kept as one object updated in place (no allocation per broadcast).
import { ERR_NONE } from './types.js';

export interface Report {
  /** Copies the state in; returns whether a reported field changed (not time, uptime, rssi). */
  update(angle: number, schedule: boolean, sensor: boolean, openLimit: boolean, closeLimit: boolean, error: string, motion: string, target: number): boolean;
  /** Stamps time, uptime, signal and motor current (amps; undefined: no reading) just before sending; returns the message. */
  stamp(timestamp: string, uptimeS: number, rssi: number | undefined, amps: number | undefined): object;
}

/** Sets o[k] = v; 1 when that changed it, else 0. undefined removes the key (optional fields). */
function put(o: Record<string, unknown>, k: string, v: unknown): number {
  if (o[k] === v) return 0;
  if (v === undefined) delete o[k];
  else o[k] = v;
  return 1;
}

export function createReport(deviceId: string, openInstalled: boolean, closeInstalled: boolean): Report {
  const v = { angle: 0, is_open: false, is_close: true };
  const c = { schedule: false, sensor: false };
  const l = { is_open_limit: openInstalled, open_limit: false, is_close_limit: closeInstalled, close_limit: false };
  const d: Record<string, any> = {
    event: 'valve_data', timestamp: '', device_id: deviceId,
    get_controller: c, get_valvedata: v, get_limitdata: l,
    Error: ERR_NONE, motion: 'idle', uptime: 0,
  };
  return {
    update(angle, schedule, sensor, openLimit, closeLimit, error, motion, target) {
      v.is_open = angle > 0;
      v.is_close = angle === 0;
      return put(v, 'angle', angle) + put(c, 'schedule', schedule) + put(c, 'sensor', sensor) +
        put(l, 'open_limit', openLimit) + put(l, 'close_limit', closeLimit) + put(d, 'Error', error) +
        put(d, 'motion', motion) + put(d, 'target_angle', target < 0 ? undefined : target) > 0;
    },
    stamp(timestamp, uptimeS, rssi, amps) {
      d.timestamp = timestamp;
      d.uptime = uptimeS;
      put(d, 'rssi', rssi);
      put(d, 'current_a', amps === undefined ? undefined : Math.round(amps * 1000) / 1000);
      return d;
    },
  };
}
