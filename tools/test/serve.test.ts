// espfleet serve and espfleet token as a person runs them.
import { describe, it, expect } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { verifyToken } from '@espfleet/host-server';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000 });

async function serve(args: string[]): Promise<{ url: string; stop(): Promise<string> }> {
  const child = spawn(process.execPath, [cli, 'serve', '--json', '--port', '0', ...args]);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const url = await new Promise<string>((ok, fail) => {
    const t = setInterval(() => {
      const m = out.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((x) => x.type === 'listening');
      if (m) {
        clearInterval(t);
        ok(m.url);
      }
    }, 20);
    child.on('exit', () => fail(new Error('serve exited: ' + out)));
  });
  return {
    url,
    stop: () =>
      new Promise((ok) => {
        child.on('exit', () => ok(out));
        child.kill('SIGINT');
      }),
  };
}

describe('espfleet serve', () => {
  it('documents its settings', () => {
    const r = run(['serve', '--help']);
    for (const o of ['--port', '--data-dir', 'ESPFLEET_DATA_DIR', 'DATABASE_URL', '--open']) expect(r.stdout).toContain(o);
  });

  it('starts on embedded defaults, serves health, and stops cleanly on Ctrl-C', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'espfleet-serve-'));
    const s = await serve(['--open', '--data-dir', dir]);
    const h = (await (await fetch(s.url + '/healthz')).json()) as { status: string; store: string };
    expect(h).toMatchObject({ status: 'ok', store: 'sqlite' });
    const out = await s.stop();
    expect(out).toContain('"type":"stopped"');
  });

  it('refuses bad settings with a message', () => {
    expect(run(['serve', '--port', '70000']).stderr).toContain('--port must be a whole number');
    const bad = run(['serve', '--config', '/no/such.json']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('config file not found');
  });
});

describe('espfleet token', () => {
  it('mints a publisher token the server accepts, for its station only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'espfleet-token-'));
    expect(run(['token', 'publisher', '--data-dir', dir]).stderr).toContain('give --station N');
    expect(run(['token', 'wizard']).status).toBe(2);
    const r = run(['token', 'publisher', '--station', '1', '--data-dir', dir, '--create-secret', '--json']);
    const { token } = JSON.parse(r.stdout) as { token: string };
    expect(verifyToken(readFileSync(join(dir, 'jwt-secret'), 'utf8'), token)).toMatchObject({ role: 'publisher', estacionId: 1 });
    const admin = run(['token', 'admin', '--data-dir', dir]).stdout.trim();
    const s = await serve(['--data-dir', dir]);
    try {
      const created = await fetch(s.url + '/api/v1/stations', { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ id: 1, name: 'E1' }) });
      expect(created.status).toBe(201);
      expect((await fetch(s.url + '/api/v1/stations')).status).toBe(401);
      const first = await new Promise<string>((ok) => {
        const ws = new WebSocket(`${s.url.replace('http', 'ws')}/ws?role=publisher&estacionId=1&token=${token}`);
        ws.on('message', (d) => (ok(d.toString()), ws.close()));
      });
      expect(JSON.parse(first)).toEqual({ type: 'connected', role: 'publisher', estacionId: '1' });
    } finally {
      await s.stop();
    }
  });
});
