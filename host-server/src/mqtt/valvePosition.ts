// A valve's angle (0° closed … 90° open) as Home Assistant's position percent and back.

export const OPEN_ANGLE = 90;

export function angleToPercent(angle: number): number {
  return Math.min(100, Math.max(0, Math.round((angle / OPEN_ANGLE) * 100)));
}

/** Tenths of a degree: finer than the valve stops (±1°), and the number stays short. */
export function percentToAngle(percent: number): number {
  return Math.round((percent / 100) * OPEN_ANGLE * 10) / 10;
}
