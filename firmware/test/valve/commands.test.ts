// The spec's other events on the pure machine, and bad commands from authorised clients.
import { describe, it, expect } from 'vitest';
import { Bench } from './rig.js';

describe('device_basic_info', () => {
  it('answers the full state, verbatim in shape, to the asking client only', () => {
    const b = new Bench({ angle: 90 });
    b.connect(1);
    b.connect(2);
    b.run(1000);
    const before = b.to(2, 'valve_data').length;
    const d = b.state(1);
    expect(d).toEqual({
      event: 'valve_data',
      timestamp: '2026-01-01 08:00:01',
      device_id: 'valve-7',
      get_controller: { schedule: false, sensor: false },
      get_valvedata: { angle: 90, is_open: true, is_close: false },
      get_limitdata: { is_open_limit: true, open_limit: true, is_close_limit: true, close_limit: false },
      Error: 'No Error',
      motion: 'idle',
      uptime: 1,
      rssi: -60,
      current_a: 0,
    });
    expect(b.to(2, 'valve_data')).toHaveLength(before);
  });

  it('a wrong device_id is answered with a valve_error to that client alone', () => {
    const b = new Bench();
    b.connect(1);
    b.connect(2);
    b.send(1, { event: 'device_basic_info', data: { user_id: '123', device_id: 'DEVICE_ID' } });
    expect(b.to(1, 'valve_data')).toEqual([]);
    expect(b.last(1, 'valve_error').error).toBe('Unknown device_id: DEVICE_ID');
    expect(b.to(2, 'valve_error')).toEqual([]);
  });

  it('reports uninstalled limit switches as such, and leaves rssi out without a link', () => {
    const b = new Bench({ angle: 45, config: { limit_switches: { open: false, close: true } } });
    b.rssi = undefined;
    b.connect(1);
    b.run(600);
    const d = b.state(1);
    expect(d.get_limitdata).toEqual({ is_open_limit: false, open_limit: false, is_close_limit: true, close_limit: false });
    expect('rssi' in d).toBe(false);
  });

  it('uptime counts device time and ignores the clock being set', () => {
    const b = new Bench();
    b.connect(1);
    b.run(5000);
    b.now += 86400000 * 365;
    b.run(2000);
    const d = b.state(1);
    // The tick that saw the jump does not count: 6.5 s of 7 s.
    expect(d.uptime).toBe(6);
    expect(d.timestamp.startsWith('2027-01-01 08:00:')).toBe(true);
  });
});

describe('set_valve_wifi', () => {
  it('new credentials are saved, then the device restarts', () => {
    const b = new Bench({ angle: 10 });
    b.connect(1);
    b.send(1, { event: 'set_valve_basic', valve_data: { set_angle: true, angle: 60 } });
    b.run(500);
    b.send(1, { event: 'set_valve_wifi', wifi_data: { ssid: 'YourSSID', password: 'YourPassword' } });
    expect(b.wifi).toEqual([{ ssid: 'YourSSID', password: 'YourPassword' }]);
    expect(b.restarts).toBe(1);
    expect(b.braking).toBe(true);
    expect(b.memories[b.memories.length - 1]!.moving).toBe(false);
  });

  it('unchanged credentials do nothing; an open network (no password) is allowed', () => {
    const b = new Bench();
    b.connect(1);
    b.send(1, { event: 'set_valve_wifi', wifi_data: { ssid: 'home', password: 'home-pass' } });
    expect(b.wifi).toEqual([]);
    expect(b.restarts).toBe(0);
    b.send(1, { event: 'set_valve_wifi', wifi_data: { ssid: 'cafe', password: '' } });
    expect(b.wifi).toEqual([{ ssid: 'cafe', password: '' }]);
  });

  it.each([
    [{ ssid: 'x'.repeat(33), password: 'long-enough' }, 'SSID longer than 32 bytes'],
    [{ ssid: 'home', password: 'short' }, 'WiFi password must be empty or 8 to 64 characters'],
    [{ ssid: 'home', password: 'p'.repeat(65) }, 'WiFi password must be empty or 8 to 64 characters'],
    [{ ssid: '', password: 'long-enough' }, '/wifi_data/ssid must not be empty'],
  ])('refuses %j: %s', (wifi_data, error) => {
    const b = new Bench();
    b.connect(1);
    b.send(1, { event: 'set_valve_wifi', wifi_data });
    expect(b.wifi).toEqual([]);
    expect(b.restarts).toBe(0);
    expect(b.last(1, 'valve_error').error).toBe(error);
  });
});

describe('bad commands', () => {
  it.each([
    ['{"event":"set_valve_basic","valve_data":{"set_angle":true,"angle":91}}', '/valve_data/angle must be'],
    ['{"event":"set_valve_basic","valve_data":{"set_angle":true,"angle":-1}}', '/valve_data/angle must be'],
    ['{"event":"set_valve_basic","valve_data":{"set_angle":true,"angle":"45"}}', '/valve_data/angle must be'],
    ['{"event":"set_valve_basic","valve_data":{"set_angle":"yes","angle":45}}', '/valve_data/set_angle must be true or false'],
    ['{"event":"set_valve_basic"}', '/valve_data is required'],
    ['{"event":"open_sesame"}', '/event Unknown event: open_sesame'],
    ['{"event":', 'invalid JSON'],
    ['[1,2]', 'must be a JSON object'],
    ['x'.repeat(3000), 'message is larger than the 2048-byte limit'],
  ])('%.80s is logged, ignored, and answered to its sender alone', (text, error) => {
    const b = new Bench({ angle: 10 });
    b.connect(1);
    b.connect(2);
    b.send(1, text);
    b.run(2000);
    expect(b.motor).toEqual([]);
    // The Node and Espruino codecs word some problems differently; the start is the same.
    expect(b.last(1, 'valve_error').error.startsWith(error)).toBe(true);
    expect(b.to(2, 'valve_error')).toEqual([]);
    expect(b.logs.some((l) => l.includes(error))).toBe(true);
    b.send(2, { event: 'set_valve_basic', valve_data: { set_angle: true, angle: 20 } });
    b.run(3000);
    expect(b.last(2, 'valve_data').get_valvedata.angle).toBe(20);
  });

  it('messages from a connection that closed are dropped', () => {
    const b = new Bench();
    b.connect(1);
    b.m.closed(1);
    b.send(1, { event: 'set_valve_basic', valve_data: { set_angle: true, angle: 20 } });
    expect(b.motor).toEqual([]);
  });
});
