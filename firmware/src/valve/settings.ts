// The valve's settings and remembered state from the Storage JSON, checked and completed with
// defaults. Pure: the wiring reads the files, this reads the objects. A value of the wrong type
// is ignored (the default stands), so a damaged file cannot stop the valve from booting.
//
// Config keys (espfleet.json): device_id, passkey, wifi {ssid, password} as provisioned, plus
// port, tz_offset_min, ap {ssid, password}, limit_switches {open, close}, and calibration with
// the keys of VALVE_CALIBRATION (boards/valve.ts).
import { VALVE_CALIBRATION } from '../boards/valve.js';
import { ERR_NONE } from './types.js';
import type { ValveMemory, ValveSettings } from './types.js';

/** Storage file of what the valve remembers across reboots. */
export const MEMORY_FILE = 'valve-state.json';

const MEMORY_DEFAULTS = { angle: 0, error: ERR_NONE, moving: false };

function section(v: unknown): Record<string, any> {
  return v !== null && typeof v === 'object' ? (v as Record<string, any>) : {};
}

/** `defaults` with each value of the same type from `given` taken over. */
function pick<T extends object>(defaults: T, given: unknown): T {
  const g = section(given);
  const out = Object.assign({}, defaults) as Record<string, unknown>;
  for (const k in out) if (typeof g[k] === typeof out[k] && (typeof g[k] !== 'number' || isFinite(g[k]))) out[k] = g[k];
  return out as T;
}

export function valveSettings(cfg: Record<string, any>): ValveSettings {
  const top = pick({ device_id: 'valve', passkey: '', port: 80, tz_offset_min: 0 }, cfg);
  const wifi = pick({ ssid: '', password: '' }, cfg.wifi);
  const ap = pick({ ssid: 'espfleet-' + top.device_id, password: '' }, cfg.ap);
  const lim = pick({ open: true, close: true }, cfg.limit_switches);
  return Object.assign(pick(VALVE_CALIBRATION, cfg.calibration), {
    deviceId: top.device_id,
    passkey: top.passkey,
    port: top.port,
    tzOffsetMin: top.tz_offset_min,
    limitOpen: lim.open,
    limitClose: lim.close,
    wifiSsid: wifi.ssid,
    wifiPassword: wifi.password,
    apSsid: ap.ssid,
    apPassword: ap.password,
  });
}

/** The remembered state; anything missing or damaged starts from rest, no modes, no fault. */
export function valveMemory(saved: Record<string, any>): ValveMemory {
  const m = pick(MEMORY_DEFAULTS, saved);
  const sch = pick({ enabled: false, windows: [] as ValveMemory['schedule']['windows'] }, saved.schedule);
  const list = Array.isArray(sch.windows) ? sch.windows : [];
  const windows = [];
  for (let i = 0; i < list.length; i++) {
    const w = pick({ start: -1, duration: 0, angle: 0 }, list[i]);
    if (w.start >= 0) windows.push(w);
  }
  return {
    angle: m.angle,
    error: m.error,
    moving: m.moving,
    schedule: { enabled: sch.enabled, windows: windows },
    sensor: pick({ enabled: false, threshold: 0, angle: 0 }, saved.sensor),
  };
}
