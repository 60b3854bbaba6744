// The host's link to one valve (the valve is the WebSocket server in its spec): connect,
// authenticate with the passkey, ask for the state, keep asking every few seconds (a valve that
// stops answering is dropped), and reconnect with exponential backoff and jitter. Commands run
// over the link and resolve when the valve reports it got there (MoveWatch), or reject with a
// ValveCommandError. The passkey never appears in a log line or an error.
import WebSocket from 'ws';
import {
  decodeValveDeviceMessage,
  encodeValveClientMessage,
  type ValveClientMessage,
  type ValveData,
  type ValveDeviceMessage,
} from '@espfleet/protocol/valve';
import type { Logger } from '../log.js';
import { ValveCommandError, type ValveCommand, type ValveSnapshot } from '../fleet/fleetEvents.js';
import { MoveWatch, atRest, isFault } from './valveMotion.js';

export interface ValveLinkOptions {
  valveId: number;
  deviceId: number;
  name: string;
  address: string;
  passkey: string;
  log: Logger;
  /** Every state the valve reports, and every change of the link. */
  onState(s: ValveSnapshot): void;
  /** The link came up (authenticated) or went down, with a reason. */
  onLink(up: boolean, reason: string): void;
  /** Each message the valve sent, decoded. */
  onMessage(m: ValveDeviceMessage): void;
  /** How often the state is asked for while the link is up (ms). */
  pollMs?: number;
  /** How long an answer may take (connect, passkey, state) before the link counts as down (ms). */
  answerMs?: number;
  backoff?: { firstMs: number; maxMs: number };
}

const OPEN_ANGLE = 90;
const STOP_POLLS = 20;

export class ValveLink {
  private ws: WebSocket | undefined;
  private up = false;
  private closed = false;
  private attempt = 0;
  private retry: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private answerDue: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(m: ValveDeviceMessage) => void>();
  private hardwareId: string | null = null;
  state: ValveSnapshot;

  constructor(private readonly o: ValveLinkOptions) {
    this.state = {
      valveId: o.valveId, deviceId: o.deviceId, name: o.name, address: o.address, online: false, angle: null, isOpen: false, isClosed: false,
      openLimit: false, closeLimit: false, motion: 'idle', targetAngle: null, currentA: null, fault: null, schedule: false, sensor: false, hardwareId: null,
      updatedAt: Date.now(),
    };
  }

  start(): void {
    this.connect();
  }

  get online(): boolean {
    return this.up;
  }

