// The benchmark's quick mode: its harness still runs on the real firmware, and its checks can
// fail (a device that busy-waits in its own timer slows the whole process and is reported as
// not keeping up; a run whose workload did not happen is failed).
import { describe, it, expect } from 'vitest';
import { runFleet } from '../../bench/realtime/fleetRun.js';
import { judge } from '../../bench/realtime/verdict.js';
import { virtualSpeed } from '../../bench/virtualSpeed.js';

describe('simulator benchmark, quick mode', () => {
  it('a small fleet keeps up: every interval at its rate, lateness flat, the workload done', async () => {
    const run = await runFleet({ devices: 20, seconds: 4, warmupSeconds: 1 });
    const v = judge(run);
    expect(v.failures).toEqual([]);
    expect(v.keepsUp).toBe(true);
    expect(run.timers.devices).toHaveLength(20);
    expect(run.moves.every((m) => m >= 1)).toBe(true);
    expect(run.charging).toBe(5);

    // The same run with its workload undone fails.
    const broken = judge({ ...run, uncaught: 1, moves: [0, ...run.moves.slice(1)], metrics: [0, ...run.metrics.slice(1)] });
    expect(broken.keepsUp).toBe(false);
    expect(broken.failures.join('\n')).toMatch(/uncaught[\s\S]*swept valves[\s\S]*charging chargers/);
  });

  it('a device that busy-waits in its timer is reported as not keeping up', async () => {
    const v = judge(await runFleet({ devices: 20, seconds: 4, warmupSeconds: 1, slowDeviceMs: 15 }));
    expect(v.keepsUp).toBe(false);
    expect(v.worst.rate).toBeLessThan(0.95);
    expect(v.failures.join('\n')).toMatch(/interval rate/);
  });

  it('the virtual-clock run completes every move it times', async () => {
    const s = await virtualSpeed(2, 0);
    expect(s.moves).toBe(2);
    expect(s.speedup).toBeGreaterThan(1);
  });
});
