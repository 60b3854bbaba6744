// The valve application as a state machine: fed client messages, control ticks with sensor
// readings and limit-switch edges; answers with motor commands, messages to clients, Storage
// writes and restarts through ValveEffects. No Espruino globals: tested directly in Node.
// (A closure, not a class: its state lives in locals the minifier shortens.)
import { ERR_NONE, ERR_LIMIT, ERR_CURRENT_SENSOR, ERR_INTERRUPTED, MOTOR_COAST, MOTOR_OPEN, MOTOR_CLOSE } from './types.js';
import type { Readings, ValveCodec, ValveEffects, ValveMemory, ValveSettings } from './types.js';
import { ARRIVED, createMotion } from './motion.js';
import { desiredAngle } from './modes.js';
import { createReport } from './report.js';
import { createGuesses, passkeyMatches } from './passkey.js';
import { formatLocalTime, minuteOfDay } from './localTime.js';
import { scheduleWindows, wifiProblem } from './commands.js';

export const MOVING_TICK_MS = 25;
export const IDLE_TICK_MS = 500;
/** valve_data at most this often while moving. */
export const BROADCAST_MS = 250;
/** Close code for a connection that used up its passkey attempts (policy violation). */
export const CLOSE_LOCKED = 1008;
export const LOCKED_REASON = 'Too many wrong passkeys';
/** More debounced edges than this within CHATTER_MS on one switch: it chatters. */
const CHATTER_EDGES = 8;
const CHATTER_MS = 1000;
/** The reported integer angle moves only when the reading is this far from it. */
const REPORT_HYSTERESIS = 0.7;
/** A limit switch engaged this far from its end disagrees with the angle. */
const SWITCH_SPAN = 10;
/** A gap in wall time larger than this is a clock change (SNTP), not elapsed time. */
const MAX_STEP_MS = 60000;

/** A connected WebSocket client and whether it has given the passkey. */
interface Peer {
  id: number;
  address: string;
  authorised: boolean;
}

export interface ValveMachine {
  /** How soon the wiring should tick again. */
  readonly tickMs: number;
  open(peer: number, address: string, now: number): void;
  closed(peer: number): void;
  message(peer: number, text: string, now: number): void;
  /** A control period with fresh readings (read them, do not keep the object). */
  tick(now: number, r: Readings): void;
  /** A debounced limit-switch edge. */
  limit(openSwitch: boolean, engaged: boolean, now: number): void;
}

