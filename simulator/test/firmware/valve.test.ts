// The real valve firmware (firmware/dist/valve.js) on the simulated valve, on the virtual clock,
// with Node `ws` clients over loopback: the proof, message by message.
import { describe, it, expect, afterEach } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { VALVE_BOARD } from '@espfleet/firmware/boards';
import { VirtualClock } from '../../src/espruino/clock.js';
import { SimulatedValve } from '../../src/devices/simulatedValve.js';
import { SIM_NETWORK } from '../../src/devices/simulatedDevice.js';

const here = dirname(fileURLToPath(import.meta.url));
const BUNDLE = join(here, '../../../firmware/dist/valve.js');
const PASSKEY = 'YOUR_PASSKEY';
const DEVICE_ID = 'DEVICE_ID';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

let logs: string[] = [];
async function until(clock: VirtualClock, done: () => boolean, maxMs: number): Promise<void> {
  if (!(await clock.until(done, maxMs, 10))) throw new Error('condition not met; device log:\n' + logs.slice(-25).join('\n'));
}

function valve(o: { startAngle?: number; config?: Record<string, unknown>; clock?: VirtualClock; unprovisioned?: boolean; id?: string } = {}) {
  const clock = o.clock ?? new VirtualClock();
  const v = new SimulatedValve({
    id: o.id ?? DEVICE_ID, bundle: readFileSync(BUNDLE, 'utf8'), bundleName: 'valve.js', clock,
    passkey: PASSKEY, startAngle: o.startAngle ?? 0, config: o.config, unprovisioned: o.unprovisioned,
  });
  logs = v.esp.logs;
  cleanup.push(() => v.stop());
  return { v, clock };
}

interface Client {
  ws: WebSocket;
  got: any[];
  of(event: string): any[];
  last(event: string): any;
  closed: { code: number; reason: string } | undefined;
  send(m: unknown): void;
}

