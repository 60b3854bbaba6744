// JsVars of the real valve bundle in the simulator (process.memory().usage, the estimate of
// src/espruino/memory.ts) after boot and with two clients connected, in the scenario of
// test/firmware/valveMemory.test.ts, next to the recorded interpreter measurement.
import { createHash } from 'node:crypto';
import { VirtualClock } from '../../src/espruino/clock.js';
import { SimulatedValve } from '../../src/devices/simulatedValve.js';
import { ESP32_TOTAL_JSVARS } from '../../src/espruino/memory.js';
import { INTERPRETER_MEASUREMENT as M, measuredJsVars } from './interpreterMeasurement.js';
import { boot, connect } from './valveClient.js';
import { fmt, median, medianRange } from './stats.js';

const RUNS = 3;
const PASSKEY = 'linux-passkey';
/** The budget: under 40 % of the ESP32 build's JsVars with two clients connected. */
const BUDGET = 0.4 * ESP32_TOTAL_JSVARS;

const usage = (v: SimulatedValve) => v.esp.eval('process.memory().usage') as number;

async function estimate(bundle: string, seed: number): Promise<{ boot: number; twoClients: number }> {
  const clock = new VirtualClock();
  const v = new SimulatedValve({ id: 'valve-linux', bundle, bundleName: 'valve.js', clock, seed, passkey: PASSKEY, startAngle: 0 });
  const clients: Array<{ close(): void }> = [];
  try {
    await boot(v);
    await clock.advanceAsync(1500);
    const afterBoot = usage(v);
    const a = await connect(v);
    const b = await connect(v);
    clients.push(a, b);
    a.send({ event: 'request_device_info', passkey: PASSKEY });
    b.send({ event: 'request_device_info', passkey: 'wrong' });
    await clock.advanceAsync(500);
    a.send({ event: 'device_basic_info', data: { user_id: '123', device_id: 'valve-linux' } });
    b.send({ event: 'request_device_info', passkey: PASSKEY });
    await clock.advanceAsync(500);
    a.send('{"event":"set_valve_basic","valve_data":{"set_angle":true,"angle":91}}');
    a.send('{"event":');
    await clock.advanceAsync(2000);
    const authorised = (c: typeof a) => c.got.some((r) => r.message.event === 'device_info');
    if (!authorised(a) || !authorised(b)) throw new Error('the two clients were not both authorised');
    return { boot: afterBoot, twoClients: usage(v) };
  } finally {
    for (const c of clients) c.close();
    v.stop();
  }
}

const pct = (est: number, measured: number) => `${est >= measured ? '+' : ''}${(((est - measured) / measured) * 100).toFixed(0)} %`;

/** Estimates RUNS times and returns the section's lines; fails if the estimate is over the budget. */
export async function valveMemorySection(bundle: string): Promise<string[]> {
  const runs: Array<{ boot: number; twoClients: number }> = [];
  for (let i = 0; i < RUNS; i++) {
    runs.push(await estimate(bundle, i + 1));
    console.log(`valve JsVars run ${i + 1}: boot ${runs[i].boot}, two clients ${runs[i].twoClients}`);
  }
  const boots = runs.map((r) => r.boot);
  const twos = runs.map((r) => r.twoClients);
  const worst = Math.max(...twos);
  if (worst >= BUDGET) throw new Error(`valve JsVars with two clients ${worst} is over the budget of ${BUDGET}`);
  const sha = createHash('sha256').update(bundle).digest('hex');
  const same = sha === M.bundleSha256;
  return [
    '### JsVars',
    '',
    `- Simulator: \`process.memory().usage\` (the estimate of \`simulator/src/espruino/memory.ts\`) on a simulated valve on the virtual clock, 1.5 s after boot, then with two clients connected in the scenario of \`simulator/test/firmware/valveMemory.test.ts\` (one right and one wrong passkey, then both right, an out-of-range angle, a broken message; read 2 s later). ${RUNS} runs, run n with noise seed n, median (range).`,
    `- Interpreter: a recorded measurement, not run by the bench: ${M.interpreter} (${fmt(ESP32_TOTAL_JSVARS)} JsVars of 14 bytes), ${M.date}, the same scenario with a Node client script (method in \`simulator/bench/firmware/interpreterMeasurement.ts\`). Printed: ${fmt(M.raw.boot)} after boot and ${fmt(M.raw.twoClients)} with two clients, of which ${fmt(M.scriptText)} are the script text the Linux runner keeps (a board runs from flash); the table takes them off.`,
    same
      ? '- The measured bundle is the current `firmware/dist/valve.js` (same sha256).'
      : `- **The recorded measurement is of another bundle** (sha256 ${M.bundleSha256.slice(0, 12)}…, now ${sha.slice(0, 12)}…): re-measure it.`,
    '',
    '| JsVars | simulator estimate | ESP32-sized interpreter | estimate vs measured |',
    '| --- | ---: | ---: | ---: |',
    `| after boot | ${medianRange(boots)} | ${fmt(measuredJsVars.boot)} | ${pct(median(boots), measuredJsVars.boot)} |`,
    `| two clients connected | ${medianRange(twos)} | ${fmt(measuredJsVars.twoClients)} | ${pct(median(twos), measuredJsVars.twoClients)} |`,
    '',
    `Budget: under 40 % of ${fmt(ESP32_TOTAL_JSVARS)} = ${fmt(BUDGET)} JsVars with two clients; the bench fails above it. Measured: ${((measuredJsVars.twoClients / ESP32_TOTAL_JSVARS) * 100).toFixed(0)} % (${((M.raw.twoClients / ESP32_TOTAL_JSVARS) * 100).toFixed(0)} % counting the runner's script text).`,
  ];
}
