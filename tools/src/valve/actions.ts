// What each `espfleet valve` action does over an authenticated connection. The command file
// parses words and options; these functions talk to the valve and report through callbacks.
import type { ValveData, ValveDeviceMessage, SetValveSchedule, SetValveSensor } from '@espfleet/protocol/valve';
import type { ValveConnection } from './client.js';
import { ValveError } from './errors.js';
import { MoveWatch, atRest } from '@espfleet/host-server';

export interface MoveReport {
  /** Each state while the valve moves (first: the state before the command). */
  state(d: ValveData): void;
}

/** Moves to `target` and resolves with the state at rest there; a fault rejects with it. */
export async function moveTo(c: ValveConnection, target: number, timeoutMs: number, report: MoveReport): Promise<ValveData> {
  report.state(await c.status());
  c.send({ event: 'set_valve_basic', valve_data: { set_angle: true, angle: target } });
  // A fresh valve_data even when the command changes nothing (already at the target).
  c.send({ event: 'device_basic_info', data: { user_id: 'espfleet-cli', device_id: c.deviceId } });
  const watch = new MoveWatch(target);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let m: ValveDeviceMessage;
    try {
      m = await c.next(Math.max(0, deadline - Date.now()), `valve_data at ${target}°`);
    } catch (e) {
      if (e instanceof ValveError && e.kind === 'timeout') {
        const at = watch.last ? ` (last reported ${watch.last.get_valvedata.angle}°)` : '';
        throw new ValveError('timeout', `the valve did not reach ${target}° within ${timeoutMs / 1000} s${at}`);
      }
      throw e;
    }
    if (m.event === 'valve_data') report.state(m);
    const r = watch.feed(m);
    if (!r.done) continue;
    if (r.ok) return r.state;
    throw new ValveError('fault', `the valve reports a fault moving to ${target}°: ${r.error}`, r.error);
  }
}

/**
 * Stops the motor where it is; resolves with the first state at rest. States the valve sent
 * while it was still moving (broadcast before it read the stop) are passed over.
 */
export async function stop(c: ValveConnection): Promise<ValveData> {
  c.send({ event: 'set_valve_stop' });
  let d = await c.status();
  for (let i = 0; i < STOP_POLLS && !atRest(d); i++) d = await c.status();
  if (!atRest(d)) throw new ValveError('fault', `the valve still reports ${d.motion ?? 'motion'} after the stop`);
  return d;
}

/** How many further states `stop` reads before it gives up on seeing the valve at rest. */
const STOP_POLLS = 20;

/** Sets schedule or sensor mode and checks the valve reports the mode as asked. */
export async function setMode(c: ValveConnection, m: SetValveSchedule | SetValveSensor): Promise<ValveData> {
  c.send(m);
  const d = await c.status();
  const [name, wanted, got] =
    m.event === 'set_valve_schedule'
      ? ['schedule', m.schedule_data.enabled, d.get_controller.schedule]
      : ['sensor', m.sensor_data.enabled, d.get_controller.sensor];
  if (wanted !== got) throw new ValveError('fault', `the valve reports ${name} control ${got ? 'on' : 'off'} after it was switched ${wanted ? 'on' : 'off'}`);
  return d;
}

export type WifiOutcome = 'restarting' | 'unchanged';

/**
 * New WiFi credentials. The valve saves changed ones and restarts (the connection drops),
 * keeps the connection when they are the same, and answers bad ones with valve_error.
 */
export async function setWifi(c: ValveConnection, ssid: string, password: string, waitMs: number): Promise<WifiOutcome> {
  c.send({ event: 'set_valve_wifi', wifi_data: { ssid, password } });
  const deadline = Date.now() + waitMs;
  for (;;) {
    let m: ValveDeviceMessage;
    try {
      m = await c.next(Math.max(0, deadline - Date.now()), 'restart');
    } catch (e) {
      if (e instanceof ValveError && e.kind === 'timeout') return 'unchanged';
      if (e instanceof ValveError && e.kind === 'unreachable') return 'restarting';
      throw e;
    }
    if (m.event === 'valve_error') throw new ValveError('fault', `the valve refused the WiFi settings: ${m.error}`, m.error);
  }
}
