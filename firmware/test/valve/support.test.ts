// Local time, settings from the Storage config, and remembered state.
import { describe, it, expect } from 'vitest';
import { formatLocalTime, minuteOfDay, parseHourMinute } from '../../src/valve/localTime.js';
import { valveMemory, valveSettings } from '../../src/valve/settings.js';
import { VALVE_CALIBRATION } from '../../src/boards/index.js';

describe('local time', () => {
  it('formats device local time as YYYY-MM-DD HH:MM:SS', () => {
    expect(formatLocalTime(Date.UTC(2025, 10, 6, 12, 0, 0), 0)).toBe('2025-11-06 12:00:00');
    expect(formatLocalTime(Date.UTC(2024, 1, 29, 23, 59, 59, 999), 0)).toBe('2024-02-29 23:59:59');
    expect(formatLocalTime(Date.UTC(2025, 11, 31, 23, 30), 60)).toBe('2026-01-01 00:30:00');
    expect(formatLocalTime(Date.UTC(2026, 0, 1, 0, 30), -60)).toBe('2025-12-31 23:30:00');
    expect(formatLocalTime(0, 0)).toBe('1970-01-01 00:00:00');
    for (let t = Date.UTC(1999, 0, 1); t < Date.UTC(2101, 0, 1); t += 86400000 * 37 + 12345678) {
      expect(formatLocalTime(t, 0)).toBe(new Date(t).toISOString().slice(0, 19).replace('T', ' '));
    }
  });

  it('minute of day and HH:MM', () => {
    expect(minuteOfDay(Date.UTC(2026, 0, 1, 6, 30, 59), 0)).toBe(390);
    expect(minuteOfDay(Date.UTC(2026, 0, 1, 0, 10), -20)).toBe(1430);
    expect(parseHourMinute('06:30')).toBe(390);
    expect(parseHourMinute('23:59')).toBe(1439);
  });
});

describe('settings', () => {
  it('reads the keys the simulator and flash provision, with the board defaults for the rest', () => {
    const s = valveSettings({ device_id: 'v1', passkey: 'k', wifi: { ssid: 'a', password: 'b' } });
    expect(s).toMatchObject({ deviceId: 'v1', passkey: 'k', wifiSsid: 'a', wifiPassword: 'b', limitOpen: true, limitClose: true });
    expect(s.currentLimitA).toBe(VALVE_CALIBRATION.currentLimitA);
    expect(s).toMatchObject({ port: 80, apSsid: 'espfleet-v1', apPassword: '', angleAt0: 0.05, tzOffsetMin: 0 });
    expect(valveSettings({ calibration: { stallMs: 1500 }, tz_offset_min: 60, ap: { ssid: 'setup', password: 'setup-pass' } }))
      .toMatchObject({ stallMs: 1500, tzOffsetMin: 60, apSsid: 'setup', apPassword: 'setup-pass', maxRunMs: VALVE_CALIBRATION.maxRunMs });
  });

  it('ignores values of the wrong type', () => {
    const s = valveSettings({ device_id: 5, passkey: null, calibration: { stallMs: '9', maxRunMs: null }, limit_switches: 'no' });
    expect(s.deviceId).toBe('valve');
    expect(s.passkey).toBe('');
    expect(s.stallMs).toBe(VALVE_CALIBRATION.stallMs);
    expect(s.maxRunMs).toBe(VALVE_CALIBRATION.maxRunMs);
    expect(valveSettings({ port: 'x' }).port).toBe(80);
  });

  it('remembered state: damaged parts start from rest', () => {
    expect(valveMemory({})).toEqual({ angle: 0, error: 'No Error', moving: false, schedule: { enabled: false, windows: [] }, sensor: { enabled: false, threshold: 0, angle: 0 } });
    expect(valveMemory({ schedule: { enabled: true, windows: null }, sensor: 'x' }).schedule).toEqual({ enabled: true, windows: [] });
    const m = valveMemory({ angle: 33.3, schedule: { enabled: true, windows: [{ start: 60, duration: 5, angle: 9 }, { start: 'x' }] } });
    expect(m.angle).toBe(33.3);
    expect(m.schedule.windows).toEqual([{ start: 60, duration: 5, angle: 9 }]);
  });
});
