// process.memory() counts what the firmware's closures hold, not only its globals: a bundle keeps
// its state inside `(function(){ … })()`, alive through the timers and listeners it registered.
import { describe, expect, it } from 'vitest';
import { EspruinoDevice } from '../../src/espruino/device.js';
import { VirtualClock } from '../../src/espruino/clock.js';
import { BASE_USAGE } from '../../src/espruino/memory.js';

function usageAfterBoot(bundle: string, advanceMs = 0): number {
  const clock = new VirtualClock();
  const device = new EspruinoDevice({ id: 'memory', bundle, clock });
  device.boot();
  clock.advance(advanceMs);
  try {
    expect(device.uncaught).toEqual([]);
    return (device.eval('process.memory().usage') as number);
  } finally {
    device.stop();
  }
}

const held = (fill: string) =>
  `(function () { var a = []; for (var i = 0; i < 1000; i++) a.push(${fill}); setInterval(function () { a.length; }, 1000); })();`;

describe('process.memory() and closures', () => {
  it('an empty program reads the interpreter baseline (the realm\'s own functions are not counted)', () => {
    expect(usageAfterBoot('')).toBe(BASE_USAGE);
  });

  it('grows with what a closure holds', () => {
    const without = usageAfterBoot('(function () { setInterval(function () {}, 1000); })();');
    const ints = usageAfterBoot(held('i'));
    const floats = usageAfterBoot(held('i + 0.5'));
    // 1,000 array entries: one JsVar each for an integer the name holds, two for a float.
    expect(ints - without).toBeGreaterThanOrEqual(1000);
    expect(ints - without).toBeLessThan(1100);
    expect(floats - ints).toBeGreaterThanOrEqual(1000);
    expect(floats - ints).toBeLessThan(1050);
  });

  it('counts a closure shared by two functions once', () => {
    const one = usageAfterBoot(`(function () { var a = []; for (var i = 0; i < 500; i++) a.push(i + 0.5); setInterval(function () { a.length; }, 1000); })();`);
    const two = usageAfterBoot(`(function () { var a = []; for (var i = 0; i < 500; i++) a.push(i + 0.5); setInterval(function () { a.length; }, 1000); setInterval(function () { a[0]; }, 1000); })();`);
    expect(two - one).toBeLessThan(20);
  });

  it('stops holding what the firmware let go', () => {
    const freed = usageAfterBoot(`(function () { var a = []; for (var i = 0; i < 1000; i++) a.push(i + 0.5); var t = setTimeout(function () { a.length; }, 1000); clearTimeout(t); })();`, 1500);
    expect(freed).toBeLessThan(BASE_USAGE + 50);
  });
});
