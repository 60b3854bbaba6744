// A mechanical contact (limit switch, push button) wired active-low to a GPIO with a
// pull-up: closed pulls the pin to ground. Real contacts bounce for a few milliseconds when
// they change; faults can hold one stuck or make it chatter.
import type { Clock } from '../espruino/clock.js';
import type { Random } from './random.js';

export interface ContactOptions {
  clock: Clock;
  random: Random;
  /** Drives the GPIO: true = high (contact open, pulled up). */
  drive(level: boolean): void;
  /** Bounce: how many extra flips, and over how many ms. */
  bounceFlips?: number;
  bounceMs?: number;
}

export class Contact {
  private closed = false;
  private stuck: boolean | undefined;
  private chatterTimer: number | undefined;
  private bounceTimers: number[] = [];
  /** Every level written to the pin, for tests: [time, level]. */
  readonly trace: Array<[number, boolean]> = [];

  constructor(private readonly o: ContactOptions) {
    this.write(true);
  }

  get isClosed(): boolean {
    return this.stuck ?? this.closed;
  }

  /** The mechanism closes or opens the contact. */
  set(closed: boolean): void {
    if (closed === this.closed) return;
    this.closed = closed;
    if (this.stuck === undefined && this.chatterTimer === undefined) this.settle(closed);
  }

  /** Fault: held closed (true) or open (false) whatever the mechanism does; undefined clears. */
  stick(closed: boolean | undefined): void {
    this.stuck = closed;
    this.cancelBounce();
    this.write(!(closed ?? this.closed));
  }

  /** Fault: the contact flips at random every few ms until turned off. */
  chatter(on: boolean): void {
    if (!on) {
      if (this.chatterTimer !== undefined) this.o.clock.clearTimer(this.chatterTimer);
      this.chatterTimer = undefined;
      this.write(!this.isClosed);
      return;
    }
    if (this.chatterTimer !== undefined) return;
    const flip = () => {
      this.write(this.o.random.next() < 0.5);
      this.chatterTimer = this.o.clock.setTimer(flip, 2 + Math.floor(this.o.random.next() * 8));
    };
    flip();
  }

  private settle(closed: boolean): void {
    this.cancelBounce();
    const flips = this.o.bounceFlips ?? 2 + Math.floor(this.o.random.next() * 4);
    const span = this.o.bounceMs ?? 3;
    let level = !closed;
    // Bounce: the new level, then quick flips back and forth, ending at the new level.
    for (let i = 0; i < flips * 2; i++) {
      const at = ((i + 1) * span) / (flips * 2 + 1);
      const l = i % 2 === 0 ? closed : !closed;
      this.bounceTimers.push(this.o.clock.setTimer(() => this.write(l), at));
    }
    this.write(level);
    level = !closed;
    this.bounceTimers.push(this.o.clock.setTimer(() => this.write(level), span));
  }

  private cancelBounce(): void {
    for (const t of this.bounceTimers) this.o.clock.clearTimer(t);
    this.bounceTimers = [];
  }

  private write(level: boolean): void {
    this.trace.push([this.o.clock.now(), level]);
    if (this.trace.length > 200) this.trace.splice(0, this.trace.length - 200);
    this.o.drive(level);
  }
}
