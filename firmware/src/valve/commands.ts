// Checks and conversions for the commands' payloads beyond what the codec checks.
import type { ScheduleWindow } from './types.js';
import { parseHourMinute } from './localTime.js';

/** WiFi limits of the ESP32 (802.11 SSID bytes; WPA2 passphrase, or an open network). */
const MAX_SSID = 32;
const MIN_PASSWORD = 8;
const MAX_PASSWORD = 64;

/** Why the credentials cannot be used, or ''. */
export function wifiProblem(ssid: string, password: string): string {
  if (ssid.length > MAX_SSID) return 'SSID longer than ' + MAX_SSID + ' bytes';
  if (password.length > 0 && (password.length < MIN_PASSWORD || password.length > MAX_PASSWORD)) {
    return 'WiFi password must be empty or ' + MIN_PASSWORD + ' to ' + MAX_PASSWORD + ' characters';
  }
  return '';
}

/** The codec's windows ("HH:MM" starts) as minutes after midnight. */
export function scheduleWindows(list: Array<{ start: string; duration: number; angle: number }>): ScheduleWindow[] {
  const out: ScheduleWindow[] = [];
  for (let i = 0; i < list.length; i++) {
    const w = list[i];
    out.push({ start: parseHourMinute(w.start), duration: w.duration, angle: w.angle });
  }
  return out;
}
