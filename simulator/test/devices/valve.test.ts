// The simulated valve with a firmware-style bundle driving it through the emulated API.
import { describe, it, expect } from 'vitest';
import { VirtualClock } from '../../src/espruino/clock.js';
import { SimulatedValve } from '../../src/devices/simulatedValve.js';
import { VALVE_BOARD } from '@espfleet/firmware/boards';
import type { I2CTransfer } from '../../src/espruino/i2cBus.js';
import type { PinOutput } from '../../src/espruino/pins.js';
import { bundle } from '../support.js';

function valve(startAngle = 0) {
  const clock = new VirtualClock();
  const v = new SimulatedValve({ id: 'valve-t', bundle: bundle('valve-driver.js'), clock, startAngle });
  return { clock, v };
}
const st = (v: SimulatedValve) => v.esp.eval('state') as Record<string, unknown>;

describe('simulated valve', () => {
  it('opens to the open limit: motor PWM, INA219 current, limit switch, potentiometer', async () => {
    const { clock, v } = valve();
    const outputs: PinOutput[] = [];
    const transfers: I2CTransfer[] = [];
    v.on('output', (o) => outputs.push(o));
    v.on('transfer', (t) => transfers.push(t));
    v.start();
    clock.advance(100);
    expect(st(v).limitClose).toBe(false); // no edge yet: the watch reports changes
    v.esp.eval('move(90)');
    clock.advance(2000);
    expect(v.motor.mode).toBe('drive');
    expect(v.angle).toBeGreaterThan(20);
    expect(st(v).amps as number).toBeGreaterThan(0.3);
    expect(st(v).amps as number).toBeLessThan(0.6);
    clock.advance(8000);
    expect(v.angle).toBeGreaterThan(89);
    expect(v.limitOpen.isClosed).toBe(true);
    expect(st(v).limitOpen).toBe(true);
    expect(st(v).target).toBe(null);
    expect(st(v).angle).toBeGreaterThanOrEqual(88);
    expect(outputs.some((o) => o.pin === VALVE_BOARD.motorOpen && o.duty > 0 && o.freq === 20000)).toBe(true);
    expect(transfers.some((t) => t.address === VALVE_BOARD.ina219 && t.kind === 'read' && !t.nack)).toBe(true);
  });

  it('a jam stalls the motor: stall current on the INA219, the firmware stops it', () => {
    const { clock, v } = valve();
    v.start();
    v.jam(30);
    v.esp.eval('move(90)');
    clock.advance(6000);
    expect(v.angle).toBeCloseTo(30, 0);
    expect(st(v).fault).toBe('Motor stalled');
    expect(v.motor.mode).toBe('coast');
    v.clearJam();
    v.esp.eval('move(60)');
    clock.advance(4000);
    expect(Math.abs(v.angle - 60)).toBeLessThan(3);
  });

  it('a limit switch stuck engaged stops the motor at once; a chattering one flaps the pin', () => {
    const { clock, v } = valve(45);
    v.start();
    v.stickLimit('open', true);
    clock.advance(100);
    v.esp.eval('move(90)');
    clock.advance(200);
    expect(st(v).limitOpen).toBe(true);
    v.stickLimit('open', undefined);
    let flips = 0;
    v.esp.pins.on('level', (pin: number) => pin === VALVE_BOARD.limitClose && flips++);
    v.chatterLimit('close', true);
    clock.advance(500);
    v.chatterLimit('close', false);
    expect(flips).toBeGreaterThan(20);
  });

  it('an INA219 that stops answering is seen by the firmware as an I2C error', () => {
    const { clock, v } = valve();
    const nacks: I2CTransfer[] = [];
    v.on('transfer', (t) => t.nack && nacks.push(t));
    v.start();
    v.inaFault(true);
    clock.advance(1100);
    expect(st(v).inaOk).toBe(false);
    expect(nacks.length).toBeGreaterThan(0);
    v.inaFault(false);
    clock.advance(1100);
    expect(st(v).inaOk).toBe(true);
  });

  it('a power cut stops the firmware mid-move; the motor coasts; the device boots again from flash', () => {
    const { clock, v } = valve();
    v.start();
    v.esp.eval('move(90)');
    clock.advance(2000);
    const before = v.angle;
    v.powerCut(3);
    expect(v.running).toBe(false);
    clock.advance(500);
    expect(v.motor.mode).toBe('coast');
    expect(v.angle - before).toBeLessThan(3);
    clock.advance(3000);
    expect(v.running).toBe(true);
    expect(v.esp.boots).toBe(2);
    expect(st(v).moves).toBe(0);
    expect((v.esp.eval('cfg') as Record<string, unknown>).device_id).toBe('valve-t');
  });

  it('is deterministic for a seed', () => {
    const run = () => {
      const { clock, v } = valve();
      v.start();
      v.esp.eval('move(70)');
      clock.advance(7000);
      return v.angle;
    };
    expect(run()).toBe(run());
  });
});
