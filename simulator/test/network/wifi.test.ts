import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWifiModule, type WifiModule } from '../../src/espruino/wifi.js';
import { createTestDevice, type TestDevice } from './testHost.js';

let t: TestDevice;
let wifi: WifiModule;
let seen: string[];

beforeEach(() => {
  t = createTestDevice();
  wifi = createWifiModule(t.host, t.radio);
  seen = [];
  for (const ev of ['associated', 'connected', 'disconnected']) {
    wifi.on(ev, (d: Record<string, string>) => seen.push(`${ev}:${JSON.stringify(d)}`));
  }
});

afterEach(() => t.stop());

describe('Wifi.connect', () => {
  it('gets an IP after about 1.5 s and reports it', async () => {
    const results: unknown[] = [];
    wifi.connect('home', { password: 'secret123' }, (err) => results.push(err));
    await t.clock.advanceAsync(1400);
    expect(results).toEqual([]);
    expect(t.radio.online).toBe(false);
    await t.clock.advanceAsync(200);
    expect(results).toEqual([null]);
    expect(t.radio.online).toBe(true);
    expect(seen.map((s) => s.split(':')[0])).toEqual(['associated', 'connected']);
    expect(seen[1]).toBe('connected:{"ip":"127.0.0.1","netmask":"255.0.0.0","gw":"127.0.0.1"}');
    expect(t.radio.station).toMatchObject({ status: 'connected', ssid: 'home', ip: '127.0.0.1' });

    const got: unknown[] = [];
    const info = wifi.getIP((err, i) => got.push(err, i));
    expect(info).toMatchObject({ ip: '127.0.0.1', netmask: '255.0.0.0', gw: '127.0.0.1' });
    expect(info.mac).toMatch(/^24:0a:c4(:[0-9a-f]{2}){3}$/);
    expect(got).toEqual([]); // queued, as on the board
    await t.clock.advanceAsync(1);
    expect(got).toEqual([null, info]);
    expect(wifi.getStatus()).toMatchObject({ station: 'connected', ssid: 'home', mode: 'STA' });
    expect(wifi.getDetails()).toMatchObject({ status: 'connected', ssid: 'home', authMode: 'wpa2' });
  });

  it('fails with the reason name after three attempts on a wrong password', async () => {
    const results: unknown[] = [];
    wifi.connect('home', { password: 'nope' }, (err) => results.push(err));
    await t.clock.advanceAsync(5900);
    expect(results).toEqual([]);
    await t.clock.advanceAsync(200);
    expect(results).toEqual(['4WAY_HANDSHAKE_TIMEOUT']);
    expect(seen).toHaveLength(1);
    expect(JSON.parse(seen[0].slice('disconnected:'.length))).toMatchObject({ ssid: 'home', reason: '15', msg: '4WAY_HANDSHAKE_TIMEOUT' });
    expect(t.radio.online).toBe(false);
    expect(wifi.getDetails()).toEqual({ status: '4WAY_HANDSHAKE_TIMEOUT' });
    expect(wifi.getIP().ip).toBe('0.0.0.0');
  });

  it('reports NO_AP_FOUND for an unknown network', async () => {
    const results: unknown[] = [];
    wifi.connect('elsewhere', { password: 'x' }, (err) => results.push(err));
    await t.clock.advanceAsync(6100);
    expect(results).toEqual(['NO_AP_FOUND']);
    expect(seen[0]).toContain('"mac":"00:00:00:00:00:00","reason":"201"');
  });

  it('rejects bad arguments as the ESP32 build does', () => {
    expect(() => wifi.connect(42 as unknown as string)).toThrow('No SSID provided');
    expect(() => wifi.connect('home', { password: 7 as unknown as string })).toThrow('Expecting options.password to be a string but got Number');
    expect(() => wifi.setSNTP('pool.ntp.org', 1 as unknown as string)).toThrow('Zone is not a string');
  });
});

