// espfleet flash as a person runs it: the real espruino CLI underneath, real sockets, real files.
import { describe, it, expect } from 'vitest';
import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { cli, toolsDir } from './support.js';

const dist = join(toolsDir, '..', 'firmware', 'dist');
const dir = mkdtempSync(join(tmpdir(), 'espfleet-flash-test-'));

function run(args: string[]) {
  return spawnSync(process.execPath, [cli, 'flash', ...args], { encoding: 'utf8', timeout: 60_000 });
}

/** Runs the CLI without blocking the test's own event loop (for tests that serve sockets). */
function runAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'flash', ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function listen(handler: (s: import('node:net').Socket) => void): Promise<Server & { port: number }> {
  return new Promise((ok) => {
    const s = createServer(handler).listen(0, '127.0.0.1', () => ok(Object.assign(s, { port: (s.address() as { port: number }).port })));
  });
}

/** What the uploaded code leaves in Storage: the code run against a recording Storage. */
function storageAfter(code: string): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  const Storage = {
    write(name: string, data: string, offset = 0, size?: number) {
      if (size !== undefined) files[name] = Buffer.alloc(size);
      Buffer.from(data, 'latin1').copy(files[name], offset);
    },
  };
  const loaded: string[] = [];
  runInNewContext(code, { require: (m: string) => (m === 'Storage' ? Storage : undefined), atob: (s: string) => Buffer.from(s, 'base64').toString('latin1'), load: (f: string) => loaded.push(f) });
  expect(loaded).toEqual(['.bootcde']);
  return files;
}

const config = { valve: { device_id: 'valve-bench-1', passkey: 'pässkey-1', wifi: { ssid: 'Café Núñez', password: 'contraseña1' } }, charger: { estacionId: 4, server: 'ws://10.0.0.2:3000/ws', token: 't' } };

describe('espfleet flash', () => {
  it('documents its options', () => {
    const r = run(['--help']);
    expect(r.status).toBe(0);
    for (const o of ['--port', '--host', '--config', '--dry-run', '-o', '--json']) expect(r.stdout).toContain(o);
  });

  for (const app of ['valve', 'charger'] as const) {
    it(`--dry-run -o writes the ${app} bundle and the configuration as Storage writes, exactly as the espruino CLI would send them`, () => {
      const cfg = join(dir, `${app}.json`);
      writeFileSync(cfg, JSON.stringify(config[app], null, 2));
      const out = join(dir, `${app}-upload.txt`);
      const r = run([app, '--config', cfg, '--dry-run', '-o', out, '--json']);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ type: 'dry-run', app, output: out, config: true });
      const files = storageAfter(readFileSync(out, 'latin1'));
      // Byte for byte: the bundle as UTF-8, the configuration as compact UTF-8 JSON.
      expect(files['.bootcde'].equals(readFileSync(join(dist, `${app}.js`)))).toBe(true);
      expect(JSON.parse(files['espfleet.json'].toString('utf8'))).toEqual(config[app]);
      expect(Object.keys(files)).toEqual(['espfleet.json', '.bootcde']);
    });
  }

  it('without --config leaves the stored configuration alone', () => {
    const out = join(dir, 'noconfig.js');
    expect(run(['valve', '--dry-run', '-o', out]).status).toBe(0);
    expect(Object.keys(storageAfter(readFileSync(out, 'latin1')))).toEqual(['.bootcde']);
  });

  it('refuses bad input before talking to anything, with exit status 2', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"device_id": "v"}');
    for (const [args, msg] of [
      [['toaster', '--dry-run', '-o', 'x.js'], 'valve or charger'],
      [['valve'], 'give --port DEVICE, --host HOST or --dry-run'],
      [['valve', '--port', '/dev/ttyUSB0', '--host', '10.0.0.5'], 'give one of --port, --host'],
      [['valve', '--dry-run'], 'give -o FILE'],
      [['valve', '--dry-run', '-o', 'x.js', '--config', bad], '"passkey" must be a non-empty string'],
      [['valve', '--dry-run', '-o', 'x.js', '--config', join(dir, 'none.json')], 'config file not found'],
      [['valve', '--dry-run', '-o', 'x.js', '--bundle', join(dir, 'none.js')], 'bundle not found'],
    ] as const) {
      const r = run([...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(msg);
    }
  });

  it('a serial port that does not exist: no board answers, exit 4', () => {
    const r = run(['valve', '--port', join(dir, 'ttyUSB-none')]);
    expect(r.status).toBe(4);
    expect(r.stderr).toContain(`no board answers at ${join(dir, 'ttyUSB-none')}: the serial port does not exist`);
  });

  it('a --host where nothing listens: no board answers, exit 4, in JSON too', async () => {
    const s = await listen(() => {});
    const port = s.port;
    await new Promise((ok) => s.close(ok));
    const r = await runAsync(['valve', '--host', `127.0.0.1:${port}`, '--json']);
    expect(r.status).toBe(4);
    expect(JSON.parse(r.stderr.trim().split('\n').at(-1)!)).toEqual({ type: 'error', kind: 'unreachable', exitCode: 4, board: [], message: `no board answers at 127.0.0.1:${port} (telnet): nothing listens there (is the board on the network, with its telnet console on?)` });
  });

  it('a --host that accepts but is not Espruino: no board answers, though the espruino CLI reports success', async () => {
    let heard = '';
    const s = await listen((sock) => sock.on('data', (d) => (heard += d.toString('latin1'))));
    try {
      const r = await runAsync(['valve', '--host', `127.0.0.1:${s.port}`]);
      expect(r.status).toBe(4);
      expect(r.stderr).toContain('connected, but no Espruino prompt came back');
      expect(r.stdout).not.toContain('uploaded');
      // Stopped before the code: a device that is not Espruino is not sent a firmware.
      expect(heard).not.toContain('Storage');
    } finally {
      s.close();
    }
  });
});
