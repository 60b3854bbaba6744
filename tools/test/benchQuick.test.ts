// The end-to-end bench's quick mode (issue 14): the whole system — `espfleet serve`, a simulated
// fleet on the real firmware, REST and dashboards — runs end to end and its checks pass.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { toolsDir } from './support.js';

describe('end-to-end bench, quick', () => {
  it('moves every valve and starts every session, and reports latency and CPU', async () => {
    const r = await new Promise<{ code: number | null; out: string }>((done) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(toolsDir, 'bench/endToEnd.ts')], { cwd: toolsDir, env: { ...process.env, BENCH_QUICK: '1' } });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('close', (code) => done({ code, out }));
    });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/\| [\d,]+ \([\d,–]+\) ms \| [\d,]+ \([\d,–]+\) ms \| [\d,]+ \(/);
  }, 180_000);
});
