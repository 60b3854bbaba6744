// `make demo PORT=N` and `ESPFLEET_PORT=N espfleet demo` put the demo on port N.
import { describe, it, expect } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, toolsDir } from './support.js';

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

describe('espfleet demo port', () => {
  it('make demo PORT=N passes the port on', () => {
    const r = spawnSync('make', ['-n', 'demo', 'PORT=3100'], { cwd: join(toolsDir, '..'), encoding: 'utf8' });
    expect(r.stdout).toMatch(/espfleet\.js demo --port 3100\n/);
    expect(spawnSync('make', ['-n', 'demo'], { cwd: join(toolsDir, '..'), encoding: 'utf8', env: { ...process.env, PORT: '' } }).stdout).toMatch(/espfleet\.js demo *\n/);
  });

  it('takes ESPFLEET_PORT from the environment', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'espfleet-demo-'));
    const child = spawn(process.execPath, [cli, 'demo', '--valves', '0', '--chargers', '1', '--data-dir', dir, '--json'], { env: { ...process.env, ESPFLEET_PORT: String(port), PORT: '' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const closed = new Promise<number | null>((r) => child.on('close', r));
    try {
      await expect.poll(() => out, { timeout: 20_000 }).toContain('"type":"demo"');
      const demo = out.split('\n').map((l) => (l.startsWith('{') ? JSON.parse(l) : {})).find((m) => m.type === 'demo');
      expect(demo.url).toBe(`http://127.0.0.1:${port}`);
      expect((await fetch(`${demo.url}/healthz`)).status).toBe(200);
    } finally {
      child.kill('SIGINT');
    }
    expect(await closed).toBe(0);
  });

  it('runs the charger firmware against the server: the demo card starts a session the station shows', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'espfleet-demo-'));
    const child = spawn(process.execPath, [cli, 'demo', '--valves', '0', '--chargers', '1', '--port', String(port), '--data-dir', dir, '--json']);
    const closed = new Promise<number | null>((r) => child.on('close', r));
    try {
      const station = async () => (await (await fetch(`http://127.0.0.1:${port}/api/v1/stations/1`)).json()) as { status: string; live?: unknown };
      await expect.poll(async () => (await station().catch(() => ({ status: 'down' }))).status, { timeout: 30_000, interval: 250 }).toBe('cargando');
      const sessions = (await (await fetch(`http://127.0.0.1:${port}/api/v1/sessions?stationId=1`)).json()) as { items: Array<{ cardUid: string; endedAt: number | null }> };
      expect(sessions.items[0]).toMatchObject({ cardUid: '04A1B2C3', endedAt: null });
    } finally {
      child.kill('SIGINT');
    }
    expect(await closed).toBe(0);
  }, 45_000);
});