export function createValveMachine(s: ValveSettings, memory: ValveMemory, codec: ValveCodec, fx: ValveEffects, now: number): ValveMachine {
  const motion = createMotion(s, (c, d) => fx.motor(c, d));
  const report = createReport(s.deviceId, s.limitOpen, s.limitClose);
  const peers: Peer[] = [];
  const guesses = createGuesses();
  const sw = { open: false, close: false };
  const r: Readings = { angle: memory.angle, amps: 0, inaOk: true, sensor: 0, rssi: undefined };
  const sensorOpen = { now: false };
  let error = memory.moving ? ERR_INTERRUPTED : memory.error;
  let wall = now;
  /** Milliseconds since boot, immune to clock changes. */
  let uptime = 0;
  /** Last target schedule or sensor control asked for. */
  let autoTarget = -1;
  let dirty = true;
  /** Report the angle as read, without hysteresis, at the next refresh (on arrival). */
  let snap = true;
  let lastBroadcast = -1e9;
  /** Debounced edges of the open [0] and close [1] switches in the current window, and its start. */
  const edges = [0, 0];
  const edgesSince = [0, 0];
  let shownAngle = 0;

  function time(t: number): number {
    const step = t - wall;
    if (step > 0 && step < MAX_STEP_MS) uptime += step;
    wall = t;
    return uptime;
  }

  function timestamp(): string {
    return formatLocalTime(wall, s.tzOffsetMin);
  }

  function remember(): void {
    memory.angle = Math.round(r.angle * 10) / 10;
    memory.error = error;
    fx.remember(memory);
  }

  function atRest(): void {
    memory.moving = false;
    remember();
  }

  function errorMessage(e: string): string {
    return codec.encode({ event: 'valve_error', timestamp: timestamp(), device_id: s.deviceId, error: e });
  }

  function broadcast(text: string): void {
    for (let i = 0; i < peers.length; i++) if (peers[i].authorised) fx.send(peers[i].id, text);
  }

  function peer(id: number): number {
    for (let i = 0; i < peers.length; i++) if (peers[i].id === id) return i;
    return -1;
  }

  function refresh(): void {
    const a = r.angle;
    if (snap || Math.abs(a - shownAngle) > REPORT_HYSTERESIS) shownAngle = a < 0 ? 0 : a > 90 ? 90 : Math.round(a);
    snap = false;
    const mo = motion.command === MOTOR_OPEN ? 'opening' : motion.command === MOTOR_CLOSE ? 'closing' : 'idle';
    if (report.update(shownAngle, memory.schedule.enabled, memory.sensor.enabled, sw.open, sw.close, error, mo, motion.target)) dirty = true;
  }

  function stateMessage(t: number): string {
    refresh();
    return codec.encode(report.stamp(timestamp(), Math.floor(t / 1000), r.rssi, r.inaOk ? r.amps : undefined));
  }

  /** valve_data to every authorised client on a change, at most every BROADCAST_MS while moving. */
  function publish(t: number): void {
    refresh();
    if (!dirty || (motion.moving && t - lastBroadcast < BROADCAST_MS)) return;
    dirty = false;
    lastBroadcast = t;
    // Encoded only when someone listens.
    for (let i = 0; i < peers.length; i++) if (peers[i].authorised) return void broadcast(stateMessage(t));
  }

  /** Motor off, the fault latched (and written to flash once), told to every authorised client. */
  function fault(e: string, t: number): void {
    if (e === error && !motion.moving) return;
    motion.stop(t);
    error = e;
    atRest();
    fx.log('fault: ' + e);
    broadcast(errorMessage(e));
  }

  function sensorFault(): string {
    if (!r.inaOk) return ERR_CURRENT_SENSOR;
    const o = sw.open && s.limitOpen;
    const c = sw.close && s.limitClose;
    return (o && c) || (o && r.angle < 90 - SWITCH_SPAN) || (c && r.angle > SWITCH_SPAN) ? ERR_LIMIT : '';
  }

  function arrived(t: number): void {
    motion.stop(t);
    snap = true;
    if (error === ERR_INTERRUPTED) error = ERR_NONE;
    atRest();
  }

  /** Faults the sensors show, then one motor control step. */
  function control(t: number): void {
    const f = sensorFault();
    if (f && (motion.moving || error === ERR_NONE || error === ERR_INTERRUPTED)) fault(f, t);
    if (!motion.moving) return motion.settle(t);
    const res = motion.step(t, r, sw);
    if (res === ARRIVED) arrived(t);
    else if (res) fault(res, t);
  }

  /** Starts a move; a client's command clears the latched fault, automatic control does not. */
  function move(target: number, t: number, clearFault: boolean): void {
    if (clearFault) error = ERR_NONE;
    motion.start(target, t);
    memory.moving = true;
    remember();
    control(t);
  }

  function halt(t: number): void {
    motion.stop(t);
    atRest();
  }

  /** Schedule or sensor control: move when the angle they ask for changes. */
  function auto(t: number): void {
    if (error !== ERR_NONE && error !== ERR_INTERRUPTED) return;
    const d = desiredAngle(memory, minuteOfDay(wall, s.tzOffsetMin), r.sensor, sensorOpen);
    if (d < 0 || d === autoTarget) return;
    autoTarget = d;
    move(d, t, false);
  }

  /** Counts a switch's edges per CHATTER_MS window; too many and it chatters. */
  function chattering(which: number, t: number): boolean {
    if (t - edgesSince[which] > CHATTER_MS) {
      edgesSince[which] = t;
      edges[which] = 0;
    }
    return ++edges[which] > CHATTER_EDGES;
  }

  function authenticate(p: Peer, passkey: string, t: number): void {
    if (guesses.locked(p.address, t)) return fx.close(p.id, CLOSE_LOCKED, LOCKED_REASON);
    if (passkeyMatches(passkey, s.passkey)) {
      p.authorised = true;
      guesses.right(p.address);
      fx.send(p.id, codec.encode({ event: 'device_info', timestamp: timestamp(), device_id: s.deviceId }));
      return;
    }
    p.authorised = false;
    fx.log('peer ' + p.id + ': wrong passkey');
    if (guesses.wrong(p.address, t)) fx.close(p.id, CLOSE_LOCKED, LOCKED_REASON);
  }

  function modesOff(): void {
    memory.schedule.enabled = false;
    memory.sensor.enabled = false;
    autoTarget = -1;
  }

  /** One automatic mode at a time; enabling it is a new command, so it clears a latched fault. */
  function automatic(t: number): void {
    error = ERR_NONE;
    autoTarget = -1;
    halt(t);
  }

  /** A mode was set: enabled, it switches the other mode off and takes over; else it is only remembered. */
  function setMode(enabled: boolean, other: { enabled: boolean }, t: number): void {
    if (!enabled) return remember();
    other.enabled = false;
    automatic(t);
  }

  function setWifi(p: Peer, w: { ssid: string; password: string }, t: number): void {
    const why = wifiProblem(w.ssid, w.password);
    if (why) return fx.send(p.id, errorMessage(why));
    if (w.ssid === s.wifiSsid && w.password === s.wifiPassword) return fx.log('WiFi unchanged');
    halt(t);
    fx.saveWifi(w.ssid, w.password);
    fx.restart();
  }

  /** An authorised client's command. set_valve_basic switches both modes off, as the spec says. */
  function command(p: Peer, m: any, t: number): void {
    const e = m.event;
    if (e === 'device_basic_info') {
      if (m.data.device_id === s.deviceId) fx.send(p.id, stateMessage(t));
      else fx.send(p.id, errorMessage('Unknown device_id: ' + m.data.device_id));
    } else if (e === 'set_valve_basic') {
      modesOff();
      if (m.valve_data.set_angle) move(m.valve_data.angle, t, true);
      else remember();
    } else if (e === 'set_valve_stop') {
      modesOff();
      halt(t);
    } else if (e === 'set_valve_schedule') {
      const d = m.schedule_data;
      memory.schedule = { enabled: d.enabled, windows: scheduleWindows(d.windows) };
      setMode(d.enabled, memory.sensor, t);
    } else if (e === 'set_valve_sensor') {
      const d = m.sensor_data;
      memory.sensor = { enabled: d.enabled, threshold: d.threshold, angle: d.angle };
      setMode(d.enabled, memory.schedule, t);
    } else if (e === 'set_valve_wifi') setWifi(p, m.wifi_data, t);
  }

  if (memory.moving) atRest();

  return {
    get tickMs() {
      return motion.moving || motion.command !== MOTOR_COAST ? MOVING_TICK_MS : IDLE_TICK_MS;
    },
    open(peer, address, n) {
      if (guesses.locked(address, time(n))) return fx.close(peer, CLOSE_LOCKED, LOCKED_REASON);
      peers.push({ id: peer, address: address, authorised: false });
    },
    closed(id) {
      const i = peer(id);
      if (i >= 0) peers.splice(i, 1);
    },
    message(id, text, n) {
      const t = time(n);
      const i = peer(id);
      if (i < 0) return;
      const p = peers[i];
      const res = codec.decode(text);
      if (!res.ok) {
        const why = res.error!.path ? res.error!.path + ' ' + res.error!.message : res.error!.message;
        fx.log('peer ' + id + ': ' + why);
        if (p.authorised) fx.send(id, errorMessage(why));
      } else if (res.value.event === 'request_device_info') authenticate(p, res.value.passkey, t);
      else if (!p.authorised) fx.log('peer ' + id + ' not authorised: ' + res.value.event);
      else command(p, res.value, t);
      publish(t);
    },
    tick(n, fresh) {
      const t = time(n);
      // Every field is copied (Readings has no optional keys; rssi is present as undefined).
      Object.assign(r, fresh);
      control(t);
      auto(t);
      publish(t);
    },
    limit(openSwitch, engaged, n) {
      const t = time(n);
      if (openSwitch) sw.open = engaged;
      else sw.close = engaged;
      if (chattering(openSwitch ? 0 : 1, t)) fault(ERR_LIMIT, t);
      control(t);
      publish(t);
    },
  };
}
