// The emulation against the real interpreter: every probe in probes.json was run on Espruino
// 2v29's Linux build (stock, and sized like an ESP32 with byte strings); here each runs in a
// simulated device (byte strings on for the ESP32 build) and must print the same. A probe
// with a `gap` is a known difference (the reason is recorded): it must still differ, so the
// note goes when the gap is closed. `notSupported` ones must throw "X is not supported".
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WallClock } from '../../src/espruino/clock.js';
import { EspruinoDevice } from '../../src/espruino/device.js';

interface Probe {
  name: string;
  code: string;
  build: 'both' | 'stock' | 'esp32';
  printed?: string;
  throws?: string;
  gap?: string;
  notSupported?: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const data = JSON.parse(readFileSync(join(here, 'probes.json'), 'utf8')) as { interpreter: string; show: string; probes: Probe[] };

function onDevice(build: 'stock' | 'esp32', code: string): { printed: string } | { throws: string } {
  const esp = new EspruinoDevice({ id: 'probe', bundle: '', clock: new WallClock(), byteStrings: build === 'esp32' });
  esp.boot();
  try {
    // The interpreter printed UTF-8 bytes; the device's strings leave as text the same way.
    const out = esp.eval(`${data.show}\n__show(${code})`) as string;
    return { printed: build === 'esp32' ? Buffer.from(out, 'latin1').toString('utf8') : out };
  } catch (e) {
    return { throws: String((e as Error).message) };
  } finally {
    esp.stop();
  }
}

describe(`fidelity to ${data.interpreter}`, () => {
  it('has probes for every behaviour of section 2', () => {
    const groups = new Set(data.probes.map((p) => p.name.split(':')[0]));
    for (const g of ['prototype', 'length', 'error', 'Number', 'Math.round', 'JSON.parse', 'print', 'string', 'E.toString', 'Date.now', 'getSizeOf', 'memory']) {
      expect(groups, g).toContain(g);
    }
  });
  for (const p of data.probes) {
    const builds = p.build === 'both' ? (['stock', 'esp32'] as const) : [p.build];
    for (const build of builds) {
      const expected = p.throws !== undefined ? { throws: p.throws } : { printed: p.printed as string };
      it(`${build} ${p.name}`, () => {
        const got = onDevice(build, p.code);
        if (p.notSupported) expect(got).toEqual({ throws: `${p.notSupported} is not supported by the simulator` });
        else if (p.gap) expect(got, `known gap: ${p.gap}`).not.toEqual(expected);
        else expect(got).toEqual(expected);
      });
    }
  }
});
