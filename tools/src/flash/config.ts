// The configuration `espfleet flash --config FILE` writes to Storage as espfleet.json: read,
// checked for what each app cannot run without, and written compactly. Pure.
import { UsageError } from '../command.js';

export type App = 'valve' | 'charger';

/** Keys each app needs before it can serve (the same keys the simulator provisions). */
const REQUIRED: Record<App, Array<[string, (v: unknown) => boolean, string]>> = {
  valve: [
    ['device_id', (v) => typeof v === 'string' && v !== '', 'a non-empty string'],
    ['passkey', (v) => typeof v === 'string' && v !== '', 'a non-empty string'],
  ],
  charger: [
    ['estacionId', (v) => Number.isInteger(v) && (v as number) >= 0, 'a whole number'],
    ['server', (v) => typeof v === 'string' && v.startsWith('ws://'), 'a ws:// URL'],
  ],
};

/** The configuration's JSON text as stored, or a UsageError naming what is wrong in `file`. */
export function storedConfig(app: App, text: string, file: string): string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file} is not JSON: ${(e as Error).message}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new UsageError(`${file} must hold a JSON object`);
  const o = v as Record<string, unknown>;
  for (const [key, ok, what] of REQUIRED[app]) {
    if (!ok(o[key])) throw new UsageError(`${file}: "${key}" must be ${what} for a ${app}`);
  }
  if (o.wifi !== undefined) {
    const w = o.wifi as Record<string, unknown> | null;
    if (!w || typeof w !== 'object' || typeof w.ssid !== 'string' || (w.password !== undefined && typeof w.password !== 'string')) {
      throw new UsageError(`${file}: "wifi" must be {"ssid": "…", "password": "…"}`);
    }
  }
  return JSON.stringify(o);
}
