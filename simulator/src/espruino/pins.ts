// GPIO for a simulated ESP32: what the firmware drives (digital levels, PWM duty) and what
// the outside world drives (switch contacts, ADC voltages), plus setWatch with Espruino's
// edge, debounce and repeat semantics.
import { EventEmitter } from 'node:events';
import type { DeviceHost } from './host.js';
import { NotSupportedError } from './host.js';

export const PIN_COUNT = 40;

export type PinModeName =
  | 'analog'
  | 'input'
  | 'input_pullup'
  | 'input_pulldown'
  | 'output'
  | 'opendrain'
  | 'opendrain_pullup'
  | 'af_output'
  | 'af_opendrain'
  | 'auto';

const MODES = new Set<string>(['analog', 'input', 'input_pullup', 'input_pulldown', 'output', 'opendrain', 'opendrain_pullup', 'af_output', 'af_opendrain', 'auto']);

interface PinState {
  mode: PinModeName;
  forced: boolean;
  /** What the firmware drives: 0..1 (PWM duty; digital writes are 0 or 1). */
  duty: number;
  freq: number;
  /** Level the outside world drives onto the pin; undefined when nothing does. */
  external: boolean | undefined;
  /** ADC input, as a fraction of full scale (Espruino's analogRead returns 0..1). */
  analog: number;
}

export interface PinOutput {
  pin: number;
  duty: number;
  freq: number;
  time: number;
}

interface Watch {
  id: number;
  pin: number;
  fn: unknown;
  edge: 'rising' | 'falling' | 'both';
  debounce: number;
  repeat: boolean;
  /** Last level reported (or seen, without debounce). */
  stable: boolean;
  lastTime: number;
  timer: number | undefined;
}

export interface WatchOptions {
  edge?: 'rising' | 'falling' | 'both' | 1 | -1 | 0;
  debounce?: number;
  repeat?: boolean;
}

export class PinBank extends EventEmitter {
  private readonly pins: PinState[] = [];
  private watches = new Map<number, Watch>();
  private sources = new Map<number, () => number>();
  private nextWatch = 1;

  constructor(private readonly host: DeviceHost) {
    super();
    for (let i = 0; i < PIN_COUNT; i++) {
      this.pins.push({ mode: 'auto', forced: false, duty: 0, freq: 0, external: undefined, analog: 0 });
    }
  }

  private at(pin: number): PinState {
    const p = this.pins[pin];
    if (!p) throw new Error(`Invalid pin: D${pin}`);
    return p;
  }

  // ---- the outside world ----

  /** Drives a digital level onto the pin (a switch contact); undefined releases it. */
  setInput(pin: number, level: boolean | undefined): void {
    const p = this.at(pin);
    const before = this.level(pin);
    p.external = level;
    const after = this.level(pin);
    if (after !== before) this.changed(pin, after);
  }

  setAnalog(pin: number, fraction: number): void {
    this.at(pin).analog = Math.min(1, Math.max(0, fraction));
    this.sources.delete(pin);
  }

  /** A live ADC input: sampled at every analogRead (noise, a moving shaft). */
  setAnalogSource(pin: number, source: () => number): void {
    this.at(pin);
    this.sources.set(pin, source);
  }

  /** What the firmware drives on the pin: duty 0..1 and PWM frequency (0 for a digital level). */
  output(pin: number): { duty: number; freq: number; mode: PinModeName } {
    const p = this.at(pin);
    return { duty: isOutput(p.mode) ? p.duty : 0, freq: p.freq, mode: p.mode };
  }

  /** The logic level on the pin as the firmware would read it. */
  level(pin: number): boolean {
    const p = this.at(pin);
    if (isOutput(p.mode)) return p.duty >= 0.5;
    if (p.external !== undefined) return p.external;
    return p.mode === 'input_pullup' || p.mode === 'opendrain_pullup';
  }

  // ---- the firmware's API ----

  pinMode(pin: number, mode: string | undefined, automatic = false): void {
    const p = this.at(pin);
    if (mode === undefined) {
      p.forced = false;
      p.mode = 'auto';
      return;
    }
    if (!MODES.has(mode)) throw new Error(`Unknown pin mode: ${mode}`);
    const before = this.level(pin);
    p.mode = mode as PinModeName;
    if (!automatic) p.forced = mode !== 'auto';
    const after = this.level(pin);
    if (after !== before) this.changed(pin, after);
  }

  getPinMode(pin: number): PinModeName {
    return this.at(pin).mode;
  }

