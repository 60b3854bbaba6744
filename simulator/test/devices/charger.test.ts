// The simulated charger with a firmware-style bundle: PN532 frames, INA226 metering, relay, buttons.
import { describe, it, expect } from 'vitest';
import { VirtualClock } from '../../src/espruino/clock.js';
import { SimulatedCharger } from '../../src/devices/simulatedCharger.js';
import { bundle } from '../support.js';

function charger() {
  const clock = new VirtualClock();
  const c = new SimulatedCharger({ id: 'charger-t', bundle: bundle('charger-driver.js'), clock });
  c.start();
  clock.advance(500);
  return { clock, c };
}
const st = (c: SimulatedCharger) => c.esp.eval('st') as Record<string, unknown>;

describe('simulated charger', () => {
  it('answers the firmware over real PN532 frames and INA226 registers', () => {
    const { c } = charger();
    expect(st(c).fw).toBe('PN532 v1.6');
    expect(st(c).sam).toBe(true);
    expect(st(c).inaOk).toBe(true);
    expect(c.nfc.samConfigured).toBe(true);
  });

  it('a card closes the relay; the vehicle draws 16 A at 230 V; energy accumulates', () => {
    const { clock, c } = charger();
    c.placeCard('04A1B2C3');
    clock.advance(1000);
    expect(st(c).card).toBe('04A1B2C3');
    expect(c.relayClosed).toBe(true);
    clock.advance(20_000);
    expect(st(c).amps as number).toBeGreaterThan(15);
    expect(st(c).amps as number).toBeLessThan(17);
    expect(st(c).volts as number).toBeGreaterThan(225);
    expect(st(c).volts as number).toBeLessThan(235);
    clock.advance(60_000);
    // About 3.7 kW for 80 s: 80 Wh, metered by the firmware and delivered to the vehicle alike.
    expect(st(c).wh as number).toBeGreaterThan(70);
    expect(Math.abs((st(c).wh as number) - c.ev.energyWh)).toBeLessThan(5);
  });

  it('reads 7-byte UIDs', () => {
    const { clock, c } = charger();
    c.placeCard([0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66]);
    clock.advance(1000);
    expect(st(c).card).toBe('04112233445566');
  });

  it('STOP and the emergency button open the relay', () => {
    const { clock, c } = charger();
    c.placeCard('04A1B2C3');
    clock.advance(1000);
    c.pressStop();
    clock.advance(500);
    expect(c.relayClosed).toBe(false);
    c.removeCard();
    clock.advance(4000);
    c.placeCard('04A1B2C3');
    clock.advance(1000);
    expect(c.relayClosed).toBe(true);
    c.pressEmergency();
    clock.advance(200);
    expect(c.relayClosed).toBe(false);
    expect(st(c).emergency).toBe(true);
    c.releaseEmergency();
    clock.advance(200);
    expect(st(c).emergency).toBe(false);
  });

  it('a garbled NFC frame fails its checksum in the firmware; an INA226 fault is an I2C error', () => {
    const { clock, c } = charger();
    c.garbleNfc();
    c.placeCard('04A1B2C3');
    clock.advance(1000);
    expect(st(c).nfcErrors).toBe(1);
    expect(st(c).lastError).toBe('bad data checksum');
    clock.advance(1000);
    expect(st(c).card).toBe('04A1B2C3');
    c.inaFault(true);
    clock.advance(1500);
    expect(st(c).inaOk).toBe(false);
    expect(st(c).lastError).toBe("jshI2CWrite: slave doesn't ACK the transfer");
  });
});
