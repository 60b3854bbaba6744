// The pure parts of `espfleet valve`: the words typed, how a move is judged, how state reads.
import { describe, it, expect } from 'vitest';
import type { ValveData } from '@espfleet/protocol/valve';
import { parseAngle, parseSchedule, parseSensor, parseTimeout } from '../src/valve/args.js';
import { MoveWatch, isFault } from '@espfleet/host-server';
import { progressBar, stateLine } from '../src/valve/format.js';

function data(angle: number, o: Partial<ValveData> = {}): ValveData {
  return {
    event: 'valve_data',
    timestamp: '2026-01-01 08:00:00',
    device_id: 'valve-7',
    get_controller: { schedule: false, sensor: false },
    get_valvedata: { angle, is_open: angle > 0, is_close: angle === 0 },
    get_limitdata: { is_open_limit: true, open_limit: angle >= 90, is_close_limit: true, close_limit: angle === 0 },
    Error: 'No Error',
    motion: 'idle',
    ...o,
  };
}

describe('valve words', () => {
  it('angles are whole degrees 0 to 90', () => {
    expect(parseAngle('0')).toBe(0);
    expect(parseAngle('90')).toBe(90);
    for (const bad of ['-1', '91', '4.5', '', ' ', 'abc']) expect(() => parseAngle(bad)).toThrow(/whole number of degrees/);
  });

  it('schedule windows HH:MM+MINUTES@ANGLE, at most 8, or off', () => {
    expect(parseSchedule(['6:30+20@90', '18:05+1440@0'])).toEqual({ event: 'set_valve_schedule', schedule_data: { enabled: true, windows: [{ start: '06:30', duration: 20, angle: 90 }, { start: '18:05', duration: 1440, angle: 0 }] } });
    expect(parseSchedule(['off'])).toEqual({ event: 'set_valve_schedule', schedule_data: { enabled: false, windows: [] } });
    expect(() => parseSchedule([])).toThrow('give schedule windows');
    expect(() => parseSchedule(['06:30+0@90'])).toThrow('1 to 1440 minutes');
    expect(() => parseSchedule(['06:60+5@90'])).toThrow('not a time of day');
    expect(() => parseSchedule(['06:30+5@95'])).toThrow('angle "95"');
    expect(() => parseSchedule(Array(9).fill('06:30+5@90'))).toThrow('at most 8 windows');
  });

  it('sensor THRESHOLD@ANGLE or off', () => {
    expect(parseSensor(['30.5@60'])).toEqual({ event: 'set_valve_sensor', sensor_data: { enabled: true, threshold: 30.5, angle: 60 } });
    expect(parseSensor(['-2@10']).sensor_data.threshold).toBe(-2);
    expect(parseSensor(['off']).sensor_data.enabled).toBe(false);
    for (const bad of [[], ['30.5'], ['@60'], ['30@60', 'x']]) expect(() => parseSensor(bad)).toThrow('THRESHOLD@ANGLE');
  });

  it('timeouts in seconds', () => {
    expect(parseTimeout('0.25')).toBe(250);
    expect(() => parseTimeout('0')).toThrow('--timeout');
    expect(() => parseTimeout('soon')).toThrow('--timeout');
  });
});

describe('judging a move', () => {
  it('arrives at rest within ±1° of the target', () => {
    const w = new MoveWatch(45);
    expect(w.feed(data(10, { motion: 'opening', target_angle: 45 }))).toEqual({ done: false });
    expect(w.feed(data(44))).toMatchObject({ done: true, ok: true });
  });

  it('a state sent before the command was read does not end the move', () => {
    const w = new MoveWatch(45);
    expect(w.feed(data(10))).toEqual({ done: false });
    expect(w.feed(data(10, { Error: 'Motor stalled' }))).toEqual({ done: false });
    expect(w.feed(data(12, { motion: 'opening', target_angle: 45 })).done).toBe(false);
    expect(w.feed(data(20))).toMatchObject({ done: true, ok: false, error: expect.stringContaining('stopped at 20° short of 45°') });
  });

  it('a valve already at the target arrives at once', () => {
    expect(new MoveWatch(0).feed(data(0))).toMatchObject({ done: true, ok: true });
  });

  it('a valve_error or a faulted rest ends it with the device\'s error', () => {
    const w = new MoveWatch(90);
    w.feed(data(30, { motion: 'opening', target_angle: 90 }));
    expect(w.feed({ event: 'valve_error', timestamp: 't', device_id: 'valve-7', error: 'Overcurrent detected' })).toMatchObject({ done: true, ok: false, error: 'Overcurrent detected' });
    const w2 = new MoveWatch(90);
    w2.feed(data(30, { motion: 'opening', target_angle: 90 }));
    expect(w2.feed(data(31, { Error: 'Limit switch fault' }))).toMatchObject({ ok: false, error: 'Limit switch fault' });
  });

  it('"No Error" and the restart advisory are not faults', () => {
    expect(isFault('No Error')).toBe(false);
    expect(isFault('Move interrupted by restart')).toBe(false);
    expect(isFault('Motor stalled')).toBe(true);
  });
});

describe('how state reads', () => {
  it('one line with position, motion, mode, limits and error', () => {
    expect(stateLine(data(30, { motion: 'opening', target_angle: 45, uptime: 12, rssi: -61 }))).toBe(
      'valve-7: 30° partly open, opening to 45°; manual control; limits open free, close free; No Error; up 12 s, WiFi -61 dBm (2026-01-01 08:00:00)',
    );
    expect(stateLine(data(0, { get_controller: { schedule: true, sensor: false } }))).toContain('0° closed; schedule control; limits open free, close engaged');
  });

  it('a bar across the travel', () => {
    expect(progressBar(0, 90, 10)).toBe('[░░░░░░░░░░]   0° → 90°');
    expect(progressBar(45, 90, 10)).toBe('[█████░░░░░]  45° → 90°');
    expect(progressBar(90, 0, 10)).toBe('[██████████]  90° → 0°');
  });
});
