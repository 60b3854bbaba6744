// The status LED's patterns as on/off times, ms: what a person at the station can read off it.
import type { LedPattern } from './machine.js';

/** [on, off] times; off 0 = steady on, on 0 = dark. */
export function ledTimes(p: LedPattern): number[] {
  switch (p) {
    case 'charging':
      return [1, 0];
    case 'offline':
      return [100, 1900];
    case 'error':
      return [250, 250];
    case 'fault':
      return [100, 100];
    case 'emergency':
      return [50, 50];
    default:
      return [0, 1];
  }
}