  digitalWrite(pin: number, value: unknown): void {
    const p = this.at(pin);
    if (!p.forced || !isOutput(p.mode)) this.pinMode(pin, 'output', true);
    this.drive(pin, value ? 1 : 0, 0);
  }

  digitalRead(pin: number): number {
    const p = this.at(pin);
    if (!p.forced && isOutput(p.mode)) this.pinMode(pin, 'input', true);
    return this.level(pin) ? 1 : 0;
  }

  analogRead(pin: number): number {
    const p = this.at(pin);
    if (!p.forced) p.mode = 'analog';
    const src = this.sources.get(pin);
    return src ? Math.min(1, Math.max(0, src())) : p.analog;
  }

  analogWrite(pin: number, value: number, opts?: { freq?: number }): void {
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new Error('analogWrite: value must be between 0 and 1');
    const p = this.at(pin);
    if (!p.forced || !isOutput(p.mode)) this.pinMode(pin, 'output', true);
    this.drive(pin, value, opts?.freq ?? 1000);
  }

  private drive(pin: number, duty: number, freq: number): void {
    const p = this.at(pin);
    const before = this.level(pin);
    const changed = p.duty !== duty || p.freq !== freq;
    p.duty = duty;
    p.freq = freq;
    if (changed) this.emit('output', { pin, duty, freq, time: this.host.clock.now() } satisfies PinOutput);
    const after = this.level(pin);
    if (after !== before) this.changed(pin, after);
  }

  setWatch(fn: unknown, pin: number, opts: WatchOptions | number | undefined): number {
    if (typeof fn !== 'function') throw new Error('setWatch: the first argument must be a function');
    this.at(pin);
    let o: WatchOptions = {};
    if (typeof opts === 'object' && opts !== null) o = opts;
    else if (typeof opts === 'number') throw new NotSupportedError('setWatch with a number as options');
    const edge = o.edge === 1 || o.edge === 'rising' ? 'rising' : o.edge === -1 || o.edge === 'falling' ? 'falling' : 'both';
    const id = this.nextWatch++;
    const now = this.host.clock.now();
    this.watches.set(id, {
      id,
      pin,
      fn,
      edge,
      debounce: Math.max(0, Number(o.debounce ?? 0)),
      repeat: !!o.repeat,
      stable: this.level(pin),
      lastTime: now,
      timer: undefined,
    });
    return id;
  }

  clearWatch(id?: number): void {
    if (id === undefined) {
      for (const w of this.watches.values()) if (w.timer !== undefined) this.host.clock.clearTimer(w.timer);
      this.watches.clear();
      return;
    }
    const w = this.watches.get(id);
    if (!w) throw new Error(`clearWatch: no watch with id ${id}`);
    if (w.timer !== undefined) this.host.clock.clearTimer(w.timer);
    this.watches.delete(id);
  }

  get watchCount(): number {
    return this.watches.size;
  }

  /** Device stopped: watches and their timers go; the outside world stays wired. */
  reset(): void {
    this.clearWatch();
    for (const p of this.pins) {
      p.mode = 'auto';
      p.forced = false;
      p.duty = 0;
      p.freq = 0;
    }
    this.emit('reset');
  }

  private changed(pin: number, level: boolean): void {
    this.emit('level', pin, level);
    for (const w of [...this.watches.values()]) {
      if (w.pin !== pin) continue;
      if (w.debounce > 0) {
        if (w.timer !== undefined) this.host.clock.clearTimer(w.timer);
        w.timer = this.host.clock.setTimer(() => {
          w.timer = undefined;
          const now = this.level(pin);
          if (now !== w.stable) this.fire(w, now);
        }, w.debounce);
      } else if (level !== w.stable) {
        this.fire(w, level);
      }
    }
  }

  private fire(w: Watch, state: boolean): void {
    w.stable = state;
    if ((w.edge === 'rising' && !state) || (w.edge === 'falling' && state)) return;
    if (!this.watches.has(w.id)) return;
    const now = this.host.clock.now();
    const e = { state, time: now / 1000, lastTime: w.lastTime / 1000, pin: w.pin };
    w.lastTime = now;
    if (!w.repeat) this.watches.delete(w.id);
    this.host.invoke(w.fn, undefined, [e]);
  }
}

function isOutput(mode: PinModeName): boolean {
  return mode === 'output' || mode === 'opendrain' || mode === 'opendrain_pullup' || mode === 'af_output' || mode === 'af_opendrain';
}
