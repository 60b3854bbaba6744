// A minimal DeviceHost for the network module tests: a virtual clock pumped alongside real
// loopback I/O, `online` from a WifiRadio, and records of logs, uncaught errors and servers.
import * as nodeNet from 'node:net';
import { VirtualClock } from '../../src/espruino/clock.js';
import type { DeviceHost, WifiNetwork } from '../../src/espruino/host.js';
import { WifiRadio } from '../../src/espruino/wifi.js';

export const NETWORKS: WifiNetwork[] = [
  { ssid: 'home', password: 'secret123' },
  { ssid: 'cafe', password: '' },
];

export interface TestDevice {
  host: DeviceHost;
  clock: VirtualClock;
  radio: WifiRadio;
  logs: string[];
  /** Exceptions thrown by device callbacks. */
  errors: unknown[];
  /** Device port → loopback port. */
  listening: Map<number, number>;
  /** Runs the host's stop handlers, then resets the radio (a reboot). */
  stop(): void;
  /** Advances device time about as fast as real time, letting real I/O in, until `cond` holds. */
  waitFor(cond: () => boolean, what: string, realMs?: number): Promise<void>;
  /** Awaits a real promise while device time runs. */
  settle<T>(p: Promise<T>, realMs?: number): Promise<T>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createTestDevice(networks: WifiNetwork[] = NETWORKS): TestDevice {
  const clock = new VirtualClock();
  const radio = new WifiRadio({ id: 'dev-1', clock, networks });
  const stops: (() => void)[] = [];
  const logs: string[] = [];
  const errors: unknown[] = [];
  const listening = new Map<number, number>();
  const host: DeviceHost = {
    id: 'dev-1',
    clock,
    networks,
    invoke(fn, thisArg, args) {
      try {
        (fn as (...a: unknown[]) => unknown).apply(thisArg, args);
      } catch (e) {
        errors.push(e);
        logs.push(`Uncaught ${String(e)}`);
      }
    },
    log: (text) => logs.push(text),
    onStop: (fn) => stops.push(fn),
    hostPort: () => 0,
    listening: (devicePort, hostPort) => listening.set(devicePort, hostPort),
    get online() {
      return radio.online;
    },
    onOnlineChange: (fn) => {
      radio.onOnlineChange(fn);
    },
  };
  const waitFor = async (cond: () => boolean, what: string, realMs = 5000): Promise<void> => {
    const deadline = Date.now() + realMs;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(1);
      clock.advance(1);
    }
  };
  return {
    host,
    clock,
    radio,
    logs,
    errors,
    listening,
    stop() {
      for (const fn of stops.splice(0)) fn();
      radio.stop();
    },
    waitFor,
    async settle<T>(p: Promise<T>, realMs = 5000): Promise<T> {
      let done = false;
      const watched = p.finally(() => {
        done = true;
      });
      await waitFor(() => done, 'a promise', realMs);
      return watched;
    },
  };
}

/** Brings the station up on `home` (1.5 s of device time). */
export async function goOnline(t: TestDevice): Promise<void> {
  t.radio.connect('home', 'secret123');
  await t.clock.advanceAsync(2000);
  if (!t.radio.online) throw new Error('station did not come up');
}

/** A loopback port nothing listens on. */
export async function freePort(): Promise<number> {
  const s = nodeNet.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as nodeNet.AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Closes Node servers and sockets a test opened. */
export class Resources {
  private readonly items: (nodeNet.Server | nodeNet.Socket)[] = [];

  add<T extends nodeNet.Server | nodeNet.Socket>(item: T): T {
    this.items.push(item);
    if (item instanceof nodeNet.Socket) item.on('error', () => {});
    return item;
  }

  async closeAll(): Promise<void> {
    for (const item of this.items.splice(0)) {
      if (item instanceof nodeNet.Socket) item.destroy();
      else {
        (item as { closeAllConnections?: () => void }).closeAllConnections?.();
        await new Promise<void>((r) => item.close(() => r()));
      }
    }
  }
}

export function bytes0to255(): string {
  let s = '';
  for (let i = 0; i < 256; i++) s += String.fromCharCode(i);
  return s;
}