describe('Wifi access point and the rest', () => {
  it('starts and stops an access point', async () => {
    expect(() => wifi.startAP('valve-setup', { password: 'short' })).toThrow('Password must be string of at least 8 characters');
    expect(() => wifi.startAP('valve-setup', { password: 'longenough', authMode: 'open' })).toThrow('Auth mode set to open but password supplied');
    const results: unknown[] = [];
    wifi.startAP('valve-setup', { password: 'longenough', authMode: 'wpa2' }, (err) => results.push(err));
    await t.clock.advanceAsync(150);
    expect(results).toEqual([null]);
    expect(t.radio.ap).toBe('valve-setup');
    expect(t.radio.online).toBe(true);
    expect(wifi.getAPIP().ip).toBe('127.0.0.1');
    expect(wifi.getAPDetails()).toMatchObject({ ssid: 'valve-setup', authMode: 'wpa2', password: 'longenough' });
    expect(wifi.getStatus().mode).toBe('AP');
    const stopped: unknown[] = [];
    wifi.stopAP(() => stopped.push('stopped'));
    expect(t.radio.online).toBe(false);
    await t.clock.advanceAsync(1);
    expect(stopped).toEqual(['stopped']);
  });

  it('disconnects, calling back twice as the ESP32 build does', async () => {
    wifi.connect('home', { password: 'secret123' });
    await t.clock.advanceAsync(2000);
    const calls: string[] = [];
    wifi.disconnect(() => calls.push('cb'));
    expect(t.radio.online).toBe(false);
    await t.clock.advanceAsync(1);
    expect(calls).toEqual(['cb', 'cb']);
    expect(seen.at(-1)).toContain('"reason":"8","msg":"ASSOC_LEAVE"');
  });

  it('scans, keeps SNTP and hostname settings, and removes listeners', async () => {
    const lists: unknown[] = [];
    wifi.scan((list) => lists.push(list));
    expect(() => wifi.scan(() => {})).toThrow('A scan is already in progress');
    await t.clock.advanceAsync(2100);
    expect(lists).toHaveLength(1);
    const list = lists[0] as { ssid: string; rssi: number; authMode: string; channel: string }[];
    expect(list.map((n) => n.ssid)).toEqual(['home', 'cafe']);
    expect(list[1].authMode).toBe('open');
    for (const n of list) {
      expect(n.rssi).toBeLessThan(-30);
      expect(n.rssi).toBeGreaterThan(-90);
      expect(typeof n.channel).toBe('string');
    }
    wifi.setSNTP('pool.ntp.org', 'UTC-1');
    expect(t.radio.sntp).toEqual({ server: 'pool.ntp.org', zone: 'UTC-1' });
    expect(wifi.getHostname()).toBe('espressif');
    wifi.setHostname('valve-1');
    expect(wifi.getHostname()).toBe('valve-1');

    wifi.removeAllListeners('connected');
    wifi.connect('cafe', {});
    await t.clock.advanceAsync(2000);
    expect(seen.map((s) => s.split(':')[0])).toEqual(['associated']);
  });

  it('restores a saved configuration after a reboot, and stop() cancels everything', async () => {
    wifi.connect('home', { password: 'secret123' });
    await t.clock.advanceAsync(2000);
    wifi.save();
    const late: unknown[] = [];
    wifi.connect('home', { password: 'wrong' }, (e) => late.push(e));
    t.stop();
    expect(t.clock.pending).toBe(0);
    await t.clock.advanceAsync(10_000);
    expect(late).toEqual([]);
    expect(t.radio.online).toBe(false);
    expect(t.radio.station.status).toBe('off');

    const wifi2 = createWifiModule(t.host, t.radio);
    const connected: unknown[] = [];
    wifi2.on('connected', (d) => connected.push(d));
    wifi2.restore();
    await t.clock.advanceAsync(2000);
    expect(connected).toHaveLength(1);
    expect(t.radio.station.ssid).toBe('home');
  });

  it('a short outage heals by itself, silently, as the ESP32 retries', async () => {
    wifi.connect('home', { password: 'secret123' });
    await t.clock.advanceAsync(2000);
    const changes: boolean[] = [];
    t.radio.onOnlineChange((o) => changes.push(o));
    const before = seen.length;
    t.radio.dropFor(3000);
    expect(t.radio.online).toBe(false);
    await t.clock.advanceAsync(2990);
    expect(changes).toEqual([false]);
    await t.clock.advanceAsync(20);
    expect(changes).toEqual([false, true]);
    expect(seen.slice(before).map((s) => s.split(':')[0])).toEqual(['associated', 'connected']);
  });

  it('a long outage ends in "disconnected"; the firmware must connect again', async () => {
    wifi.connect('home', { password: 'secret123' });
    await t.clock.advanceAsync(2000);
    t.radio.dropFor(20_000);
    await t.clock.advanceAsync(6100);
    expect(seen.at(-1)).toContain('"reason":"200","msg":"BEACON_TIMEOUT"');
    await t.clock.advanceAsync(15_000);
    expect(t.radio.online).toBe(false);
    wifi.connect('home', { password: 'secret123' });
    await t.clock.advanceAsync(2000);
    expect(t.radio.online).toBe(true);
  });

  it('refuses what it does not emulate', () => {
    expect(() => (wifi as unknown as { ping: unknown }).ping).toThrow('Wifi.ping is not supported by the simulator');
  });
});
