// Moves on the pure machine: the spec's set_valve_basic, slow-down, end switches, dead time,
// valve_data on change and at most every 250 ms while moving.
import { describe, it, expect } from 'vitest';
import { Bench } from './rig.js';
import { MOTOR_BRAKE, MOTOR_CLOSE, MOTOR_COAST, MOTOR_OPEN } from '../../src/valve/types.js';

const basic = (angle: number) => ({ event: 'set_valve_basic', valve_data: { set_angle: true, angle } });

describe('moving the valve', () => {
  it.each([45, 90, 0, 30, 60])('from 10 to %i within 1 degree, reported to every authorised client', (target) => {
    const b = new Bench({ angle: 10 });
    b.connect(1);
    b.connect(2);
    b.connect(3, false);
    b.send(1, basic(target));
    b.run(10000);
    expect(Math.abs(b.angle - target)).toBeLessThanOrEqual(1);
    expect(b.motorOff).toBe(true);
    for (const peer of [1, 2]) {
      const d = b.last(peer, 'valve_data');
      expect(d.get_valvedata).toEqual({ angle: target, is_open: target > 0, is_close: target === 0 });
      expect(d.motion).toBe('idle');
      expect(d.Error).toBe('No Error');
      expect(d.target_angle).toBeUndefined();
    }
    expect(b.to(3, 'valve_data')).toEqual([]);
  });

  it('slows down near the target', () => {
    const b = new Bench({ angle: 0 });
    b.connect(1);
    b.send(1, basic(60));
    b.run(8000);
    const drives = b.motor.filter((m) => m.command === MOTOR_OPEN);
    expect(drives[0]!.duty).toBe(1);
    expect(drives[drives.length - 1]!.duty).toBeLessThan(0.5);
    for (let i = 1; i < drives.length; i++) expect(drives[i]!.duty).toBeLessThanOrEqual(drives[i - 1]!.duty);
  });

  it('reaches the ends on their limit switches, then brakes and lets the motor off', () => {
    const b = new Bench({ angle: 45 });
    b.connect(1);
    b.send(1, basic(90));
    b.run(8000);
    expect(b.angle).toBeGreaterThanOrEqual(89.7);
    const d = b.last(1, 'valve_data');
    expect(d.get_limitdata).toEqual({ is_open_limit: true, open_limit: true, is_close_limit: true, close_limit: false });
    expect(d.get_valvedata.angle).toBe(90);
    const stops = b.motor.slice(-2).map((m) => m.command);
    expect(stops).toEqual([MOTOR_BRAKE, MOTOR_COAST]);
    b.send(1, basic(0));
    b.run(10000);
    expect(b.angle).toBeLessThanOrEqual(0.3);
    expect(b.last(1, 'valve_data').get_limitdata.close_limit).toBe(true);
    expect(b.last(1, 'valve_data').get_valvedata).toEqual({ angle: 0, is_open: false, is_close: true });
  });

  it('waits the dead time before driving the other way', () => {
    const b = new Bench({ angle: 40 });
    b.connect(1);
    b.send(1, basic(80));
    b.run(500);
    b.send(1, basic(10));
    b.run(6000);
    const brakeAt = b.motor.find((m) => m.command === MOTOR_BRAKE)!.t;
    const closeAt = b.motor.find((m) => m.command === MOTOR_CLOSE)!.t;
    expect(closeAt - brakeAt).toBeGreaterThanOrEqual(b.s.deadTimeMs);
    expect(Math.abs(b.angle - 10)).toBeLessThanOrEqual(1);
  });

  it('sends valve_data on each change, at most every 250 ms while moving, with the target and direction', () => {
    const b = new Bench({ angle: 0 });
    b.connect(1);
    b.send(1, basic(90));
    const stamps: number[] = [];
    const seen = { n: b.sent.length };
    const end = b.now + 8000;
    while (b.now < end) {
      b.run(25);
      for (; seen.n < b.sent.length; seen.n++) if (b.sent[seen.n]!.msg.motion === 'opening') stamps.push(b.now);
    }
    expect(stamps.length).toBeGreaterThan(10);
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]! - stamps[i - 1]!).toBeGreaterThanOrEqual(250);
    const moving = b.to(1, 'valve_data').filter((m) => m.motion === 'opening');
    expect(moving.every((m) => m.target_angle === 90)).toBe(true);
    const angles = moving.map((m) => m.get_valvedata.angle);
    for (let i = 1; i < angles.length; i++) expect(angles[i]!).toBeGreaterThanOrEqual(angles[i - 1]!);
    expect(b.last(1, 'valve_data').motion).toBe('idle');
  });

  it('a stop command halts the motor where it is and switches automatic control off', () => {
    const b = new Bench({ angle: 0 });
    b.connect(1);
    b.send(1, basic(90));
    b.run(2000);
    b.send(1, { event: 'set_valve_stop' });
    const at = b.angle;
    b.run(1000);
    expect(b.motorOff).toBe(true);
    expect(b.angle).toBeCloseTo(at, 5);
    expect(b.last(1, 'valve_data').motion).toBe('idle');
    expect(b.memories[b.memories.length - 1]!.moving).toBe(false);
  });

  it('set_angle false moves nothing but still switches schedule and sensor control off', () => {
    const b = new Bench({ angle: 0, memory: { sensor: { enabled: true, threshold: 10, angle: 60 } } });
    b.connect(1);
    b.run(1000);
    expect(b.state(1).get_controller).toEqual({ schedule: false, sensor: true });
    b.send(1, { event: 'set_valve_basic', valve_data: { set_angle: false, angle: 80 } });
    b.sensor = 5;
    b.run(3000);
    expect(b.angle).toBe(0);
    expect(b.last(1, 'valve_data').get_controller).toEqual({ schedule: false, sensor: false });
  });
});
