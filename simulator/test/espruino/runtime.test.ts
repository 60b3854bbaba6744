// The Espruino runtime emulation against Espruino's own behaviour: timers, setWatch with
// debounce and edges, I2C transfers and NACK, Storage across reboots, and loud failures.
import { describe, it, expect } from 'vitest';
import { VirtualClock } from '../../src/espruino/clock.js';
import { EspruinoDevice } from '../../src/espruino/device.js';
import type { I2CDevice } from '../../src/espruino/i2cBus.js';

function device(bundle: string, storage?: Record<string, string>) {
  const clock = new VirtualClock();
  const esp = new EspruinoDevice({ id: 't', bundle, clock, storage });
  return { clock, esp };
}

describe('interpreter context', () => {
  it('lacks the built-ins Espruino lacks, so such firmware fails as on a board', () => {
    const { esp } = device('');
    esp.boot();
    const missing = ['Map', 'Set', 'Symbol', 'Proxy', 'RegExp', 'Number.isInteger', 'Array.from', 'Object.freeze', 'Math.trunc', '[].at', '"".trimStart', 'setImmediate', 'queueMicrotask'];
    for (const name of missing) expect(esp.eval(`typeof ${name}`), name).toBe('undefined');
    expect(esp.eval('typeof Promise + typeof JSON + typeof Uint8Array + typeof DataView')).toBe('functionobjectfunctionfunction');
    expect(() => esp.eval('new Map()')).toThrow(/Map is not defined/);
  });

  it('reports an exception in a callback as Uncaught and keeps running', () => {
    const { clock, esp } = device('var n = 0; setInterval(function () { n++; if (n === 2) throw new Error("boom"); }, 100);');
    esp.boot();
    clock.advance(500);
    expect(esp.eval('n')).toBe(5);
    expect(esp.logs).toContain('Uncaught Error: boom');
    expect(esp.uncaught).toHaveLength(1);
  });

  it('fails loudly on what is not emulated', () => {
    const { esp } = device('');
    esp.boot();
    expect(() => esp.eval('require("neopixel")')).toThrow('Module neopixel is not supported by the simulator');
    expect(() => esp.eval('E.setClock(80)')).toThrow('E.setClock is not supported by the simulator');
    expect(() => esp.eval('save()')).toThrow('save() is not supported by the simulator');
    expect(() => esp.eval('process.hwVersion()')).toThrow('process.hwVersion is not supported by the simulator');
    expect(() => esp.eval('JSON.stringify({ a: 1 }, null, 2)')).toThrow('JSON.stringify with an indent is not supported by the simulator');
    expect(() => esp.eval('eval("1")')).toThrow('eval is not supported by the simulator');
  });

  it('refuses a bundle the interpreter would mis-run, with the dialect check\'s message', () => {
    const clock = new VirtualClock();
    const trap = 'start();\nfunction start() { print("up"); }\n';
    expect(() => new EspruinoDevice({ id: 't', bundle: trap, clock, bundleName: 'fw.js' })).toThrow(
      /fw\.js:1:1: function `start` is used before its declaration/,
    );
    const esp = new EspruinoDevice({ id: 't', bundle: 'print("ok");', clock, bundleName: 'fw.js' });
    expect(() => esp.flash('x = 1;\nvar x;')).toThrow(/fw\.js:1:1: variable `x` is assigned before its declaration/);
  });

  it('E.toString makes a string of bytes', () => {
    const { esp } = device('');
    esp.boot();
    expect(esp.eval('E.toString([104, 105], 33)')).toBe('hi!');
    expect(esp.eval('E.toString(new Uint8Array([195, 169])).length')).toBe(2);
  });

  it('process.memory() counts the JsVars the firmware adds', () => {
    const { esp } = device('var table = []; for (var i = 0; i < 100; i++) table.push({ id: i, name: "sensor" + i });');
    esp.boot();
    const m = esp.eval('process.memory()') as { usage: number; free: number; total: number; blocksize: number };
    expect(m.total).toBe(16383);
    expect(m.blocksize).toBe(14);
    expect(m.usage + m.free).toBe(m.total);
    const table = esp.eval('E.getSizeOf(table)') as number;
    // the array, then per item: its index, the object, `id` holding its number, `name` and the string
    expect(table).toBe(1 + 100 * (1 + 1 + 1 + 1 + 1));
    expect(m.usage).toBeGreaterThan(table);
    esp.eval('table = null');
    expect((esp.eval('process.memory()') as { usage: number }).usage).toBeLessThan(m.usage - table + 5);
  });

  it('a byte-string device holds UTF-8 text as its bytes; a unicode one as characters', () => {
    const bytes = new EspruinoDevice({ id: 'b', bundle: 'var name = "Juan P\u00e9rez";', clock: new VirtualClock(), byteStrings: true });
    bytes.boot();
    expect(bytes.eval('name.length')).toBe(11);
    expect(bytes.eval('JSON.stringify(name)')).toBe('"Juan P\\u00C3\\u00A9rez"');
    const chars = new EspruinoDevice({ id: 'c', bundle: 'var name = "Juan P\u00e9rez";', clock: new VirtualClock() });
    chars.boot();
    expect(chars.eval('name.length')).toBe(10);
    expect(chars.eval('JSON.stringify(name)')).toBe('"Juan P\\u00E9rez"');
  });

  it('runs E.on("init") after the bundle, at every boot', () => {
    const { esp } = device('var booted = 0; E.on("init", function () { booted++; print("init"); });');
    esp.boot();
    expect(esp.eval('booted')).toBe(1);
    esp.reboot();
    expect(esp.eval('booted')).toBe(1);
    expect(esp.logs.filter((l) => l === 'init')).toHaveLength(2);
  });

  it('E.reboot() restarts after the current callback', () => {
    const { clock, esp } = device(
      'var s = require("Storage"); if (!s.read("rebooted")) setTimeout(function () { s.write("rebooted", "1"); E.reboot(); print("after"); }, 10);',
    );
    esp.boot();
    clock.advance(20);
    expect(esp.boots).toBe(2);
    expect(esp.logs).toContain('after');
  });

  it('Date and getTime follow the device clock', () => {
    const { clock, esp } = device('');
    esp.boot();
    const t0 = esp.eval('getTime()') as number;
    clock.advance(1500);
    expect(esp.eval('getTime()')).toBeCloseTo(t0 + 1.5, 6);
    expect(esp.eval('Date.now()')).toBe(clock.now());
    expect(esp.eval('new Date().getTime()')).toBe(clock.now());
    expect(esp.eval('new Date(0).getTime()')).toBe(0);
  });
});

