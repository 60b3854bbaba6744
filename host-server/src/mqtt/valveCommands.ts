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

export function parseCommand(leaf: CommandLeaf, payload: string): ParsedCommand {
  return leaf === 'set' ? parseSet(payload) : parseSetPosition(payload);
}
