// A Node `ws` client of a simulated valve that keeps every message with the device time and
// the wall time it arrived at, and waits on the device's own clock (virtual or wall).
import WebSocket from 'ws';
import type { Clock, VirtualClock } from '../../src/espruino/clock.js';
import type { SimulatedValve } from '../../src/devices/simulatedValve.js';

export interface Received {
  message: any;
  deviceMs: number;
  wallMs: number;
}

export interface ValveClient {
  got: Received[];
  send(m: unknown): void;
  close(): void;
}

/** Waits until `done()` holds, letting device time pass on a virtual clock; false after `maxMs` of device time. */
export async function waitFor(clock: Clock, done: () => boolean, maxMs: number): Promise<boolean> {
  if (clock.virtual) return (clock as VirtualClock).until(done, maxMs, 1);
  const end = clock.now() + maxMs;
  while (!done()) {
    if (clock.now() >= end) return false;
    await new Promise((r) => setTimeout(r, 1));
  }
  return true;
}

export async function connect(v: SimulatedValve): Promise<ValveClient> {
  const ws = new WebSocket(`ws://127.0.0.1:${v.port}/ws`);
  const got: Received[] = [];
  ws.on('message', (d) => got.push({ message: JSON.parse(d.toString()), deviceMs: v.clock.now(), wallMs: performance.now() }));
  let failure: Error | undefined;
  ws.on('error', (e) => (failure = e));
  if (!(await waitFor(v.clock, () => ws.readyState !== WebSocket.CONNECTING, 5000)) || ws.readyState !== WebSocket.OPEN) {
    ws.terminate();
    throw new Error(`no connection to the valve: ${failure?.message ?? 'timed out'}\n${v.esp.logs.slice(-20).join('\n')}`);
  }
  return { got, send: (m) => ws.send(typeof m === 'string' ? m : JSON.stringify(m)), close: () => ws.terminate() };
}

/** Boots `v` and waits until it is online and serving. */
export async function boot(v: SimulatedValve): Promise<void> {
  v.start();
  if (!(await waitFor(v.clock, () => v.port !== undefined && v.esp.online, 10_000))) {
    throw new Error(`the valve did not come up:\n${v.esp.logs.slice(-20).join('\n')}`);
  }
}
