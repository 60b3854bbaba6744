// The words a technician types after `espfleet valve`, checked and turned into the protocol's
// messages before anything is sent. Pure: every mistake is a UsageError naming the word.
import type { SetValveSchedule, SetValveSensor } from '@espfleet/protocol/valve';
import { UsageError } from '../command.js';

/** A whole angle in degrees, 0 (closed) to 90 (open). */
export function parseAngle(word: string | undefined, what = 'angle'): number {
  if (word === undefined) throw new UsageError(`give the ${what} in degrees, 0 (closed) to 90 (open)`);
  const n = Number(word);
  if (word.trim() === '' || !Number.isInteger(n) || n < 0 || n > 90) {
    throw new UsageError(`${what} "${word}" must be a whole number of degrees from 0 (closed) to 90 (open)`);
  }
  return n;
}

const WINDOW = /^(\d{1,2}):(\d{2})\+(\d+)@(\d+)$/;
/** Windows the protocol allows in one schedule. */
export const MAX_WINDOWS = 8;

/** `06:30+20@90`: from 06:30 device time, for 20 minutes, open to 90°. */
export function parseWindow(word: string): SetValveSchedule['schedule_data']['windows'][number] {
  const m = WINDOW.exec(word);
  if (!m) throw new UsageError(`schedule window "${word}" must look like HH:MM+MINUTES@ANGLE, e.g. 06:30+20@90`);
  const [hh, mm, minutes] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (hh > 23 || mm > 59) throw new UsageError(`schedule window "${word}": ${m[1]}:${m[2]} is not a time of day`);
  if (minutes < 1 || minutes > 1440) throw new UsageError(`schedule window "${word}": the duration must be 1 to 1440 minutes`);
  return { start: `${String(hh).padStart(2, '0')}:${m[2]}`, duration: minutes, angle: parseAngle(m[4], `schedule window "${word}" angle`) };
}

/** `schedule off`, or `schedule WINDOW…` to switch schedule mode on with those windows. */
export function parseSchedule(words: string[]): SetValveSchedule {
  if (words.length === 0) throw new UsageError('give schedule windows (HH:MM+MINUTES@ANGLE, e.g. 06:30+20@90) or "off"');
  if (words.length === 1 && words[0] === 'off') return { event: 'set_valve_schedule', schedule_data: { enabled: false, windows: [] } };
  if (words.length > MAX_WINDOWS) throw new UsageError(`a schedule has at most ${MAX_WINDOWS} windows`);
  return { event: 'set_valve_schedule', schedule_data: { enabled: true, windows: words.map(parseWindow) } };
}

/** `sensor off`, or `sensor THRESHOLD@ANGLE`: open to ANGLE while the reading is below THRESHOLD. */
export function parseSensor(words: string[]): SetValveSensor {
  if (words.length === 1 && words[0] === 'off') return { event: 'set_valve_sensor', sensor_data: { enabled: false, threshold: 0, angle: 0 } };
  const [spec, ...extra] = words;
  const at = spec?.lastIndexOf('@') ?? -1;
  if (!spec || extra.length || at <= 0) throw new UsageError('give THRESHOLD@ANGLE (e.g. 30.5@60: open to 60° while the reading is below 30.5) or "off"');
  const threshold = Number(spec.slice(0, at));
  if (!Number.isFinite(threshold)) throw new UsageError(`sensor threshold "${spec.slice(0, at)}" is not a number`);
  return { event: 'set_valve_sensor', sensor_data: { enabled: true, threshold, angle: parseAngle(spec.slice(at + 1), 'sensor angle') } };
}

/** --timeout in seconds (fractions allowed), as milliseconds. */
export function parseTimeout(v: unknown): number {
  const s = Number(v);
  if (!(s > 0 && s <= 3600)) throw new UsageError('--timeout must be a number of seconds from 0 to 3600');
  return Math.round(s * 1000);
}
