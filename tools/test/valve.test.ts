// espfleet valve, end to end: the CLI as a real process against simulated valves that run the
// real firmware bundle (firmware/dist/valve.js) on a virtual clock, over real sockets.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { Fleet, VirtualClock, applyFault, type SimulatedValve } from '@espfleet/simulator';
import { VALVE_ERRORS } from '@espfleet/protocol/valve';
import { cli, toolsDir, jsonLines } from './support.js';

const bundle = readFileSync(join(toolsDir, '..', 'firmware', 'dist', 'valve.js'), 'utf8');
/** Device time runs this many times faster than real time: a full 90° stroke takes about a second. */
const SPEED = 5;

let fleet: Fleet;
let driver: NodeJS.Timeout;

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `espfleet valve ARGS --host 127.0.0.1 --port PORT(v)` as a child process. */
function valveCli(v: SimulatedValve | number, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> & { kill(): void } {
  const port = typeof v === 'number' ? v : v.port!;
  const passkey = typeof v === 'number' ? 'x' : String(v.config.passkey);
  const child = spawn(process.execPath, [cli, 'valve', ...args, '--host', '127.0.0.1', '--port', String(port)], {
    env: { ...process.env, ESPFLEET_PASSKEY: passkey, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<Ran>((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
  return Object.assign(done, { kill: () => child.kill('SIGINT') });
}

const valve = (i: number) => fleet.valves[i - 1];

beforeAll(async () => {
  const clock = new VirtualClock(Date.now());
  fleet = new Fleet({ clock, valves: 6, valveBundle: bundle, seed: 7 });
  for (const v of fleet.valves) v.on('uncaught', (e) => console.error(`${v.id} uncaught`, e));
  let last = performance.now();
  driver = setInterval(() => {
    const t = performance.now();
    clock.advance((t - last) * SPEED);
    last = t;
  }, 10);
  fleet.start();
  // Until a valve has joined WiFi its server resets every connection.
  const until = Date.now() + 20_000;
  while (!fleet.valves.every((v) => v.port !== undefined && v.esp.online)) {
    if (Date.now() > until) throw new Error('the simulated valves did not come online');
    await new Promise((r) => setTimeout(r, 20));
  }
});

afterAll(() => {
  clearInterval(driver);
  fleet?.stop();
});

describe('espfleet valve', () => {
  it('documents its actions, options and exit statuses', async () => {
    const r = await valveCli(1, ['--help']);
    expect(r.status).toBe(0);
    for (const w of ['move ANGLE', 'watch', 'wifi set SSID', 'schedule', 'sensor', '--passkey', '--timeout', '--json', '3 wrong passkey', '4 unreachable', '5 timeout', '6 device fault']) expect(r.stdout).toContain(w);
  });

  it('status: the valve\'s state, for people and as JSON', async () => {
    const human = await valveCli(valve(1), ['status']);
    expect(human.status, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^valve-1: 0° closed; manual control; limits open free, close engaged; No Error; up \d+ s/);
    const r = await valveCli(valve(1), ['status', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ type: 'state', device_id: 'valve-1', angle: 0, is_close: true, motion: 'idle', schedule: false, sensor: false, error: 'No Error', limits: { is_close_limit: true, close_limit: true } });
  });

  it('move: progress until the valve reports it arrived, within ±1°; open and close reach the ends', async () => {
    const r = await valveCli(valve(1), ['move', '45', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const docs = jsonLines(r.stdout);
    const progress = docs.filter((d) => d.type === 'progress');
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.some((p) => p.motion === 'opening')).toBe(true);
    const arrived = docs.at(-1)!;
    expect(arrived.type).toBe('arrived');
    expect(Math.abs((arrived.angle as number) - 45)).toBeLessThanOrEqual(1);
    expect(Math.abs(valve(1).angle - 45)).toBeLessThanOrEqual(1);

    // Without a terminal the bar is plain lines, one per state.
    const open = await valveCli(valve(1), ['open']);
    expect(open.status, open.stderr).toBe(0);
    expect(open.stdout).toMatch(/^\[█+░*\] +\d+° → 90°$/m);
    expect(open.stdout).toMatch(/valve-1: 90° open; manual control; limits open engaged/);
    expect(valve(1).limitOpen.isClosed).toBe(true);
    const close = await valveCli(valve(1), ['close', '--json']);
    expect(close.status, close.stderr).toBe(0);
    expect(jsonLines(close.stdout).at(-1)).toMatchObject({ type: 'arrived', angle: 0, is_close: true });
  });

  it('a wrong passkey: exit 3 and a message saying so', async () => {
    const r = await valveCli(valve(2), ['status', '--timeout', '1', '--json'], { ESPFLEET_PASSKEY: 'not-the-passkey' });
    expect(r.status).toBe(3);
    expect(JSON.parse(r.stderr)).toMatchObject({ type: 'error', kind: 'auth', exitCode: 3, message: expect.stringContaining('did not accept the passkey') });
    const human = await valveCli(valve(2), ['status', '--timeout', '0.5', '--passkey', 'wrong']);
    expect(human.status).toBe(3);
    expect(human.stderr).toMatch(/^espfleet: the valve at ws:\/\/127\.0\.0\.1:\d+\/ws did not accept the passkey/);
  });

  it('an unreachable host: exit 4', async () => {
    const port = await new Promise<number>((ok) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => ok(p));
      });
    });
    const r = await valveCli(port, ['status', '--json']);
    expect(r.status).toBe(4);
    expect(JSON.parse(r.stderr)).toMatchObject({ kind: 'unreachable', message: `cannot reach a valve at ws://127.0.0.1:${port}/ws: nothing listens there` });
  });

  it('a timeout: exit 5 naming what did not come', async () => {
    const r = await valveCli(valve(3), ['move', '90', '--timeout', '0.25', '--json']);
    expect(r.status).toBe(5);
    expect(JSON.parse(r.stderr.trim().split('\n').at(-1)!)).toMatchObject({ kind: 'timeout', exitCode: 5, message: expect.stringMatching(/^the valve did not reach 90° within 0\.25 s \(last reported \d+°\)$/) });
  });

  it('a fault: exit 6 with the device\'s error, the motor off', async () => {
    const v = valve(4);
    applyFault(v, 'jam:20');
    const r = await valveCli(v, ['move', '60', '--json']);
    expect(r.status).toBe(6);
    const err = JSON.parse(r.stderr.trim().split('\n').at(-1)!);
    expect(err).toMatchObject({ kind: 'fault', exitCode: 6 });
    expect([VALVE_ERRORS.STALLED, VALVE_ERRORS.OVERCURRENT]).toContain(err.deviceError);
    expect(err.message).toContain(`the valve reports a fault moving to 60°: ${err.deviceError}`);
    expect(v.motor.mode).not.toBe('drive');
    expect(v.angle).toBeLessThan(21);
    // The fault stays in the state until a new command.
    expect(JSON.parse((await valveCli(v, ['status', '--json'])).stdout).error).toBe(err.deviceError);
    applyFault(v, 'unjam');
    const again = await valveCli(v, ['move', '30']);
    expect(again.status, again.stderr).toBe(0);
  });

  it('stop: the motor stops where it is; the move that was under way ends short with exit 6', async () => {
    const v = valve(5);
    const moving = valveCli(v, ['move', '90', '--json']);
    await expect.poll(() => v.angle, { timeout: 10_000 }).toBeGreaterThan(10);
    const stopped = await valveCli(v, ['stop', '--json']);
    expect(stopped.status, stopped.stderr).toBe(0);
    const state = JSON.parse(stopped.stdout);
    expect(state).toMatchObject({ type: 'stopped', motion: 'idle', target_angle: null });
    expect(state.angle).toBeLessThan(85);
    const r = await moving;
    expect(r.status).toBe(6);
    expect(JSON.parse(r.stderr.trim().split('\n').at(-1)!).message).toMatch(/stopped at \d+° short of 90°/);
  });

  it('watch: state changes live, until --count or Ctrl-C', async () => {
    const v = valve(6);
    const watching = valveCli(v, ['watch', '--json']);
    await new Promise((r) => setTimeout(r, 500));
    expect((await valveCli(v, ['move', '20'])).status).toBe(0);
    watching.kill();
    const r = await watching;
    expect(r.status, r.stderr).toBe(0);
    const states = jsonLines(r.stdout).filter((d) => d.type === 'state');
    expect(states[0].angle).toBe(0);
    expect(states.some((s) => s.motion === 'opening')).toBe(true);
    expect(Math.abs((states.at(-1)!.angle as number) - 20)).toBeLessThanOrEqual(1);
    const counted = valveCli(v, ['watch', '--count', '2', '--json']);
    await new Promise((r) => setTimeout(r, 500));
    expect((await valveCli(v, ['move', '30'])).status).toBe(0);
    const c = await counted;
    expect(c.status, c.stderr).toBe(0);
    expect(jsonLines(c.stdout)).toHaveLength(3);
  });

  it('schedule and sensor modes: switched on and off, reported by the valve', async () => {
    const v = valve(2);
    const on = await valveCli(v, ['schedule', '06:30+20@90', '18:00+15@45', '--json']);
    expect(on.status, on.stderr).toBe(0);
    expect(JSON.parse(on.stdout)).toMatchObject({ schedule: true, sensor: false });
    const sensor = await valveCli(v, ['sensor', '30.5@60', '--json']);
    expect(sensor.status, sensor.stderr).toBe(0);
    expect(JSON.parse(sensor.stdout)).toMatchObject({ schedule: false, sensor: true });
    const off = await valveCli(v, ['sensor', 'off', '--json']);
    expect(JSON.parse(off.stdout)).toMatchObject({ schedule: false, sensor: false });
    // A manual move switches automatic control off (the spec's set_valve_basic).
    await valveCli(v, ['schedule', '06:30+20@90']);
    expect(JSON.parse((await valveCli(v, ['move', '10', '--json'])).stdout.trim().split('\n').at(-1)!)).toMatchObject({ type: 'arrived', schedule: false });
  });

  it('wifi set: unchanged credentials keep the valve up; bad ones are refused with exit 6; new ones restart it', async () => {
    const v = valve(3);
    const same = await valveCli(v, ['wifi', 'set', 'espfleet-sim', '--password', 'simulated-wifi', '--timeout', '1', '--json']);
    expect(same.status, same.stderr).toBe(0);
    expect(JSON.parse(same.stdout)).toMatchObject({ type: 'wifi', device_id: 'valve-3', result: 'unchanged' });
    const bad = await valveCli(v, ['wifi', 'set', 'Greenhouse', '--password', 'short']);
    expect(bad.status).toBe(6);
    expect(bad.stderr).toContain('the valve refused the WiFi settings: WiFi password must be');
    let booted = 0;
    v.on('boot', () => booted++);
    const changed = await valveCli(v, ['wifi', 'set', 'Greenhouse', '--password', 'green-house-1']);
    expect(changed.status, changed.stderr).toBe(0);
    expect(changed.stdout).toContain('valve-3: saved WiFi "Greenhouse"; the valve restarts to join it');
    await expect.poll(() => booted, { timeout: 10_000 }).toBeGreaterThan(0);
  });

  it('an answer that is not the valve protocol: exit 7', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/ws' });
    wss.on('connection', (ws) => ws.on('message', () => ws.send(JSON.stringify({ event: 'device_info', timestamp: '2026-01-01 08:00:00', device_id: 7 }))));
    await new Promise((ok) => wss.once('listening', ok));
    try {
      const r = await valveCli((wss.address() as { port: number }).port, ['status']);
      expect(r.status).toBe(7);
      expect(r.stderr).toContain('sent a message the valve protocol refuses: /device_id must be a string');
    } finally {
      wss.close();
    }
  });

  it('refuses bad words before connecting, with exit status 2', async () => {
    for (const [args, msg] of [
      [['move', '91'], 'angle "91" must be a whole number of degrees from 0 (closed) to 90 (open)'],
      [['move'], 'give the angle'],
      [['spin'], 'unknown action "spin"'],
      [['status', 'now'], '"status" takes no more words'],
      [['schedule', '6:30@90'], 'must look like HH:MM+MINUTES@ANGLE'],
      [['schedule', '24:00+10@90'], 'is not a time of day'],
      [['sensor', 'wet@60'], 'sensor threshold "wet" is not a number'],
      [['wifi', 'SSID'], 'use: wifi set SSID'],
      [['status', '--timeout', '0'], '--timeout must be'],
    ] as const) {
      const r = await valveCli(1, [...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(msg);
    }
    const noKey = await valveCli(1, ['status'], { ESPFLEET_PASSKEY: '' });
    expect(noKey.stderr).toContain('give the passkey with --passkey or the ESPFLEET_PASSKEY environment variable');
  });
});
