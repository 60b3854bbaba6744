// Schedule and sensor control: which angle the valve should be at now, or -1 when neither
// mode is on. Pure: the local minute of day and the sensor reading come in. The modes live in
// the remembered state, so they survive a reboot.
import type { ValveMemory } from './types.js';

/** Sensor mode opens below the threshold and closes again only this far above it. */
export const SENSOR_HYSTERESIS = 1;

/** The angle schedule or sensor control asks for, or -1. `open` carries the sensor's hysteresis. */
export function desiredAngle(m: ValveMemory, minute: number, reading: number, open: { now: boolean }): number {
  if (m.schedule.enabled) return scheduled(m, minute);
  const s = m.sensor;
  if (!s.enabled) return -1;
  if (reading < s.threshold) open.now = true;
  else if (reading >= s.threshold + SENSOR_HYSTERESIS) open.now = false;
  return open.now ? s.angle : 0;
}

function scheduled(m: ValveMemory, minute: number): number {
  const w = m.schedule.windows;
  for (let i = 0; i < w.length; i++) {
    if ((minute - w[i].start + 1440) % 1440 < w[i].duration) return w[i].angle;
  }
  return 0;
}