describe('timers', () => {
  it('setTimeout, setInterval, clearInterval and clearTimeout() with no id clearing all', () => {
    const { clock, esp } = device(
      'var a = 0, b = 0; var i = setInterval(function () { a++; if (a === 3) clearInterval(i); }, 10); setTimeout(function (x) { b = x; }, 25, 7);',
    );
    esp.boot();
    clock.advance(100);
    expect(esp.eval('a')).toBe(3);
    expect(esp.eval('b')).toBe(7);
    esp.eval('var c = 0; setInterval(function () { c++; }, 5); setTimeout(function () { c = -1; }, 50); clearTimeout();');
    clock.advance(100);
    expect(esp.eval('c')).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('a reboot clears the firmware timers', () => {
    const { clock, esp } = device('setInterval(function () {}, 10); setTimeout(function () {}, 1000);');
    esp.boot();
    esp.stop();
    expect(clock.pending).toBe(0);
  });

  it('runs 100× faster than real time on the virtual clock', () => {
    const { clock, esp } = device('var ticks = 0; setInterval(function () { ticks++; }, 10);');
    esp.boot();
    const t = performance.now();
    clock.advance(60_000);
    const wall = performance.now() - t;
    expect(esp.eval('ticks')).toBe(6000);
    expect(wall).toBeLessThan(60_000 / 100);
  });
});

describe('pins and setWatch', () => {
  it('digital and PWM outputs are visible to the hardware, inputs to the firmware', () => {
    const { esp } = device('digitalWrite(D2, 1); analogWrite(D25, 0.25, { freq: 20000 }); pinMode(D32, "input_pullup");');
    esp.boot();
    expect(esp.pins.output(2)).toMatchObject({ duty: 1 });
    expect(esp.pins.output(25)).toMatchObject({ duty: 0.25, freq: 20000 });
    expect(esp.eval('digitalRead(D32)')).toBe(1);
    esp.pins.setInput(32, false);
    expect(esp.eval('D32.read()')).toBe(false);
    esp.pins.setAnalog(34, 0.5);
    expect(esp.eval('analogRead(D34)')).toBe(0.5);
    expect(esp.eval('D2 instanceof Pin')).toBe(true);
    expect(() => esp.eval('analogWrite(D25, 2)')).toThrow(/between 0 and 1/);
  });

  it('debounce reports a bouncing contact once, after it settles', () => {
    const { clock, esp } = device(
      'var calls = []; pinMode(D14, "input_pullup"); setWatch(function (e) { calls.push(e.state); }, D14, { repeat: true, edge: "both", debounce: 20 });',
    );
    esp.boot();
    for (let i = 0; i < 6; i++) {
      esp.pins.setInput(14, i % 2 === 1);
      clock.advance(2);
    }
    esp.pins.setInput(14, false);
    clock.advance(50);
    expect(esp.eval('calls')).toEqual([false]);
    esp.pins.setInput(14, true);
    clock.advance(50);
    expect(esp.eval('calls')).toEqual([false, true]);
  });

  it('without debounce every edge is reported; edge filters; repeat:false fires once', () => {
    const { clock, esp } = device(
      'var r = 0, f = 0, once = 0, t = []; pinMode(D12, "input_pullup");' +
        'setWatch(function () { r++; }, D12, { repeat: true, edge: "rising" });' +
        'setWatch(function () { f++; }, D12, { repeat: true, edge: "falling" });' +
        'setWatch(function (e) { once++; t.push(e.time - e.lastTime); }, D12, { edge: "both" });',
    );
    esp.boot();
    clock.advance(1000);
    for (let i = 0; i < 4; i++) {
      esp.pins.setInput(12, i % 2 === 1);
      clock.advance(1);
    }
    expect(esp.eval('[r, f, once]')).toEqual([2, 2, 1]);
    expect((esp.eval('t') as number[])[0]).toBeCloseTo(1, 3);
    expect(esp.pins.watchCount).toBe(2);
    expect(() => esp.eval('clearWatch(99)')).toThrow();
  });
});

class Echo implements I2CDevice {
  acknowledging = true;
  last: Uint8Array = new Uint8Array();
  write(d: Uint8Array) {
    this.last = d;
  }
  read(n: number) {
    return this.last.slice(0, n);
  }
}

describe('I2C', () => {
  it('writeTo/readFrom reach the chip, with every transfer recorded, in the realm\'s Uint8Array', () => {
    const { esp } = device('I2C1.setup({ scl: D22, sda: D21 }); I2C1.writeTo(0x10, [1, 2], 3, "\\x04");');
    const chip = new Echo();
    esp.i2c[0].attach(0x10, chip);
    const seen: unknown[] = [];
    esp.i2c[0].on('transfer', (t) => seen.push(t));
    esp.boot();
    expect([...chip.last]).toEqual([1, 2, 3, 4]);
    expect(esp.eval('var d = I2C1.readFrom(0x10, 2); (d instanceof Uint8Array) + ":" + d[0] + d[1]')).toBe('true:12');
    expect(seen).toHaveLength(2);
  });

  it('a chip that does not acknowledge throws the ESP32 build\'s error', () => {
    const { esp } = device('');
    esp.boot();
    expect(() => esp.eval('I2C1.writeTo(0x55, 1)')).toThrow("jshI2CWrite: slave doesn't ACK the transfer");
    expect(() => esp.eval('I2C1.readFrom(0x55, 1)')).toThrow("jshI2CRead: slave doesn't ACK the transfer");
    expect(esp.eval('var m; try { I2C1.readFrom(0x55, 1); } catch (e) { m = e.message; } m')).toBe("jshI2CRead: slave doesn't ACK the transfer");
  });
});

describe('Storage', () => {
  it('survives a reboot and a power cut; JSON comes back in the firmware realm', () => {
    const { clock, esp } = device('var s = require("Storage"); var n = (s.readJSON("boots", true) || 0) + 1; s.writeJSON("boots", n);');
    esp.boot();
    esp.reboot();
    esp.powerCut(2000);
    expect(esp.state).toBe('off');
    clock.advance(2000);
    expect(esp.state).toBe('running');
    expect(esp.eval('n')).toBe(3);
    expect(esp.eval('require("Storage").list()')).toEqual(['boots']);
    esp.eval('require("Storage").write("cfg", "{\\"a\\":[1]}")');
    expect(esp.eval('require("Storage").readJSON("cfg") instanceof Object && Array.isArray(require("Storage").readJSON("cfg").a)')).toBe(true);
  });

  it('reads, partial writes, erase, bad JSON with and without noExceptions', () => {
    const { esp } = device('', { bad: '{nope' });
    esp.boot();
    expect(esp.eval('var s = require("Storage"); s.write("f", "abc", 0, 6); s.write("f", "def", 3); s.read("f")')).toBe('abcdef');
    expect(esp.eval('s.read("f", 2, 2)')).toBe('cd');
    expect(esp.eval('s.readJSON("bad", true)')).toBeUndefined();
    expect(() => esp.eval('s.readJSON("bad")')).toThrow();
    esp.eval('s.erase("f")');
    expect(esp.eval('s.read("f")')).toBeUndefined();
    expect(() => esp.eval('s.write("a-name-that-is-far-too-long-for-flash", "x")')).toThrow(/too long/);
  });
});

describe('crypto', () => {
  it('SHA1 returns an ArrayBuffer of the realm (the WebSocket accept key)', () => {
    const { esp } = device('');
    esp.boot();
    const key = esp.eval(
      'btoa(String.fromCharCode.apply(null, new Uint8Array(require("crypto").SHA1("dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))))',
    );
    expect(key).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
});
