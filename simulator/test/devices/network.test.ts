// Real clients reach simulated devices through the firmware's own servers, over loopback.
import { describe, it, expect, afterEach } from 'vitest';
import { VirtualClock } from '../../src/espruino/clock.js';
import { SimulatedValve } from '../../src/devices/simulatedValve.js';
import { bundle } from '../support.js';

const running: SimulatedValve[] = [];
afterEach(() => {
  for (const v of running.splice(0)) v.stop();
});

async function valve() {
  const clock = new VirtualClock();
  const v = new SimulatedValve({ id: 'valve-net', bundle: bundle('valve-driver.js'), clock });
  running.push(v);
  v.start();
  expect(await clock.until(() => v.port !== undefined, 5000)).toBe(true);
  return { clock, v };
}

/** A fetch that lets device time pass while the request is in flight. */
async function get(clock: VirtualClock, url: string): Promise<Response> {
  let done = false;
  const p = fetch(url).finally(() => (done = true));
  p.catch(() => {}); // handled by the caller, after device time has passed
  await clock.until(() => done, 5000, 5);
  return p;
}

describe('networked simulated valve', () => {
  it('joins the provisioned WiFi and serves http on its port 80, reached from Node', async () => {
    const { clock, v } = await valve();
    const r = await get(clock, `http://127.0.0.1:${v.port}/move?angle=45`);
    expect(r.status).toBe(200);
    const state = (await r.json()) as Record<string, unknown>;
    expect(state.moves).toBe(1);
    expect(state.ip).toBe('127.0.0.1');
    await clock.advanceAsync(5000);
    expect(Math.abs(v.angle - 45)).toBeLessThan(3);
  });

  it('WiFi loss refuses clients until the link returns; a power cut closes the port', async () => {
    const { clock, v } = await valve();
    const port = v.port!;
    v.wifiLoss(3);
    await expect(get(clock, `http://127.0.0.1:${port}/`)).rejects.toThrow();
    await clock.advanceAsync(3500);
    expect((await get(clock, `http://127.0.0.1:${port}/`)).status).toBe(200);
    v.powerCut(10);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  it('an unprovisioned device stays off the network', async () => {
    const clock = new VirtualClock();
    const v = new SimulatedValve({ id: 'valve-new', bundle: bundle('valve-driver.js'), clock, unprovisioned: true });
    running.push(v);
    v.start();
    await clock.advanceAsync(3000);
    expect(v.port).toBeUndefined();
    expect(v.esp.online).toBe(false);
  });
});
