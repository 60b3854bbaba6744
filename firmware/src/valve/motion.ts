// Closed-loop motor control towards a target angle: slows down near it, stops within ±1°,
// reaches the end positions on their limit switches, waits a dead time before reversing, and
// judges stall, overcurrent and run time. Pure: time comes in as milliseconds. (A closure, not
// a class: its state lives in locals the minifier shortens, which keeps the bundle small.)
import {
  MOTOR_BRAKE, MOTOR_CLOSE, MOTOR_COAST, MOTOR_OPEN,
  ERR_LIMIT, ERR_MAX_RUN, ERR_OVERCURRENT, ERR_STALLED,
} from './types.js';
import type { Readings, ValveSettings } from './types.js';

/** Arrived when within this of a mid-travel target, degrees (so the reported whole degree is the target). */
const TOLERANCE = 0.4;
/** Duty falls linearly over this distance to the target, down to MIN_DUTY. */
const SLOW_ZONE = 15;
const MIN_DUTY = 0.35;
/** An end target is driven past its nominal angle until the switch engages... */
const END_PUSH = 2;
/** ...but a reading this far past the end without it means the switch failed. */
const END_OVERRUN = 1;
/** Progress the stall watch needs, degrees. */
const PROGRESS = 1;
/** Brake this long after stopping, then let the bridge coast (motor off). */
const BRAKE_MS = 200;

export const ARRIVED = 'arrived';

export interface Switches {
  open: boolean;
  close: boolean;
}

export interface Motion {
  /** Target angle, or -1 when not moving. */
  readonly target: number;
  /** What the bridge was last told (MOTOR_*). */
  readonly command: number;
  readonly moving: boolean;
  start(target: number, now: number): void;
  /** Stops now: brake, then coast after BRAKE_MS (see settle). */
  stop(now: number): void;
  /** Stopped: lets the brake go once it has held. */
  settle(now: number): void;
  /** One control period: ARRIVED, a fault text, or '' to keep going. The caller stops on anything but ''. */
  step(now: number, r: Readings, sw: Switches): string;
}

export function createMotion(s: ValveSettings, apply: (command: number, duty: number) => void): Motion {
  let target = -1;
  let command = MOTOR_COAST;
  let duty = 0;
  let startedAt = 0;
  let progressAngle = 0;
  let progressAt = 0;
  let overSince = -1;
  let overAngle = 0;
  let lastDir = 0;
  let stoppedAt = -1e9;

  function set(c: number, d: number): void {
    if (c === command && d === duty) return;
    command = c;
    duty = d;
    apply(c, d);
  }

  function brake(now: number): void {
    stoppedAt = now;
    set(MOTOR_BRAKE, 1);
  }

  function drive(dir: number, d: number, now: number): void {
    if (command !== dir) {
      progressAt = now;
      progressAngle = -100;
    }
    lastDir = dir;
    set(dir, d);
  }

  /** Faults of a driven motor: run time, overcurrent (or stall current), no progress. */
  function judge(now: number, r: Readings): string {
    if (now - startedAt > s.maxRunMs) return ERR_MAX_RUN;
    if (Math.abs(r.angle - progressAngle) >= PROGRESS) {
      progressAngle = r.angle;
      progressAt = now;
    }
    if (r.amps > s.currentLimitA) {
      if (overSince < 0) {
        overSince = now;
        overAngle = r.angle;
      }
      // Current over the limit with the shaft not turning is a stall, not an overload.
      if (now - overSince >= s.overcurrentMs) return Math.abs(r.angle - overAngle) < PROGRESS ? ERR_STALLED : ERR_OVERCURRENT;
    } else overSince = -1;
    return now - progressAt > s.stallMs ? ERR_STALLED : '';
  }

  function step(now: number, r: Readings, sw: Switches): string {
    const a = r.angle;
    const endOpen = target === 90 && s.limitOpen;
    const endClose = target === 0 && s.limitClose;
    if ((endOpen && sw.open) || (endClose && sw.close)) return ARRIVED;
    if ((endOpen && a > 90 + END_OVERRUN) || (endClose && a < -END_OVERRUN)) return ERR_LIMIT;
    const left = Math.abs(target - a);
    if (!endOpen && !endClose && left <= TOLERANCE) return ARRIVED;
    const dir = (endOpen ? 90 + END_PUSH : endClose ? -END_PUSH : target) > a ? MOTOR_OPEN : MOTOR_CLOSE;
    // A switch ends travel before a mid target: the caller judges it against the angle.
    if ((dir === MOTOR_OPEN && sw.open && s.limitOpen) || (dir === MOTOR_CLOSE && sw.close && s.limitClose)) return ARRIVED;
    if (command === -dir) {
      brake(now);
      return '';
    }
    if (command !== dir && lastDir === -dir && now - stoppedAt < s.deadTimeMs) {
      progressAt = now;
      return '';
    }
    const d = left / SLOW_ZONE;
    drive(dir, d > 1 ? 1 : d < MIN_DUTY ? MIN_DUTY : Math.round(d * 20) / 20, now);
    return judge(now, r);
  }

  return {
    get target() {
      return target;
    },
    get command() {
      return command;
    },
    get moving() {
      return target >= 0;
    },
    start(t, now) {
      target = t;
      startedAt = now;
      progressAt = now;
      progressAngle = -100;
      overSince = -1;
    },
    stop(now) {
      target = -1;
      if (command === MOTOR_OPEN || command === MOTOR_CLOSE) brake(now);
    },
    settle(now) {
      if (command === MOTOR_BRAKE && now - stoppedAt >= BRAKE_MS) set(MOTOR_COAST, 0);
    },
    step: step,
  };
}
