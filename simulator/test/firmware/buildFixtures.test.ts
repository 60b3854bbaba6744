// A firmware build fixture that needs a board: the valve family's codec, bundled by the firmware
// build (firmware/test/build checks what goes into the bundle), decodes on the simulated board.
import { describe, expect, it } from 'vitest';
import { EspruinoDevice } from '../../src/espruino/device.js';
import { VirtualClock } from '../../src/espruino/clock.js';
import { fixtureBundle } from './fixtureBundles.js';

describe('firmware build fixtures on the simulated board', () => {
  it('the bundled valve codec decodes and refuses as the protocol says', async () => {
    const device = new EspruinoDevice({ id: 'build-fixture', bundle: await fixtureBundle('valveCodec'), clock: new VirtualClock() });
    device.boot();
    device.stop();
    expect(device.uncaught).toEqual([]);
    expect(device.logs).toEqual([
      '{"event":"set_valve_basic","valve_data":{"set_angle":true,"angle":45}}',
      'refused: /valve_data/angle must be an integer >= 0 <= 90',
    ]);
  });
});
