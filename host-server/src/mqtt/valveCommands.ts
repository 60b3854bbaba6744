// What a payload on a valve's command topic asks for. `set` takes Home Assistant's valve
// payloads: OPEN, CLOSE, STOP, and — for a valve that reports its position — the wanted
// position as a bare number 0–100. `set_position` takes a position 0–100 or JSON
// {"angle": 0–90} / {"position": 0–100}. Anything else is refused with a message for the sender.
import type { ValveCommand } from '../fleet/fleetEvents.js';
import { OPEN_ANGLE, percentToAngle } from './valvePosition.js';
import type { CommandLeaf } from './topics.js';

export type ParsedCommand = { ok: true; command: ValveCommand } | { ok: false; message: string };

/** Plain decimal only: Number() would also take '', '0x10' and '1e2'. */
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** A payload cut short, so a huge one does not become a huge answer or log line. */
export function excerpt(payload: string): string {
  return payload.length > 64 ? payload.slice(0, 64) + '…' : payload;
}

const quote = (payload: string) => JSON.stringify(excerpt(payload));

function position(n: number, what: string): ParsedCommand {
  if (!(n >= 0 && n <= 100)) return { ok: false, message: `${what} must be 0…100 (percent open), not ${n}` };
  return { ok: true, command: { kind: 'angle', angle: percentToAngle(n) } };
}

function angle(n: unknown): ParsedCommand {
  if (typeof n !== 'number' || !(n >= 0 && n <= OPEN_ANGLE)) return { ok: false, message: `angle must be a number 0…${OPEN_ANGLE} (degrees), not ${JSON.stringify(n)}` };
  return { ok: true, command: { kind: 'angle', angle: n } };
}

export function parseSet(payload: string): ParsedCommand {
  const p = payload.trim();
  switch (p.toUpperCase()) {
    case 'OPEN':
      return { ok: true, command: { kind: 'open' } };
    case 'CLOSE':
      return { ok: true, command: { kind: 'close' } };
    case 'STOP':
      return { ok: true, command: { kind: 'stop' } };
  }
  if (DECIMAL.test(p)) return position(Number(p), 'position');
  return { ok: false, message: `set takes OPEN, CLOSE, STOP or a position 0…100, not ${quote(payload)}` };
}

export function parseSetPosition(payload: string): ParsedCommand {
  const p = payload.trim();
  if (DECIMAL.test(p)) return position(Number(p), 'position');
  let v: unknown;
  try {
    v = JSON.parse(p);
  } catch {
    v = undefined;
  }
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if ('angle' in o && !('position' in o)) return angle(o.angle);
    if ('position' in o && !('angle' in o)) return typeof o.position === 'number' ? position(o.position, 'position') : { ok: false, message: `position must be a number 0…100, not ${JSON.stringify(o.position)}` };
  }
  return { ok: false, message: `set_position takes a position 0…100 or JSON {"angle": 0…${OPEN_ANGLE}} or {"position": 0…100}, not ${quote(payload)}` };
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

function json(payload: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(payload);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** `set_schedule`: OFF, or JSON {"enabled": true, "windows": [{"start": "HH:MM", "duration": minutes, "angle": 0–90}, …]} (at most 8). */
export function parseSetSchedule(payload: string): ParsedCommand {
  const p = payload.trim();
  if (p.toUpperCase() === 'OFF') return { ok: true, command: { kind: 'schedule', enabled: false, windows: [] } };
  const o = json(p);
  const usage = `set_schedule takes OFF or JSON {"enabled": true, "windows": [{"start": "HH:MM", "duration": 1…1440, "angle": 0…${OPEN_ANGLE}}]}, not ${quote(payload)}`;
  if (!o || typeof o.enabled !== 'boolean') return { ok: false, message: usage };
  const windows = o.windows ?? [];
  if (!Array.isArray(windows) || windows.length > 8) return { ok: false, message: usage };
  for (const w of windows) {
    const x = w as Record<string, unknown>;
    if (!x || typeof x.start !== 'string' || !HHMM.test(x.start) || !Number.isInteger(x.duration) || (x.duration as number) < 1 || (x.duration as number) > 1440 || typeof x.angle !== 'number' || !(x.angle >= 0 && x.angle <= OPEN_ANGLE)) {
      return { ok: false, message: usage };
    }
  }
  return { ok: true, command: { kind: 'schedule', enabled: o.enabled, windows: windows as Array<{ start: string; duration: number; angle: number }> } };
}

/** `set_sensor`: OFF, or JSON {"enabled": true, "threshold": number, "angle": 0–90}. */
export function parseSetSensor(payload: string): ParsedCommand {
  const p = payload.trim();
  if (p.toUpperCase() === 'OFF') return { ok: true, command: { kind: 'sensor', enabled: false, threshold: 0, angle: 0 } };
  const o = json(p);
  if (!o || typeof o.enabled !== 'boolean' || typeof o.threshold !== 'number' || !Number.isFinite(o.threshold) || typeof o.angle !== 'number' || !(o.angle >= 0 && o.angle <= OPEN_ANGLE)) {
    return { ok: false, message: `set_sensor takes OFF or JSON {"enabled": true, "threshold": number, "angle": 0…${OPEN_ANGLE}}, not ${quote(payload)}` };
  }
  return { ok: true, command: { kind: 'sensor', enabled: o.enabled, threshold: o.threshold, angle: o.angle } };
}

export function parseCommand(leaf: CommandLeaf, payload: string): ParsedCommand {
  switch (leaf) {
    case 'set':
      return parseSet(payload);
    case 'set_position':
      return parseSetPosition(payload);
    case 'set_schedule':
      return parseSetSchedule(payload);
    case 'set_sensor':
      return parseSetSensor(payload);
  }
}