async function client(clock: VirtualClock, v: SimulatedValve): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${v.port}/ws`);
  const c: Client = {
    ws, got: [], closed: undefined,
    of: (event) => c.got.filter((m) => m.event === event),
    last: (event) => c.of(event).at(-1),
    send: (m) => ws.send(typeof m === 'string' ? m : JSON.stringify(m)),
  };
  ws.on('message', (d) => c.got.push(JSON.parse(d.toString())));
  ws.on('close', (code, reason) => (c.closed = { code, reason: reason.toString() }));
  ws.on('error', () => {});
  cleanup.push(() => ws.terminate());
  let open = false;
  ws.on('open', () => (open = true));
  await until(clock, () => open || c.closed !== undefined, 5000);
  return c;
}

/** A client that gave the passkey and got device_info. */
async function authorised(clock: VirtualClock, v: SimulatedValve): Promise<Client> {
  const c = await client(clock, v);
  c.send({ event: 'request_device_info', passkey: PASSKEY });
  await until(clock, () => c.of('device_info').length === 1, 3000);
  return c;
}

async function booted(o: Parameters<typeof valve>[0] = {}) {
  const r = valve(o);
  r.v.start();
  await until(r.clock, () => r.v.port !== undefined && r.v.esp.online, 5000);
  return r;
}

async function state(clock: VirtualClock, c: Client) {
  const n = c.of('valve_data').length;
  c.send({ event: 'device_basic_info', data: { user_id: '123', device_id: DEVICE_ID } });
  await until(clock, () => c.of('valve_data').length > n, 3000);
  return c.last('valve_data');
}

async function moveTo(clock: VirtualClock, v: SimulatedValve, c: Client, angle: number) {
  c.send({ event: 'set_valve_basic', valve_data: { set_angle: true, angle } });
  await until(clock, () => v.motor.mode === 'drive' || Math.abs(v.angle - angle) <= 1, 2000);
  await until(clock, () => c.last('valve_data')?.motion === 'idle' && c.last('valve_data')?.get_valvedata.angle === angle && v.motor.mode === 'coast', 20000);
}

/** Reboots the device and reads its state back from a fresh client. */
async function rebooted(clock: VirtualClock, v: SimulatedValve, how: 'reboot' | 'power') {
  if (how === 'reboot') v.reboot();
  else {
    v.powerCut(2);
    await clock.advanceAsync(2100);
  }
  await until(clock, () => v.running && v.port !== undefined && v.esp.online, 5000);
  const c = await authorised(clock, v);
  return { c, d: await state(clock, c) };
}

describe('valve firmware in the simulator', () => {
  it('has the built firmware to run (npm run build -w @espfleet/firmware)', () => {
    expect(existsSync(BUNDLE)).toBe(true);
  });

  it("answers the spec's flow with its sample messages verbatim", async () => {
    const { v, clock } = await booted({ startAngle: 90 });
    expect(v.esp.uncaught).toEqual([]);
    const c = await client(clock, v);
    c.send('{"event":"request_device_info","passkey":"YOUR_PASSKEY"}');
    await until(clock, () => c.got.length === 1, 3000);
    expect(c.got[0]).toEqual({ event: 'device_info', timestamp: expect.stringMatching(/^2026-01-01 08:00:\d\d$/), device_id: 'DEVICE_ID' });
    c.send('{"event":"device_basic_info","data":{"user_id":"123","device_id":"DEVICE_ID"}}');
    await until(clock, () => c.of('valve_data').length === 1, 3000);
    const d = c.of('valve_data')[0];
    expect(d).toEqual({
      event: 'valve_data',
      timestamp: expect.stringMatching(/^2026-01-01 08:00:\d\d$/),
      device_id: 'DEVICE_ID',
      get_controller: { schedule: false, sensor: false },
      get_valvedata: { angle: 90, is_open: true, is_close: false },
      get_limitdata: { is_open_limit: true, open_limit: true, is_close_limit: true, close_limit: false },
      Error: 'No Error',
      motion: 'idle',
      uptime: expect.any(Number),
      rssi: expect.any(Number),
      current_a: expect.any(Number),
    });
    c.send('{"event":"set_valve_basic","valve_data":{"set_angle":true,"angle":45}}');
    await until(clock, () => c.last('valve_data').motion === 'closing', 1000);
    expect(c.last('valve_data').target_angle).toBe(45);
    // The motor draws current while it moves (the INA219's reading, in amperes).
    await until(clock, () => c.last('valve_data').current_a > 0.05, 3000);
    await until(clock, () => c.last('valve_data').motion === 'idle' && c.last('valve_data').get_valvedata.angle === 45, 15000);
    expect(Math.abs(v.angle - 45)).toBeLessThanOrEqual(1);
    expect(c.of('valve_error')).toEqual([]);
    expect(v.esp.uncaught).toEqual([]);
  });

  it('moves to 0, 45, 90 and back within 1 degree; valve_data at most every 250 ms while moving', async () => {
    const { v, clock } = await booted({ startAngle: 30 });
    const a = await authorised(clock, v);
    const b = await authorised(clock, v);
    for (const target of [0, 45, 90, 45, 0]) {
      const from = b.got.length;
      await moveTo(clock, v, a, target);
      expect(Math.abs(v.angle - target)).toBeLessThanOrEqual(1);
      const seen = b.got.slice(from).filter((m) => m.event === 'valve_data');
      expect(seen.at(-1)).toMatchObject({ get_valvedata: { angle: target, is_open: target > 0, is_close: target === 0 }, motion: 'idle' });
      const stamps = seen.filter((m) => m.motion !== 'idle').map((m) => m.uptime);
      expect(stamps.length).toBeLessThanOrEqual(Math.ceil(((stamps.at(-1) ?? 0) - (stamps[0] ?? 0)) * 4) + 2);
    }
    expect(v.limitClose.isClosed).toBe(true);
  });

  it('a jam stalls the motor: motor off, "Motor stalled", kept with the position after a reboot', async () => {
    const { v, clock } = await booted({ startAngle: 10 });
    const c = await authorised(clock, v);
    v.jam(30);
    c.send({ event: 'set_valve_basic', valve_data: { set_angle: true, angle: 80 } });
    await until(clock, () => c.of('valve_error').length === 1, 10000);
    expect(c.of('valve_error')[0]).toMatchObject({ event: 'valve_error', device_id: DEVICE_ID, error: 'Motor stalled' });
    await clock.advanceAsync(500);
    expect(v.motor.mode).toBe('coast');
    expect(v.angle).toBeCloseTo(30, 0);
    const { d } = await rebooted(clock, v, 'reboot');
    expect(d.Error).toBe('Motor stalled');
    expect(d.get_valvedata.angle).toBe(30);
    expect(d.get_controller).toEqual({ schedule: false, sensor: false });
    v.clearJam();
  });

  it('current over the configured limit is "Overcurrent detected"', async () => {
    const { v, clock } = await booted({ startAngle: 10, config: { calibration: { currentLimitA: 0.3 } } });
    const c = await authorised(clock, v);
    c.send({ event: 'set_valve_basic', valve_data: { set_angle: true, angle: 80 } });
    await until(clock, () => c.of('valve_error').length === 1, 5000);
    expect(c.last('valve_error').error).toBe('Overcurrent detected');
    await clock.advanceAsync(500);
    expect(v.motor.mode).toBe('coast');
    const at = Math.round(v.angle);
    const { d } = await rebooted(clock, v, 'power');
    expect(d.Error).toBe('Overcurrent detected');
    expect(Math.abs(d.get_valvedata.angle - at)).toBeLessThanOrEqual(1);
  });

  it('a limit switch stuck engaged mid-travel, and a chattering one, are "Limit switch fault"', async () => {
    const { v, clock } = await booted({ startAngle: 45 });
    const c = await authorised(clock, v);
    c.send({ event: 'set_valve_basic', valve_data: { set_angle: true, angle: 70 } });
    await clock.advanceAsync(500);
    v.stickLimit('open', true);
    await until(clock, () => c.of('valve_error').length === 1, 2000);
    expect(c.last('valve_error').error).toBe('Limit switch fault');
    await clock.advanceAsync(500);
    expect(v.motor.mode).toBe('coast');
    v.stickLimit('open', undefined);
    await clock.advanceAsync(600);
    await moveTo(clock, v, c, 40);
    v.chatterLimit('close', true);
    await until(clock, () => c.of('valve_error').length === 2, 3000);
    expect(c.last('valve_error').error).toBe('Limit switch fault');
    v.chatterLimit('close', false);
    const { d } = await rebooted(clock, v, 'reboot');
    expect(d.Error).toBe('Limit switch fault');
    expect(d.get_valvedata.angle).toBe(40);
  });

  it('an INA219 that stops answering is "Current sensor fault"; the service keeps running', async () => {
    const { v, clock } = await booted({ startAngle: 10 });
    const c = await authorised(clock, v);
    c.send({ event: 'set_valve_basic', valve_data: { set_angle: true, angle: 80 } });
    await clock.advanceAsync(1000);
    v.inaFault(true);
    await until(clock, () => c.of('valve_error').length === 1, 2000);
    expect(c.last('valve_error').error).toBe('Current sensor fault');
    await clock.advanceAsync(500);
    expect(v.motor.mode).toBe('coast');
    expect((await state(clock, c)).Error).toBe('Current sensor fault');
    expect(v.esp.uncaught).toEqual([]);
    v.inaFault(false);
    await clock.advanceAsync(600);
    await moveTo(clock, v, c, 50);
    expect((await state(clock, c)).Error).toBe('No Error');
  });

  it('WiFi loss mid-move: the move completes, clients reconnect to the same state', async () => {
    const { v, clock } = await booted({ startAngle: 0 });
    const c = await authorised(clock, v);
    c.send({ event: 'set_valve_basic', valve_data: { set_angle: true, angle: 60 } });
    await clock.advanceAsync(1000);
    v.wifiLoss(20);
    await until(clock, () => c.closed !== undefined, 2000);
    await clock.advanceAsync(21000);
    await until(clock, () => v.esp.online, 15000);
    expect(v.motor.mode).toBe('coast');
    expect(Math.abs(v.angle - 60)).toBeLessThanOrEqual(1);
    const again = await authorised(clock, v);
    const d = await state(clock, again);
    expect(d).toMatchObject({ Error: 'No Error', get_valvedata: { angle: 60 } });
  });

  it('a power cut mid-move in sensor mode: motor off, then the mode and position carry on after the reboot', async () => {
    const { v, clock } = await booted({ startAngle: 0 });
    v.esp.pins.setAnalog(VALVE_BOARD.sensorInput, 0.6);
    const c = await authorised(clock, v);
    c.send({ event: 'set_valve_sensor', sensor_data: { enabled: true, threshold: 30.5, angle: 60 } });
    await clock.advanceAsync(1000);
    v.esp.pins.setAnalog(VALVE_BOARD.sensorInput, 0.2);
    await until(clock, () => v.angle > 20, 5000);
    v.powerCut(3);
    await clock.advanceAsync(500);
    expect(v.motor.mode).toBe('coast');
    const at = v.angle;
    expect(at).toBeLessThan(55);
    await clock.advanceAsync(2600);
    await until(clock, () => v.running && v.port !== undefined && v.esp.online, 5000);
    const again = await authorised(clock, v);
    const d = await state(clock, again);
    expect(d.get_controller).toEqual({ schedule: false, sensor: true });
    await until(clock, () => again.last('valve_data').motion === 'idle' && again.last('valve_data').get_valvedata.angle === 60, 15000);
    expect(Math.abs(v.angle - 60)).toBeLessThanOrEqual(1);
  });

  it('a power cut mid-move in manual mode: the motor stays off and the device says the move was cut', async () => {
    const { v, clock } = await booted({ startAngle: 0 });
    const c = await authorised(clock, v);
    c.send({ event: 'set_valve_basic', valve_data: { set_angle: true, angle: 80 } });
    await until(clock, () => v.angle > 30, 5000);
    const { d } = await rebooted(clock, v, 'power');
    expect(d.Error).toBe('Move interrupted by restart');
    expect(Math.abs(d.get_valvedata.angle - v.angle)).toBeLessThanOrEqual(1);
    await clock.advanceAsync(2000);
    expect(v.motor.mode).toBe('coast');
  });

  it('schedule mode opens the valve in its window and closes it after', async () => {
    const { v, clock } = await booted({ startAngle: 0 });
    const c = await authorised(clock, v);
    c.send({ event: 'set_valve_schedule', schedule_data: { enabled: true, windows: [{ start: '08:01', duration: 1, angle: 90 }] } });
    await clock.advanceAsync(30000);
    expect(v.angle).toBeLessThan(1);
    await until(clock, () => v.limitOpen.isClosed, 60000);
    expect((await state(clock, c)).get_controller).toEqual({ schedule: true, sensor: false });
    await until(clock, () => v.limitClose.isClosed, 90000);
  });

  it('a WiFi change is saved and the device restarts on the new network', async () => {
    const clock = new VirtualClock();
    const v = new SimulatedValve({
      id: DEVICE_ID, bundle: readFileSync(BUNDLE, 'utf8'), bundleName: 'valve.js', clock, passkey: PASSKEY,
      networks: [SIM_NETWORK, { ssid: 'YourSSID', password: 'YourPassword' }],
    });
    logs = v.esp.logs;
    cleanup.push(() => v.stop());
    v.start();
    await until(clock, () => v.port !== undefined && v.esp.online, 5000);
    const c = await authorised(clock, v);
    c.send({ event: 'set_valve_wifi', wifi_data: { ssid: SIM_NETWORK.ssid, password: SIM_NETWORK.password } });
    await clock.advanceAsync(1000);
    expect(v.esp.boots).toBe(1);
    c.send('{"event":"set_valve_wifi","wifi_data":{"ssid":"YourSSID","password":"YourPassword"}}');
    await until(clock, () => v.esp.boots === 2, 2000);
    await until(clock, () => v.port !== undefined && v.esp.online, 10000);
    expect(v.esp.radio.station).toMatchObject({ status: 'connected', ssid: 'YourSSID' });
    expect(JSON.parse(v.esp.store.files.get('espfleet.json')!).wifi).toEqual({ ssid: 'YourSSID', password: 'YourPassword' });
    const again = await authorised(clock, v);
    expect(again.of('device_info')).toHaveLength(1);
  });

  it('an unprovisioned valve starts an access point and serves provisioning there', async () => {
    const { v, clock } = valve({ unprovisioned: true });
    v.start();
    await until(clock, () => v.port !== undefined && v.esp.online, 5000);
    expect(v.esp.radio.ap).toBe('espfleet-valve');
    const c = await client(clock, v);
    c.send({ event: 'request_device_info', passkey: '' });
    await until(clock, () => c.of('device_info').length === 1, 3000);
    c.send({ event: 'set_valve_wifi', wifi_data: { ssid: SIM_NETWORK.ssid, password: SIM_NETWORK.password } });
    await until(clock, () => v.esp.boots === 2, 2000);
    await until(clock, () => v.esp.radio.station.status === 'connected', 10000);
  });

  it('refuses bad passkeys, malformed JSON, wrong types, oversized frames and out-of-range angles while serving others', async () => {
    const { v, clock } = await booted({ startAngle: 10 });
    const good = await authorised(clock, v);
    const bad = await client(clock, v);
    for (let i = 0; i < 5; i++) bad.send({ event: 'request_device_info', passkey: 'guess' + i });
    await until(clock, () => bad.closed !== undefined, 3000);
    expect(bad.closed).toEqual({ code: 1008, reason: 'Too many wrong passkeys' });
    expect(bad.got).toEqual([]);
    const locked = await client(clock, v);
    await until(clock, () => locked.closed !== undefined, 3000);
    expect(locked.closed!.code).toBe(1008);

    const rude = await authorised(clock, v).catch(() => undefined);
    expect(rude).toBeUndefined();
    await clock.advanceAsync(10000);
    const other = await authorised(clock, v);
    other.send('{"event":');
    other.send('{"event":"set_valve_basic","valve_data":{"set_angle":true,"angle":"45"}}');
    other.send('{"event":"set_valve_basic","valve_data":{"set_angle":true,"angle":91}}');
    await until(clock, () => other.of('valve_error').length === 3, 3000);
    expect(other.of('valve_error').map((m) => m.error)).toEqual([
      'invalid JSON',
      '/valve_data/angle must be an integer >= 0 <= 90',
      '/valve_data/angle must be an integer >= 0 <= 90',
    ]);
    expect(good.of('valve_error')).toEqual([]);
    expect(v.motor.mode).toBe('coast');

    other.ws.send('{"event":"set_valve_basic",', { fin: false });
    other.ws.send('"valve_data":{"set_angle":true,"angle":35}}', { fin: true });
    await until(clock, () => good.last('valve_data')?.motion === 'idle' && good.last('valve_data')?.get_valvedata.angle === 35, 10000);

    other.send('x'.repeat(3000));
    await until(clock, () => other.closed !== undefined, 3000);
    expect(other.closed!.code).toBe(1009);
    await moveTo(clock, v, good, 20);
    expect(v.esp.uncaught).toEqual([]);
  });
});
