// espfleet sim, run as a person runs it: a real process, real output, real exit codes.
import { describe, it, expect } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import WebSocket from 'ws';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'dist', 'cli.js');
// Valves run the real firmware (firmware/dist/valve.js, the default). Where a test needs a charger
// that acts without a backend (a card closes the relay, an HTTP status page), it runs the
// simulator's firmware-style charger test bundle.
const chargerBundle = join(here, '..', '..', 'simulator', 'test', 'bundles', 'charger-driver.js');

function run(args: string[], input = '') {
  return spawnSync(process.execPath, [cli, ...args], { input, encoding: 'utf8', timeout: 60_000 });
}

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('espfleet', () => {
  it('lists its commands, with --help and --json', () => {
    const r = run(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('sim');
    const j = run(['--help', '--json']);
    expect(JSON.parse(j.stdout).commands.map((c: { name: string }) => c.name)).toContain('sim');
    const bad = run(['nope']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown command "nope"');
  });
});

describe('espfleet sim', () => {
  it('documents every option', () => {
    const r = run(['sim', '--help']);
    expect(r.status).toBe(0);
    for (const o of ['--valves', '--chargers', '--server', '--realtime', '--json', '--fault']) expect(r.stdout).toContain(o);
    expect(JSON.parse(run(['sim', '--help', '--json']).stdout).options.valves).toBeTruthy();
  });

  it('refuses bad input with a message and exit status 2', () => {
    expect(run(['sim', '--valves', '0', '--chargers', '0']).stderr).toContain('nothing to simulate');
    const neg = run(['sim', '--valves', '-3']);
    expect(neg.status).toBe(2);
    expect(run(['sim', '--valves', 'many']).stderr).toContain('--valves must be a whole number');
    expect(run(['sim', '--valves', '1', '--valve-bundle', '/no/such/file.js']).stderr).toContain('valve bundle not found');
    expect(run(['sim', '--bogus']).status).toBe(2);
  });

  it('runs a fleet: progress, addresses and credentials, live state, faults, a clean stop', () => {
    const r = run(
      ['sim', '--valves', '2', '--chargers', '1', '--charger-bundle', chargerBundle, '--seconds', '20', '--speed', '20', '--json', '--fault', 'valve-1 jam:10', '--fault', 'charger-1 card:04A1B2C3'],
      'valve-2 wifi-loss:2\nvalve-2 explode\n',
    );
    expect(r.status, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    const progress = lines.filter((l) => l.type === 'progress');
    expect(progress.map((p) => p.started)).toEqual([1, 2, 3]);
    const devices = lines.filter((l) => l.type === 'device');
    expect(devices.map((d) => d.id)).toEqual(['valve-1', 'valve-2', 'charger-1']);
    expect(devices[0]).toMatchObject({ url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/), protocol: 'websocket', contentType: null });
    expect(devices[2]).toMatchObject({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/), protocol: 'http', contentType: 'application/json' });
    expect(devices[0].passkey).toBe('pk-valve-1');
    expect(devices[2].estacionId).toBe(1);
    expect(lines.filter((l) => l.type === 'fault').map((f) => f.fault)).toEqual(['jam:10', 'card:04A1B2C3', 'wifi-loss:2']);
    expect(jsonLines(r.stderr).map((e) => e.message)).toContainEqual(expect.stringContaining('unknown fault "explode"'));
    const states = lines.filter((l) => l.type === 'state');
    expect(states.length).toBeGreaterThan(0);
    const last = states.at(-1)!.devices as Array<Record<string, unknown>>;
    expect(last.find((d) => d.id === 'charger-1')!.relay).toBe(true);
    expect(lines.at(-1)!.type).toBe('stopped');
  });

  it('a real client reaches a simulated valve through its firmware\'s own WebSocket server', async () => {
    const child = spawn(process.execPath, [cli, 'sim', '--valves', '1', '--realtime', '--json']);
    try {
      const [valve] = await listed(child, 1);
      const ws = new WebSocket(String(valve.url));
      const replies: Array<Record<string, unknown>> = [];
      ws.on('message', (d) => replies.push(JSON.parse(d.toString())));
      await new Promise((ok, fail) => (ws.once('open', ok), ws.once('error', fail)));
      ws.send(JSON.stringify({ event: 'request_device_info', passkey: valve.passkey }));
      await expect.poll(() => replies[0], { timeout: 10_000 }).toMatchObject({ event: 'device_info', device_id: 'valve-1' });
      ws.send(JSON.stringify({ event: 'device_basic_info', data: { user_id: '1', device_id: 'valve-1' } }));
      await expect.poll(() => replies.find((r) => r.event === 'valve_data'), { timeout: 10_000 }).toMatchObject({ get_valvedata: { angle: 0, is_close: true }, Error: 'No Error' });
      ws.close();
    } finally {
      await interrupt(child);
    }
  });

  it('prints for each device an address that answers as the line says', async () => {
    // Human output: every address is taken from the printed line and asked.
    const child = spawn(process.execPath, [cli, 'sim', '--valves', '1', '--chargers', '1', '--charger-bundle', chargerBundle, '--realtime', '--server', 'ws://127.0.0.1:9/ws']);
    try {
      const lines = await printedDeviceLines(child, ['valve-1', 'charger-1']);
      for (const line of lines) {
        const m = /^(\S+): (?:estacionId \d+, )?(\S+) \((WebSocket|HTTP)(?:, ([^)]+))?\)/.exec(line);
        expect(m, line).not.toBeNull();
        const [, , url, protocol, contentType] = m!;
        if (protocol === 'WebSocket') {
          expect(url).toMatch(/^ws:/);
          await new Promise<void>((ok, fail) => {
            const ws = new WebSocket(url);
            ws.once('open', () => (ws.close(), ok()));
            ws.once('error', fail);
          });
        } else {
          expect(url).toMatch(/^http:/);
          const r = await fetch(url);
          expect(r.status).toBe(200);
          expect(r.headers.get('content-type')).toBe(contentType);
          expect(await r.json()).toBeTypeOf('object');
          // It does not also claim a WebSocket it does not have.
          expect(line).not.toContain('ws://127.0.0.1:' + new URL(url).port);
        }
      }
      expect(lines.find((l) => l.startsWith('valve-1'))).toMatch(/^valve-1: ws:\/\/127\.0\.0\.1:\d+\/ws \(WebSocket\); passkey pk-valve-1$/);
      const charger = lines.find((l) => l.startsWith('charger-1'))!;
      // The server URL is configuration, not a connection the server would see.
      expect(charger).toContain('configured server ws://127.0.0.1:9/ws');
      expect(charger).not.toMatch(/→|connected/);
    } finally {
      await interrupt(child);
    }
  });
});

/** The device documents `espfleet sim --json` prints, once `n` have arrived. */
function listed(child: ChildProcess, n: number): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const found: Array<Record<string, unknown>> = [];
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        const m = JSON.parse(l) as Record<string, unknown>;
        if (m.type === 'device') found.push(m);
        if (found.length === n) resolve(found);
      }
    });
    child.on('exit', () => reject(new Error('sim exited')));
    setTimeout(() => reject(new Error('no device address')), 20_000);
  });
}

/** The human lines `espfleet sim` prints for the named devices. */
function printedDeviceLines(child: ChildProcess, ids: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n').filter((l) => ids.some((id) => l.startsWith(`${id}: `)));
      if (lines.length === ids.length) resolve(lines);
    });
    child.on('exit', () => reject(new Error(`sim exited: ${buf}`)));
    setTimeout(() => reject(new Error(`no device lines: ${buf}`)), 20_000);
  });
}

async function interrupt(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGINT');
  await exited;
}
