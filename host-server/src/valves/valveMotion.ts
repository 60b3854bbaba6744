// What a valve reports, judged: which Error strings are faults, and how a move ends. Pure; shared by
// the host's valve link and the CLI's `espfleet valve`.
import type { ValveData, ValveDeviceMessage } from '@espfleet/protocol/valve';

/** The device's "no fault" value, and advisories that are not faults (the firmware's own). */
const NOT_FAULTS = ['No Error', 'Move interrupted by restart'];

export function isFault(error: string): boolean {
  return !NOT_FAULTS.includes(error);
}

/** The device stops a mid-travel move within ±1° of its target (the spec's tolerance). */
export const ARRIVAL_TOLERANCE = 1;

export function atRest(d: ValveData): boolean {
  return (d.motion ?? 'idle') === 'idle' && d.target_angle === undefined;
}

export type MoveOutcome =
  | { done: false }
  | { done: true; ok: true; state: ValveData }
  | { done: true; ok: false; error: string; state?: ValveData };

/**
 * Follows a move from the messages that arrive after the command was sent. A valve_data sent
 * just before the device read the command can still be on its way, so a valve at rest short
 * of the target counts only once the move has been seen under way; faults come as valve_error.
 */
export class MoveWatch {
  private seenMoving = false;
  last: ValveData | undefined;

  constructor(readonly target: number) {}

  feed(m: ValveDeviceMessage): MoveOutcome {
    if (m.event === 'valve_error') return { done: true, ok: false, error: m.error, state: this.last };
    if (m.event !== 'valve_data') return { done: false };
    this.last = m;
    if (!atRest(m)) {
      this.seenMoving = true;
      return { done: false };
    }
    const angle = m.get_valvedata.angle;
    if (Math.abs(angle - this.target) <= ARRIVAL_TOLERANCE && !(this.seenMoving && isFault(m.Error))) {
      return { done: true, ok: true, state: m };
    }
    if (!this.seenMoving) return { done: false };
    if (isFault(m.Error)) return { done: true, ok: false, error: m.Error, state: m };
    return { done: true, ok: false, error: `stopped at ${angle}° short of ${this.target}° (stopped by another client, or by schedule or sensor control)`, state: m };
  }
}
