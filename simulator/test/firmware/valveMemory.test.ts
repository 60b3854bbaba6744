// The real valve firmware's JsVars in the simulator against the same bundle on Espruino 2v29's
// ESP32-sized Linux build (16,383 JsVars of 14 bytes), run with the same script: boot, then two
// clients (one gives the passkey, one a wrong one, then both the right one; a bad angle and a
// broken message). The runner keeps the 24.5 KB script text as a string (2,475 JsVars; a board
// runs from flash), so that is taken off the interpreter's figures.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { VirtualClock } from '../../src/espruino/clock.js';
import { SimulatedValve } from '../../src/devices/simulatedValve.js';
import { ESP32_TOTAL_JSVARS } from '../../src/espruino/memory.js';

const BUNDLE = join(dirname(fileURLToPath(import.meta.url)), '../../../firmware/dist/valve.js');
const PASSKEY = 'linux-passkey';
/** Measured on 2026-11-29 with the 21,623-byte valve.js on 2v29's ESP32-sized Linux build. */
const SCRIPT_TEXT = 2181;
/** process.memory().usage on the interpreter, less the script text the Linux runner keeps. */
const MEASURED = { boot: 3285 - SCRIPT_TEXT, twoClients: 4951 - SCRIPT_TEXT };
/** The budget: under 40 % of the JsVars with two clients connected. */
const BUDGET = 0.4 * ESP32_TOTAL_JSVARS;
/** How far the estimate may be from the measurement (memory.ts states the method's error). */
const TOLERANCE = 0.25;

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function client(v: SimulatedValve, clock: VirtualClock): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${v.port}/ws`);
  cleanup.push(() => ws.terminate());
  ws.on('error', () => {});
  return new Promise((resolve, reject) => {
    ws.on('open', () => resolve(ws));
    void clock.until(() => ws.readyState !== WebSocket.CONNECTING, 5000, 10).then((ok) => ok || reject(new Error('no connection')));
  });
}

const usage = (v: SimulatedValve) => (v.esp.eval('process.memory().usage') as number);

describe('valve firmware memory', () => {
  it('after boot and with two clients: within the budget and near the interpreter measurement', async () => {
    const clock = new VirtualClock();
    const v = new SimulatedValve({ id: 'valve-linux', bundle: readFileSync(BUNDLE, 'utf8'), bundleName: 'valve.js', clock, passkey: PASSKEY, startAngle: 0 });
    cleanup.push(() => v.stop());
    v.start();
    expect(await clock.until(() => v.port !== undefined && v.esp.online, 5000, 10)).toBe(true);
    await clock.advanceAsync(1500);
    const boot = usage(v);

    const a = await client(v, clock);
    const b = await client(v, clock);
    a.send(JSON.stringify({ event: 'request_device_info', passkey: PASSKEY }));
    b.send(JSON.stringify({ event: 'request_device_info', passkey: 'wrong' }));
    await clock.advanceAsync(500);
    a.send(JSON.stringify({ event: 'device_basic_info', data: { user_id: '123', device_id: 'valve-linux' } }));
    b.send(JSON.stringify({ event: 'request_device_info', passkey: PASSKEY }));
    await clock.advanceAsync(500);
    a.send('{"event":"set_valve_basic","valve_data":{"set_angle":true,"angle":91}}');
    a.send('{"event":');
    await clock.advanceAsync(2000);
    const two = usage(v);

    expect(two).toBeLessThan(BUDGET);
    expect(Math.abs(boot - MEASURED.boot)).toBeLessThanOrEqual(TOLERANCE * MEASURED.boot);
    expect(Math.abs(two - MEASURED.twoClients)).toBeLessThanOrEqual(TOLERANCE * MEASURED.twoClients);
  });
});
