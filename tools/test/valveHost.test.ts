// `espfleet valve add | list | remove` against a real `espfleet serve` (a child process) and the
// real valve firmware on a simulated valve: the host links to what was added; a wrong server,
// a missing admin token and bad words each get a clear answer and their exit status.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedValve, WallClock } from '@espfleet/simulator';
import { cli, jsonLines, serve, toolsDir, type Served } from './support.js';

const bundle = readFileSync(join(toolsDir, '../firmware/dist/valve.js'), 'utf8');
const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, [cli, 'valve', ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
const freePort = () =>
  new Promise<number>((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => ok(port));
    });
  });

describe('espfleet valve add | list | remove', () => {
  let open: Served;
  let guarded: Served;
  let valve: SimulatedValve;
  const dirs: string[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 2; i++) dirs.push(mkdtempSync(join(tmpdir(), 'espfleet-valve-host-')));
    open = await serve(['--open', '--data-dir', dirs[0]]);
    guarded = await serve(['--data-dir', dirs[1]]);
    valve = new SimulatedValve({ bundle, clock: new WallClock(), port: await freePort(), passkey: 'pk-north' }).start();
    const until = Date.now() + 15_000;
    while (valve.port === undefined && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  });
  afterAll(() => {
    valve?.stop();
    open?.child.kill();
    guarded?.child.kill();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('adds a valve the host then links to, lists it, removes it', async () => {
    const add = await run(['add', '--name', 'Riego norte', '--host', '127.0.0.1', '--port', String(valve.port), '--passkey', 'pk-north', '--server', open.url, '--json']);
    expect(add.status, add.stderr).toBe(0);
    const added = jsonLines(add.stdout).find((l) => l.type === 'added') as { valve: { valveId: number; online: boolean; angle: number } };
    expect(added.valve).toMatchObject({ online: true });
    expect(add.stdout + add.stderr).not.toContain('pk-north');
    // CLI → host → valve: a move through the host's link, with progress, answered on arrival.
    const move = await run(['move', '30', '--id', String(added.valve.valveId), '--server', open.url, '--json']);
    expect(move.status, move.stderr).toBe(0);
    const arrived = jsonLines(move.stdout).find((l) => l.type === 'arrived') as { valve: { angle: number } };
    expect(Math.abs(arrived.valve.angle - 30)).toBeLessThanOrEqual(1);
    expect(Math.abs(valve.angle - 30)).toBeLessThanOrEqual(1.5);
    expect(jsonLines(move.stdout).some((l) => l.type === 'progress')).toBe(true);
    const status = await run(['status', '--id', String(added.valve.valveId), '--server', open.url]);
    expect(status.stdout).toMatch(/Riego norte \(valve \d+\): online, 30°/);
    expect((await run(['move', '200', '--id', String(added.valve.valveId), '--server', open.url])).status).toBe(2);
    expect((await run(['open', '--id', '987654', '--server', open.url])).status).toBe(6);
    const list = await run(['list', '--server', open.url]);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${added.valve.valveId}  Riego norte  ws://127\\.0\\.0\\.1:${valve.port}/ws  online`));
    const removed = await run(['remove', String(added.valve.valveId), '--server', open.url]);
    expect(removed.status).toBe(0);
    expect((await run(['list', '--server', open.url])).stdout).toContain('no valves registered');
  }, 60_000);

  it('answers a wrong server, a missing token and bad words clearly', async () => {
    const nowhere = await run(['list', '--server', `http://127.0.0.1:${await freePort()}`]);
    expect(nowhere.status).toBe(4);
    expect(nowhere.stderr).toMatch(/cannot reach the host server/);
    const noToken = await run(['list', '--server', guarded.url]);
    expect(noToken.status).toBe(3);
    expect(noToken.stderr).toMatch(/401.*admin token/);
    expect((await run(['add', '--host', '127.0.0.1', '--server', open.url])).status).toBe(2);
    expect((await run(['remove', '--server', open.url])).status).toBe(2);
    expect((await run(['list', '--server', 'not a url'])).status).toBe(2);
  }, 60_000);
});