  private connect(): void {
    if (this.closed) return;
    const ws = new WebSocket(this.o.address, { handshakeTimeout: this.answerMs, perMessageDeflate: false });
    this.ws = ws;
    ws.on('open', () => {
      this.send({ event: 'request_device_info', passkey: this.o.passkey });
      // A valve ignores a wrong passkey: silence is the refusal.
      this.expectAnswer('no device_info: the passkey was not accepted');
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const r = decodeValveDeviceMessage(data.toString('utf8'));
      if (!r.ok) {
        this.o.log.warn({ valve: this.o.valveId, error: `${r.error.path} ${r.error.message}` }, 'valve sent a message its protocol refuses');
        return;
      }
      this.received(r.value);
    });
    ws.on('error', () => {
      // 'close' follows and says why.
    });
    ws.on('close', (code, reason) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.down(code === 1008 ? 'the valve refused the connection (too many wrong passkeys: it waits before accepting again)' : `connection closed (${code}${reason.length ? `: ${reason.toString()}` : ''})`);
    });
  }

  private get answerMs(): number {
    return this.o.answerMs ?? 5000;
  }

  private expectAnswer(why: string): void {
    clearTimeout(this.answerDue);
    this.answerDue = setTimeout(() => {
      this.o.log.warn({ valve: this.o.valveId, address: this.o.address }, `valve link: ${why}`);
      const ws = this.ws;
      this.ws = undefined;
      ws?.terminate();
      this.down(why);
    }, this.answerMs);
    this.answerDue.unref();
  }

  private received(m: ValveDeviceMessage): void {
    clearTimeout(this.answerDue);
    if (m.event === 'device_info') {
      this.hardwareId = m.device_id;
      if (!this.up) {
        this.up = true;
        this.attempt = 0;
        this.o.log.info({ valve: this.o.valveId, address: this.o.address }, 'valve link up');
        this.o.onLink(true, 'authenticated');
        this.askState();
        this.poll = setInterval(() => this.askState(), this.o.pollMs ?? 10_000);
        this.poll.unref();
      }
    } else if (m.event === 'valve_data') {
      this.apply(m);
    } else if (m.event === 'valve_error') {
      this.state = { ...this.state, fault: m.error, updatedAt: Date.now() };
      this.o.onState(this.state);
    }
    this.o.onMessage(m);
    for (const l of this.listeners) l(m);
  }

  private apply(d: ValveData): void {
    this.state = {
      ...this.state,
      online: true,
      angle: d.get_valvedata.angle,
      isOpen: d.get_valvedata.is_open,
      isClosed: d.get_valvedata.is_close,
      openLimit: d.get_limitdata.open_limit,
      closeLimit: d.get_limitdata.close_limit,
      motion: d.motion ?? 'idle',
      targetAngle: d.target_angle ?? null,
      currentA: d.current_a ?? null,
      fault: isFault(d.Error) ? d.Error : null,
      schedule: d.get_controller.schedule,
      sensor: d.get_controller.sensor,
      hardwareId: this.hardwareId,
      updatedAt: Date.now(),
    };
    this.o.onState(this.state);
  }

  private askState(): void {
    if (!this.up) return;
    this.send({ event: 'device_basic_info', data: { user_id: 'espfleet-host', device_id: this.hardwareId ?? '' } });
    this.expectAnswer('no valve_data: the valve stopped answering');
  }

  private down(reason: string): void {
    clearInterval(this.poll);
    clearTimeout(this.answerDue);
    const was = this.up;
    this.up = false;
    if (was || this.state.online) {
      this.state = { ...this.state, online: false, updatedAt: Date.now() };
      this.o.log.warn({ valve: this.o.valveId, address: this.o.address, reason }, 'valve link down');
      this.o.onLink(false, reason);
      this.o.onState(this.state);
    }
    if (this.closed) return;
    const b = this.o.backoff ?? { firstMs: 500, maxMs: 30_000 };
    const base = Math.min(b.maxMs, b.firstMs * 2 ** this.attempt++);
    // ±25 % jitter, so valves that went down together do not all come back at once.
    const wait = base * (0.75 + Math.random() * 0.5);
    this.retry = setTimeout(() => this.connect(), wait);
    this.retry.unref();
  }

  private send(m: ValveClientMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(encodeValveClientMessage(m));
  }

  /** Messages from now on until `done` returns true; rejects on timeout or when the link drops. */
  private watch<T>(timeoutMs: number, what: string, done: (m: ValveDeviceMessage) => T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      const finish = (e?: ValveCommandError, v?: T) => {
        clearTimeout(timer);
        clearInterval(offline);
        this.listeners.delete(listener);
        if (e) reject(e);
        else resolve(v as T);
      };
      const listener = (m: ValveDeviceMessage) => {
        try {
          const v = done(m);
          if (v !== undefined) finish(undefined, v);
        } catch (e) {
          finish(e as ValveCommandError);
        }
      };
      const timer = setTimeout(() => finish(new ValveCommandError('timeout', `${this.o.name}: ${what} within ${timeoutMs / 1000} s`, this.state)), timeoutMs);
      const offline = setInterval(() => {
        if (!this.up) finish(new ValveCommandError('offline', `${this.o.name} went offline during the command`, this.state));
      }, 100);
      this.listeners.add(listener);
    });
  }

  async command(c: ValveCommand, timeoutMs: number): Promise<ValveSnapshot> {
    if (!this.up) throw new ValveCommandError('offline', `${this.o.name} is offline (${this.o.address})`, this.state);
    const device = this.hardwareId ?? '';
    switch (c.kind) {
      case 'angle':
      case 'open':
      case 'close': {
        const target = c.kind === 'angle' ? c.angle : c.kind === 'open' ? OPEN_ANGLE : 0;
        if (!Number.isFinite(target) || target < 0 || target > OPEN_ANGLE) throw new ValveCommandError('invalid', `angle must be 0…${OPEN_ANGLE}°, not ${target}`);
        const w = new MoveWatch(target);
        const moved = this.watch(timeoutMs, `did not reach ${target}°`, (m) => {
          const r = w.feed(m);
          if (!r.done) return undefined;
          if (r.ok) return this.state;
          throw new ValveCommandError('fault', `${this.o.name}: ${r.error}`, this.state);
        });
        this.send({ event: 'set_valve_basic', valve_data: { set_angle: true, angle: target } });
        // A fresh state even when the valve is already there.
        this.send({ event: 'device_basic_info', data: { user_id: 'espfleet-host', device_id: device } });
        return moved;
      }
      case 'stop': {
        this.send({ event: 'set_valve_stop' });
        for (let i = 0; i < STOP_POLLS; i++) {
          const d = await this.stateNow(timeoutMs);
          if (atRest(d)) return this.state;
        }
        throw new ValveCommandError('fault', `${this.o.name} still reports motion after the stop`, this.state);
      }
      case 'schedule':
      case 'sensor': {
        if (c.kind === 'schedule') this.send({ event: 'set_valve_schedule', schedule_data: { enabled: c.enabled, windows: c.windows ?? [] } });
        else this.send({ event: 'set_valve_sensor', sensor_data: { enabled: c.enabled, threshold: c.threshold ?? 0, angle: c.angle ?? 0 } });
        const d = await this.stateNow(timeoutMs);
        const got = c.kind === 'schedule' ? d.get_controller.schedule : d.get_controller.sensor;
        if (got !== c.enabled) throw new ValveCommandError('fault', `${this.o.name} reports ${c.kind} control ${got ? 'on' : 'off'} after it was switched ${c.enabled ? 'on' : 'off'}`, this.state);
        return this.state;
      }
    }
  }

  /** Asks for the state and resolves with the answer. */
  private stateNow(timeoutMs: number): Promise<ValveData> {
    const answer = this.watch(timeoutMs, 'no state', (m) => {
      if (m.event === 'valve_error') throw new ValveCommandError('fault', `${this.o.name}: ${m.error}`, this.state);
      return m.event === 'valve_data' ? m : undefined;
    });
    this.send({ event: 'device_basic_info', data: { user_id: 'espfleet-host', device_id: this.hardwareId ?? '' } });
    return answer;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    clearInterval(this.poll);
    clearTimeout(this.answerDue);
    const ws = this.ws;
    this.ws = undefined;
    ws?.close(1000, 'host closing');
    this.up = false;
  }
}
