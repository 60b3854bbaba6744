// A valve machine on a test bench: the Node build of the protocol codec, a recorder for what
// it asks of the world, and a simple shaft whose angle follows the motor command.
import { decodeValveClientMessage, decodeValveDeviceMessage, encodeValveDeviceMessage } from '@espfleet/protocol/valve';
import type { ValveDeviceMessage } from '@espfleet/protocol/valve';
import { createValveMachine } from '../../src/valve/machine.js';
import type { ValveMachine } from '../../src/valve/machine.js';
import { valveMemory, valveSettings } from '../../src/valve/settings.js';
import { MOTOR_BRAKE, MOTOR_CLOSE, MOTOR_COAST, MOTOR_OPEN } from '../../src/valve/types.js';
import type { Readings, ValveMemory, ValveSettings } from '../../src/valve/types.js';

export const START = Date.UTC(2026, 0, 1, 8, 0, 0);
export const PASSKEY = 'open-sesame';

export interface Sent {
  peer: number;
  msg: ValveDeviceMessage & Record<string, any>;
}

export class Bench {
  readonly m: ValveMachine;
  readonly s: ValveSettings;
  now: number;
  angle: number;
  /** Degrees per second at full duty. */
  speed = 15;
  amps = 0.4;
  inaOk = true;
  sensor = 50;
  rssi: number | undefined = -60;
  /** The shaft cannot pass this angle (a jam); undefined: free. */
  jamAt: number | undefined;
  /** Switch levels forced by a test; undefined follows the shaft. */
  stuckOpen: boolean | undefined;
  stuckClose: boolean | undefined;
  readonly sent: Sent[] = [];
  readonly motor: Array<{ t: number; command: number; duty: number }> = [];
  readonly closes: Array<{ peer: number; code: number; reason: string }> = [];
  readonly memories: ValveMemory[] = [];
  readonly wifi: Array<{ ssid: string; password: string }> = [];
  readonly logs: string[] = [];
  restarts = 0;
  command = MOTOR_COAST;
  duty = 0;
  private sw = { open: false, close: false };
  private readonly r: Readings = { angle: 0, amps: 0, inaOk: true, sensor: 0, rssi: undefined };

  constructor(o: { angle?: number; config?: Record<string, any>; memory?: Record<string, any>; now?: number } = {}) {
    this.now = o.now ?? START;
    this.angle = o.angle ?? 0;
    this.s = valveSettings({ device_id: 'valve-7', passkey: PASSKEY, wifi: { ssid: 'home', password: 'home-pass' }, ...o.config });
    const memory = valveMemory({ angle: this.angle, ...o.memory });
    const codec = {
      decode: (t: string) => decodeValveClientMessage(t, { maxBytes: 2048 }),
      encode: (m: object) => encodeValveDeviceMessage(m as ValveDeviceMessage),
    };
    this.m = createValveMachine(this.s, memory, codec, {
      motor: (command, duty) => {
        this.command = command;
        this.duty = duty;
        this.motor.push({ t: this.now, command, duty });
      },
      send: (peer, text) => {
        const d = decodeValveDeviceMessage(text);
        if (!d.ok) throw new Error(`the machine sent an invalid message: ${d.error.path} ${d.error.message}: ${text}`);
        this.sent.push({ peer, msg: d.value as Sent['msg'] });
      },
      close: (peer, code, reason) => this.closes.push({ peer, code, reason }),
      remember: (m) => this.memories.push(JSON.parse(JSON.stringify(m))),
      saveWifi: (ssid, password) => this.wifi.push({ ssid, password }),
      restart: () => this.restarts++,
      log: (t) => this.logs.push(t),
    }, this.now);
    this.tick(0);
  }

  /** Connects a client; with `auth` it also gives the right passkey. */
  connect(peer: number, auth = true, address = ''): number {
    this.m.open(peer, address, this.now);
    if (auth) this.send(peer, { event: 'request_device_info', passkey: PASSKEY });
    return peer;
  }

  send(peer: number, msg: unknown): void {
    this.m.message(peer, typeof msg === 'string' ? msg : JSON.stringify(msg), this.now);
  }

  /** Runs the control loop for `ms`, the shaft following the motor, at the machine's own pace. */
  run(ms: number): void {
    const end = this.now + ms;
    while (this.now < end) {
      const dt = Math.min(this.m.tickMs, end - this.now);
      this.tick(dt);
    }
  }

  tick(dt: number): void {
    this.now += dt;
    const driving = this.command === MOTOR_OPEN || this.command === MOTOR_CLOSE;
    const free = this.angle + (driving ? this.command * this.speed * this.duty * (dt / 1000) : 0);
    let next = free;
    if (this.jamAt !== undefined) next = this.angle <= this.jamAt ? Math.min(next, this.jamAt) : Math.max(next, this.jamAt);
    next = Math.min(91.5, Math.max(-1.5, next));
    const blocked = driving && next !== free;
    this.angle = next;
    this.switches();
    const r = this.r;
    r.angle = this.angle;
    r.amps = !driving ? 0 : blocked ? 3 * this.duty : this.amps;
    r.inaOk = this.inaOk;
    r.sensor = this.sensor;
    r.rssi = this.rssi;
    this.m.tick(this.now, r);
  }

  private switches(): void {
    const open = this.stuckOpen ?? this.angle >= 89.7;
    const close = this.stuckClose ?? this.angle <= 0.3;
    if (open !== this.sw.open) {
      this.sw.open = open;
      this.m.limit(true, open, this.now);
    }
    if (close !== this.sw.close) {
      this.sw.close = close;
      this.m.limit(false, close, this.now);
    }
  }

  /** Asks for the state as the spec does (device_basic_info) and returns the answer. */
  state(peer: number): Sent['msg'] {
    this.send(peer, { event: 'device_basic_info', data: { user_id: '123', device_id: 'valve-7' } });
    return this.last(peer, 'valve_data');
  }

  /** Messages sent to `peer` (all when omitted), of one event. */
  to(peer: number | undefined, event: string): Sent['msg'][] {
    return this.sent.filter((s) => (peer === undefined || s.peer === peer) && s.msg.event === event).map((s) => s.msg);
  }

  last(peer: number, event: string): Sent['msg'] {
    const l = this.to(peer, event);
    if (!l.length) throw new Error(`no ${event} sent to ${peer}`);
    return l[l.length - 1]!;
  }

  get motorOff(): boolean {
    return this.command === MOTOR_COAST;
  }

  get braking(): boolean {
    return this.command === MOTOR_BRAKE;
  }
}
