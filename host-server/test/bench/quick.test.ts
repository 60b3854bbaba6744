// The benches' quick mode (issue 13): each harness still runs end to end against the real servers
// (the host, a bare ws server, Socket.io, the machine's Mosquitto, SQLite and PostgreSQL), and
// its checks fail when a server loses messages.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect, beforeAll } from 'vitest';
import { postgresReachable } from '../support.js';

process.env.BENCH_QUICK = '1';
const { measure } = await import('../../bench/fanout.js');
const { IngestRig } = await import('../../bench/ingest.js');
const { sample } = await import('../../bench/idleMemory.js');

const here = dirname(fileURLToPath(import.meta.url));
const pgUp = await postgresReachable();
if (!pgUp && process.env.CI === 'true') throw new Error('PostgreSQL at 127.0.0.1:5432 is not reachable: the bench harness must run against it in CI');

describe('bench harnesses, quick', () => {
  beforeAll(() => {
    process.env.BENCH_QUICK = '1';
  });

  it('fan-out: every server delivers every message to every subscriber; a lossy one fails the check', async () => {
    for (const kind of ['espfleet', 'bare', 'socketio', 'mosquitto'] as const) {
      const r = await measure(kind, 20, 0);
      expect(r.perSecond).toBeGreaterThan(0);
      expect(r.pacedP99).toBeGreaterThan(0);
    }
    await expect(measure('bare', 20, 0, { server: 'bare-lossy' })).rejects.toThrow(/deliveries/);
  }, 120_000);

  it.each(pgUp ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const))('ingest on %s: a step passes counting rows and deliveries; a lossy server fails it', async (db) => {
    const ok = await IngestRig.open(db, { stations: 10, prefill: 50 });
    try {
      const st = await ok.step(100, 1);
      expect(st).toMatchObject({ passed: true, errors: [] });
      expect(st.delivered).toBe(st.sent);
      expect(st.stored).toBe(st.expectedStored);
    } finally {
      await ok.close();
    }
    const lossy = await IngestRig.open(db, { stations: 10, prefill: 50, server: 'espfleet-lossy' });
    try {
      const st = await lossy.step(300, 1);
      expect(st.passed).toBe(false);
      expect(st.delivered).toBeLessThan(st.sent);
      expect(st.stored).toBeLessThan(st.expectedStored);
    } finally {
      await lossy.close();
    }
  }, 120_000);

  it('idle memory: measures a kind of connection against its server', async () => {
    const s = await sample('dashboard', 50);
    expect(s.heapPer).toBeGreaterThan(0);
  }, 60_000);
});

describe('bench scripts, quick', () => {
  const run = (script: string, env: Record<string, string>) =>
    new Promise<{ code: number | null; out: string }>((done) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(here, '../../bench', script)], { env: { ...process.env, BENCH_WRITE: '0', BENCH_QUICK: '1', ...env } });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('exit', (code) => done({ code, out }));
    });

  it('gateway fan-out: espfleet next to bare Socket.io, every delivery counted', async () => {
    const r = await run('gateway.ts', {});
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/\| espfleet gateway \|/);
  }, 120_000);

  it.skipIf(!pgUp)('charger → dashboard across two instances: every metric stored and delivered', async () => {
    const r = await run('cluster.ts', { BENCH_CLUSTER_RATE: '200', BENCH_CLUSTER_STATIONS: '20', BENCH_CLUSTER_SECONDS: '1', BENCH_CLUSTER_RUNS: '1' });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/\| two instances \|/);
  }, 180_000);

  it('signaling: routed messages and check over two instances', async () => {
    const r = await run('signaling.ts', { BENCH_SIGNALING_RUNS: '1', BENCH_SIGNALING_PAIRS: '5', BENCH_SIGNALING_MESSAGES: '500', BENCH_SIGNALING_RATE: '500', BENCH_SIGNALING_CHECK_USERS: '25' });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/\(e\) Signaling/);
  }, 180_000);
});
