// How much faster than real time one device runs on the virtual clock: the real valve bundle,
// swept between 10° and 80° by a WebSocket client, device time advanced in 100 ms steps with
// the socket I/O let in between. Every leg must end with the valve reporting itself idle at
// the target. The first `warmupLegs` legs (the JIT compiling the firmware) are not timed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { VirtualClock } from '../src/espruino/clock.js';
import { SimulatedValve } from '../src/devices/simulatedValve.js';
import { FIRMWARE } from './firmware/firmwarePaths.js';

/** Device time per leg: a 70° move takes about 6 s. */
const LEG_MS = 8000;

export interface VirtualSpeed {
  deviceSeconds: number;
  wallSeconds: number;
  speedup: number;
  legs: number;
  moves: number;
}

export async function virtualSpeed(legs: number, warmupLegs: number): Promise<VirtualSpeed> {
  const clock = new VirtualClock();
  const v = new SimulatedValve({ id: 'valve-speed', bundle: readFileSync(join(FIRMWARE, 'dist', 'valve.js'), 'utf8'), bundleName: 'valve.js', clock, passkey: 'pk', seed: 1 });
  v.start();
  try {
    if (!(await clock.until(() => v.port !== undefined && v.esp.online, 20_000))) throw new Error('the valve did not come up');
    const ws = new WebSocket(`ws://127.0.0.1:${v.port}/ws`);
    let moves = 0;
    let target = 0;
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as { event: string; motion?: string; get_valvedata?: { angle: number } };
      if (m.event === 'valve_data' && m.motion === 'idle' && m.get_valvedata?.angle === target) moves++;
    });
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ event: 'request_device_info', passkey: 'pk' }));
    await clock.advanceAsync(500, 10);
    let t0 = performance.now();
    for (let leg = 0; leg < warmupLegs + legs; leg++) {
      if (leg === warmupLegs) {
        t0 = performance.now();
        moves = 0;
      }
      target = leg % 2 ? 10 : 80;
      ws.send(JSON.stringify({ event: 'set_valve_basic', valve_data: { set_angle: true, angle: target } }));
      await clock.advanceAsync(LEG_MS, 100);
    }
    const wallSeconds = (performance.now() - t0) / 1000;
    ws.terminate();
    const deviceSeconds = (legs * LEG_MS) / 1000;
    return { deviceSeconds, wallSeconds, speedup: deviceSeconds / wallSeconds, legs, moves };
  } finally {
    v.stop();
  }
}
