// The physical models on their own: motor electrics and speed, vehicle charging, contacts.
import { describe, it, expect } from 'vitest';
import { GearMotor, VALVE_ACTUATOR } from '../../src/physics/gearMotor.js';
import { EvLoad, DEFAULT_EV } from '../../src/physics/evLoad.js';
import { Contact } from '../../src/physics/contact.js';
import { Random } from '../../src/physics/random.js';
import { VirtualClock } from '../../src/espruino/clock.js';

function settle(m: GearMotor, blocked = false, seconds = 2) {
  for (let i = 0; i < seconds * 200; i++) m.step(0.005, () => blocked);
}

describe('gear motor behind an H-bridge', () => {
  it('full duty: 15 °/s at the output and the 0.4 A load current', () => {
    const m = new GearMotor();
    m.setBridge(1, 0);
    settle(m);
    expect(m.speed).toBeCloseTo(15, 1);
    expect(m.amps).toBeCloseTo(VALVE_ACTUATOR.loadAmps, 2);
  });
  it('speed grows with duty; direction follows the bridge', () => {
    const m = new GearMotor();
    m.setBridge(0.5, 0);
    settle(m);
    const half = m.speed;
    m.setBridge(0, 1);
    settle(m);
    expect(half).toBeGreaterThan(4);
    expect(half).toBeLessThan(10);
    expect(m.speed).toBeCloseTo(-15, 1);
  });
  it('a blocked output draws stall current V/R', () => {
    const m = new GearMotor();
    m.setBridge(1, 0);
    settle(m, true);
    expect(m.speed).toBe(0);
    expect(m.amps).toBeCloseTo(12 / 4, 5);
  });
  it('coasts down slowly, brakes quickly', () => {
    const coast = new GearMotor();
    const brake = new GearMotor();
    for (const m of [coast, brake]) {
      m.setBridge(1, 0);
      settle(m);
    }
    coast.setBridge(0, 0);
    brake.setBridge(1, 1);
    for (let i = 0; i < 10; i++) {
      coast.step(0.005, () => false);
      brake.step(0.005, () => false);
    }
    expect(coast.speed).toBeGreaterThan(brake.speed * 3);
    expect(coast.amps).toBe(0);
  });
});

describe('vehicle load', () => {
  it('ramps up, holds 16 A, then tapers past 80 % and stops when full', () => {
    const ev = new EvLoad(new Random(1), 0, { ...DEFAULT_EV, batteryKwh: 10, startSoc: 0.7 });
    ev.setRelay(true, 0);
    expect(ev.current(2500)).toBeCloseTo(8, 0);
    expect(ev.current(10_000)).toBeCloseTo(16, 0);
    let t = 10_000;
    while (ev.soc < 0.9) t += 10_000, ev.current(t);
    expect(ev.current(t)).toBeLessThan(12);
    while (ev.soc < 1 && t < 10 * 3_600_000) t += 60_000, ev.current(t);
    expect(ev.current(t)).toBe(0);
    expect(ev.energyWh).toBeCloseTo(3000, -2);
  });
  it('draws nothing with the relay open or the vehicle unplugged', () => {
    const ev = new EvLoad(new Random(1), 0);
    expect(ev.current(60_000)).toBe(0);
    ev.setRelay(true, 60_000);
    ev.plug(false, 60_000);
    expect(ev.current(120_000)).toBe(0);
  });
});

describe('contacts', () => {
  it('bounce a few times, then settle at the new level', () => {
    const clock = new VirtualClock(0);
    const levels: boolean[] = [];
    const c = new Contact({ clock, random: new Random(3), drive: (l) => levels.push(l), bounceFlips: 3, bounceMs: 4 });
    levels.length = 0;
    c.set(true);
    clock.advance(10);
    expect(levels.length).toBeGreaterThan(4);
    expect(levels.at(-1)).toBe(false);
    expect(c.isClosed).toBe(true);
  });
  it('stick and chatter override the mechanism', () => {
    const clock = new VirtualClock(0);
    const levels: boolean[] = [];
    const c = new Contact({ clock, random: new Random(3), drive: (l) => levels.push(l) });
    c.stick(true);
    c.set(false);
    expect(c.isClosed).toBe(true);
    c.stick(undefined);
    c.chatter(true);
    levels.length = 0;
    clock.advance(200);
    expect(new Set(levels).size).toBe(2);
    c.chatter(false);
    levels.length = 0;
    clock.advance(200);
    expect(levels.length).toBeLessThanOrEqual(1);
  });
});
