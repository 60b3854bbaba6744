// Faults on the pure machine: each stops the motor, latches the right Error, is broadcast as
// valve_error, is remembered across a reboot, and a new command clears it.
import { describe, it, expect } from 'vitest';
import { Bench } from './rig.js';

const basic = (angle: number) => ({ event: 'set_valve_basic', valve_data: { set_angle: true, angle } });

function expectFault(b: Bench, error: string): void {
  b.run(500);
  expect(b.motorOff).toBe(true);
  expect(b.last(1, 'valve_error').error).toBe(error);
  expect(b.last(2, 'valve_error').error).toBe(error);
  expect(b.state(1).Error).toBe(error);
  const mem = b.memories[b.memories.length - 1]!;
  expect(mem.error).toBe(error);
  expect(mem.moving).toBe(false);
}

function bench(o: ConstructorParameters<typeof Bench>[0] = {}): Bench {
  const b = new Bench({ angle: 10, ...o });
  b.connect(1);
  b.connect(2);
  return b;
}

describe('faults', () => {
  it('a jam: stall current with the shaft still is "Motor stalled"', () => {
    const b = bench();
    b.jamAt = 30;
    b.send(1, basic(80));
    b.run(3000);
    expect(b.angle).toBe(30);
    expectFault(b, 'Motor stalled');
  });

  it('a motor that turns without the angle changing (a slipping coupling) is "Motor stalled"', () => {
    const b = bench();
    b.speed = 0;
    b.send(1, basic(80));
    b.run(1100);
    expect(b.motorOff).toBe(false);
    b.run(300);
    expectFault(b, 'Motor stalled');
  });

  it('current over the limit while turning is "Overcurrent detected"', () => {
    const b = bench({ config: { calibration: { currentLimitA: 0.3 } } });
    b.send(1, basic(80));
    b.run(150);
    expect(b.motorOff).toBe(false);
    b.run(200);
    expectFault(b, 'Overcurrent detected');
    expect(b.angle).toBeLessThan(20);
  });

  it('over the current limit, a shaft turning less than a degree is stalled, one turning freely overloaded', () => {
    const slow = bench();
    slow.amps = 3;
    slow.speed = 2;
    slow.send(1, basic(80));
    slow.run(300);
    expectFault(slow, 'Motor stalled');
    const fast = bench();
    fast.amps = 3;
    fast.send(1, basic(80));
    fast.run(300);
    expectFault(fast, 'Overcurrent detected');
  });

  it('a jam right after the stall current starts is still a stall, whatever the phase of the progress watch', () => {
    for (let phase = 0; phase < 4; phase++) {
      const b = bench();
      b.send(1, basic(80));
      b.run(1000 + phase * 25);
      b.amps = 3;
      b.tick(25);
      b.tick(25);
      b.jamAt = b.angle;
      b.run(400);
      expectFault(b, 'Motor stalled');
    }
  });

  it('a current spike shorter than the overcurrent time is tolerated', () => {
    const b = bench();
    b.send(1, basic(50));
    b.amps = 3;
    b.run(100);
    b.amps = 0.4;
    b.run(4000);
    expect(Math.abs(b.angle - 50)).toBeLessThanOrEqual(1);
    expect(b.to(1, 'valve_error')).toEqual([]);
  });

  it('both limit switches engaged is "Limit switch fault"', () => {
    const b = bench({ angle: 0 });
    b.stuckOpen = true;
    b.run(100);
    expectFault(b, 'Limit switch fault');
  });

  it('a switch stuck engaged mid-travel disagrees with the angle: the move stops at once', () => {
    const b = bench({ angle: 45 });
    b.send(1, basic(20));
    b.run(300);
    b.stuckClose = true;
    b.tick(0);
    expect(b.braking).toBe(true);
    expectFault(b, 'Limit switch fault');
  });

  it('a switch stuck released: driving past the end without it is "Limit switch fault"', () => {
    const b = bench({ angle: 5 });
    b.stuckClose = false;
    b.send(1, basic(0));
    b.run(3000);
    expect(b.angle).toBeGreaterThanOrEqual(-1.5);
    expectFault(b, 'Limit switch fault');
  });

  it('a chattering switch is "Limit switch fault"', () => {
    const b = bench({ angle: 0 });
    b.run(1000);
    for (let i = 0; i < 10; i++) {
      b.m.limit(false, i % 2 === 0, b.now);
      b.now += 30;
    }
    expectFault(b, 'Limit switch fault');
  });

  it('a fault that persists is written to flash and told once, not on every edge or tick', () => {
    const b = bench({ angle: 0 });
    for (let i = 0; i < 40; i++) {
      b.m.limit(false, i % 2 === 0, b.now);
      b.now += 20;
    }
    b.run(3000);
    expect(b.to(1, 'valve_error')).toHaveLength(1);
    expect(b.memories.filter((m) => m.error === 'Limit switch fault')).toHaveLength(1);
  });

  it('the INA219 not answering is "Current sensor fault", moving or not', () => {
    const b = bench();
    b.send(1, basic(80));
    b.run(500);
    b.inaOk = false;
    b.tick(25);
    expect(b.braking).toBe(true);
    expectFault(b, 'Current sensor fault');
    const idle = bench();
    idle.inaOk = false;
    idle.run(600);
    expect(idle.last(1, 'valve_error').error).toBe('Current sensor fault');
  });

  it('a move longer than the maximum run time is stopped', () => {
    const b = bench({ config: { calibration: { maxRunMs: 2000 } } });
    b.speed = 2;
    b.send(1, basic(80));
    b.run(2100);
    expectFault(b, 'Max run time exceeded');
  });

  it('a fault leaves the motor off until a new command, which clears it', () => {
    const b = bench();
    b.jamAt = 30;
    b.send(1, basic(80));
    b.run(3000);
    b.run(5000);
    expect(b.motorOff).toBe(true);
    b.jamAt = undefined;
    b.send(2, basic(60));
    b.run(6000);
    expect(Math.abs(b.angle - 60)).toBeLessThanOrEqual(1);
    expect(b.state(1).Error).toBe('No Error');
  });

  it('the fault and the position survive a reboot; a move cut by a restart is reported', () => {
    const b = bench();
    b.jamAt = 30;
    b.send(1, basic(80));
    b.run(3000);
    const mem = b.memories[b.memories.length - 1]!;
    const after = new Bench({ angle: 30, memory: mem });
    after.connect(1);
    expect(after.state(1).Error).toBe('Motor stalled');
    expect(after.state(1).get_valvedata.angle).toBe(30);

    const cut = bench();
    cut.send(1, basic(80));
    cut.run(1000);
    const midMove = cut.memories[cut.memories.length - 1]!;
    expect(midMove.moving).toBe(true);
    const rebooted = new Bench({ angle: cut.angle, memory: midMove });
    rebooted.connect(1);
    rebooted.run(1000);
    expect(rebooted.motorOff).toBe(true);
    expect(rebooted.state(1).Error).toBe('Move interrupted by restart');
    expect(rebooted.memories[0]!.moving).toBe(false);
  });
});
