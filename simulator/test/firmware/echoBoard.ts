// The wsEcho fixture (firmware/test/fixtures/wsEcho.ts), built with the firmware build, running
// on a simulated ESP32 (byte strings, as the board has them) whose sockets are real loopback
// sockets. Device time is a virtual clock pumped about as fast as real time, so Node clients and
// device timers interleave as on a board.
import { EspruinoDevice } from '../../src/espruino/device.js';
import { VirtualClock } from '../../src/espruino/clock.js';
import { fixtureBundle } from './fixtureBundles.js';

export interface SimBoard {
  device: EspruinoDevice;
  clock: VirtualClock;
  /** Runs code in the firmware's global scope (the fixture's wsServe/wsConnect). */
  run(code: string): unknown;
  /** The loopback port of a device server port, once it listens. */
  port(devicePort: number): Promise<number>;
  /** Resolves with the first console line from index `from` on that satisfies `match`. */
  logged(match: (line: string) => boolean, what: string, from?: number): Promise<string>;
  stop(): void;
}

export async function bootEchoBoard(): Promise<SimBoard> {
  const clock = new VirtualClock();
  const device = new EspruinoDevice({
    id: 'ws-fixture',
    bundle: await fixtureBundle('wsEcho'),
    clock,
    networks: [{ ssid: 'lab', password: 'lab-pass' }],
    byteStrings: true,
  });
  device.boot();
  device.radio.connect('lab', 'lab-pass');
  clock.advance(2000);
  if (!device.online) throw new Error('the simulated station did not come up');
  const pump = setInterval(() => clock.advance(1), 1);
  const waitFor = async <T>(get: () => T | undefined, what: string, ms: number): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = get();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; device log:\n${device.logs.join('\n')}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  return {
    device,
    clock,
    run: (code) => device.eval(code),
    port: (devicePort) => waitFor(() => device.addresses.get(devicePort), `device port ${devicePort}`, 5000),
    logged: (match, what, from = 0) => waitFor(() => device.logs.slice(from).find(match), what, 5000),
    stop: () => {
      clearInterval(pump);
      device.stop();
    },
  };
}
