// Schedule and sensor control on the pure machine.
import { describe, it, expect } from 'vitest';
import { Bench, START } from './rig.js';
import { desiredAngle } from '../../src/valve/modes.js';
import { valveMemory } from '../../src/valve/settings.js';

const hhmm = (min: number) => `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;

describe('Modes', () => {
  it('a schedule opens inside its windows (also across midnight) and closes outside', () => {
    const m = valveMemory({ schedule: { enabled: true, windows: [{ start: 23 * 60 + 50, duration: 20, angle: 70 }, { start: 360, duration: 30, angle: 45 }] } });
    const at = (minute: number) => desiredAngle(m, minute, 0, { now: false });
    expect(at(23 * 60 + 55)).toBe(70);
    expect(at(5)).toBe(70);
    expect(at(10)).toBe(0);
    expect(at(360)).toBe(45);
    expect(at(389)).toBe(45);
    expect(at(390)).toBe(0);
  });

  it('sensor control opens below the threshold and closes above it, with hysteresis', () => {
    const m = valveMemory({ sensor: { enabled: true, threshold: 30.5, angle: 60 } });
    const open = { now: false };
    const at = (reading: number) => desiredAngle(m, 0, reading, open);
    expect(at(40)).toBe(0);
    expect(at(30)).toBe(60);
    expect(at(31)).toBe(60);
    expect(at(31.5)).toBe(0);
    m.sensor.enabled = false;
    expect(at(10)).toBe(-1);
  });
});

describe('automatic control', () => {
  it('set_valve_schedule moves the valve in its window, reports schedule on, and set_valve_basic turns it off', () => {
    const b = new Bench({ angle: 0 });
    b.connect(1);
    const now = (START / 60000) % 1440;
    b.send(1, { event: 'set_valve_schedule', schedule_data: { enabled: true, windows: [{ start: hhmm(now + 1), duration: 2, angle: 90 }] } });
    b.run(30000);
    expect(b.angle).toBeLessThan(1);
    expect(b.state(1).get_controller).toEqual({ schedule: true, sensor: false });
    b.run(40000);
    expect(b.angle).toBeGreaterThanOrEqual(89.7);
    b.run(120000);
    expect(b.angle).toBeLessThanOrEqual(0.3);
    b.send(1, { event: 'set_valve_basic', valve_data: { set_angle: true, angle: 30 } });
    b.run(5000);
    expect(b.state(1).get_controller).toEqual({ schedule: false, sensor: false });
    expect(Math.abs(b.angle - 30)).toBeLessThanOrEqual(1);
    expect(b.memories[b.memories.length - 1]!.schedule.enabled).toBe(false);
  });

  it('set_valve_sensor opens while the reading is low; the mode survives a reboot', () => {
    const b = new Bench({ angle: 0 });
    b.connect(1);
    b.send(1, { event: 'set_valve_sensor', sensor_data: { enabled: true, threshold: 30.5, angle: 60 } });
    b.run(2000);
    expect(b.angle).toBeLessThan(1);
    b.sensor = 20;
    b.run(6000);
    expect(Math.abs(b.angle - 60)).toBeLessThanOrEqual(1);
    expect(b.state(1).get_controller).toEqual({ schedule: false, sensor: true });
    const after = new Bench({ angle: b.angle, memory: b.memories[b.memories.length - 1] });
    after.connect(1);
    expect(after.state(1).get_controller).toEqual({ schedule: false, sensor: true });
    after.sensor = 80;
    after.run(6000);
    expect(after.angle).toBeLessThanOrEqual(0.3);
  });

  it('enabling one mode switches the other off', () => {
    const b = new Bench({ angle: 0 });
    b.connect(1);
    b.send(1, { event: 'set_valve_sensor', sensor_data: { enabled: true, threshold: 10, angle: 60 } });
    b.send(1, { event: 'set_valve_schedule', schedule_data: { enabled: true, windows: [] } });
    expect(b.state(1).get_controller).toEqual({ schedule: true, sensor: false });
  });

  it('a latched fault holds automatic control until a new command', () => {
    const b = new Bench({ angle: 0 });
    b.connect(1);
    b.jamAt = 10;
    b.sensor = 0;
    b.send(1, { event: 'set_valve_sensor', sensor_data: { enabled: true, threshold: 30, angle: 60 } });
    b.run(4000);
    expect(b.state(1).Error).toBe('Motor stalled');
    b.jamAt = undefined;
    b.run(4000);
    expect(b.angle).toBeCloseTo(10, 0);
    b.send(1, { event: 'set_valve_sensor', sensor_data: { enabled: true, threshold: 30, angle: 60 } });
    b.run(6000);
    expect(Math.abs(b.angle - 60)).toBeLessThanOrEqual(1);
  });

  it('after a restart cut a move, automatic control carries on', () => {
    const b = new Bench({ angle: 20, memory: { moving: true, sensor: { enabled: true, threshold: 30, angle: 60 } } });
    b.connect(1);
    b.sensor = 0;
    b.run(6000);
    expect(Math.abs(b.angle - 60)).toBeLessThanOrEqual(1);
    expect(b.state(1).Error).toBe('No Error');
  });
});
