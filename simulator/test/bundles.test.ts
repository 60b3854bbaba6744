// The test bundles stand in for firmware, so they must be in the dialect a board runs.
import { describe, it, expect } from 'vitest';
import { checkEspruinoDialect } from '@espfleet/protocol/espruino-dialect';
import { bundle } from './support.js';

describe('firmware-style test bundles', () => {
  for (const name of ['valve-driver.js', 'charger-driver.js']) {
    it(`${name} passes the Espruino dialect check`, () => {
      expect(checkEspruinoDialect(bundle(name))).toEqual([]);
    });
  }
});
