// The fidelity realm: each expected value is what Espruino 2v29 printed on its Linux build
// (the probes are recorded in simulator/test/espruino/probes.json, run there in full).
import { describe, it, expect } from 'vitest';
import vm from 'node:vm';
import { createEspruinoContext, runInEspruinoContext, textIntoRealm, textOutOfRealm } from '../src/espruinoRealm.js';
import { MISSING_GLOBALS, PROTOTYPES_WITHOUT_BUILTINS } from '../src/espruinoProfile.js';

const stock = () => createEspruinoContext();
const esp32 = () => createEspruinoContext({ byteStrings: true });
const run = (code: string, ctx = stock()) => runInEspruinoContext(ctx, code);

describe('Espruino fidelity realm', () => {
  it('has no Node globals and none of what the profile lists as missing', () => {
    const ctx = stock();
    for (const name of ['process', 'Buffer', 'require', 'setTimeout', ...MISSING_GLOBALS]) {
      expect(run(`typeof ${name}`, ctx), name).toBe('undefined');
    }
    expect(run('typeof Number.EPSILON + typeof Math.trunc + typeof [].at', ctx)).toBe('undefinedundefinedundefined');
  });

  it('finds built-in methods on instances, not on X.prototype', () => {
    const ctx = stock();
    for (const name of PROTOTYPES_WITHOUT_BUILTINS) expect(run(`typeof ${name}.prototype`, ctx), name).toBe('object');
    expect(run('typeof Array.prototype.slice + typeof String.prototype.indexOf + typeof Function.prototype.call', ctx)).toBe(
      'undefinedundefinedundefined',
    );
    expect(() => run('Array.prototype.slice.call([1])', ctx)).toThrow();
    expect(run('(function () { return [].slice.call(arguments, 1); })(1, 2, 3)', ctx)).toEqual([2, 3]);
    expect(run('"abc".toUpperCase() + (function (a) { return this.x + a; }).call({ x: 1 }, 2)', ctx)).toBe('ABC3');
    expect(run('[] instanceof Array && new Array(3).length === 3 && typeof Object.prototype.hasOwnProperty', ctx)).toBe('function');
    expect(run('Array.prototype.second = function () { return this[1]; }; [7, 8].second()', ctx)).toBe(8);
  });

  it('throws on arr.length = n', () => {
    expect(() => run('var a = [1, 2, 3]; a.length = 1;')).toThrow('Assignment to a constant');
    expect(() => run('var a = [1]; a.length++;')).toThrow('Assignment to a constant');
    expect(run('var o = { length: 2 }; o.length = 0; o.length')).toBe(0);
  });

  it('gives errors no name; built-in error types outside Error', () => {
    const ctx = stock();
    expect(run('(function () { try { null.x; } catch (e) { return [e.name, e instanceof Error, e instanceof TypeError]; } })()', ctx)).toEqual([
      undefined,
      true,
      false,
    ]);
    expect(run('(function () { try { nope; } catch (e) { return [e.name, e instanceof Error, e instanceof ReferenceError]; } })()', ctx)).toEqual([
      undefined,
      false,
      true,
    ]);
    expect(run('(function () { try { JSON.parse("{"); } catch (e) { return [e.name, e instanceof Error, e instanceof SyntaxError, e.message]; } })()', ctx)).toEqual([
      undefined,
      false,
      true,
      "Got EOF expected '}'",
    ]);
    expect(run('[new TypeError("m") instanceof Error, new Error("m") instanceof Error, String(new Error("m")), String(new TypeError("m"))]', ctx)).toEqual([
      false,
      true,
      'Error: m',
      'TypeError: m',
    ]);
    expect(run('typeof RangeError + typeof InternalError', ctx)).toBe('undefinedfunction');
  });

  it('converts strings to numbers without trimming the end; rounds halves away from zero', () => {
    expect(run('[isNaN(Number(" 12 ")), isNaN(Number(" ")), Number(" 12"), Number(""), Number("010"), isNaN(+" 12 ")]')).toEqual([
      true,
      true,
      12,
      0,
      8,
      true,
    ]);
    expect(run('[Math.round(-0.5), Math.round(-1.5), Math.round(2.5), 1 / Math.round(-0.4)]')).toEqual([-1, -2, 3, -Infinity]);
  });

  it('parses JSON leniently, as the board does, and throws on the rest', () => {
    expect(run('JSON.stringify([JSON.parse("[1,2,]"), JSON.parse("{\'a\':\'b\'}"), JSON.parse("007"), JSON.parse("1 2"), JSON.parse("[1,/*x*/2]")])')).toBe(
      '[[1,2],{"a":"b"},7,1,[1,2]]',
    );
    expect(run('typeof JSON.parse("-a")')).toBe('undefined');
    for (const bad of ['{', '', 'abc', '[1,,2]', '{a:1}', '{"a":1 "b":2}', 'NaN', '"abc']) {
      expect(() => run(`JSON.parse(${JSON.stringify(bad)})`), bad).toThrow();
    }
    expect(run('String(JSON.parse("9223372036854775809"))')).toBe('-9223372036854775808');
  });

  it('prints numbers with Espruino digits in String(), concatenation, templates and JSON', () => {
    const ctx = stock();
    expect(run('[String(0.1 + 0.2), "" + 1 / 3, `${2 / 3}`, JSON.stringify(123456789.123), String(1e21), String(12345.6789)]', ctx)).toEqual([
      '0.3',
      '0.33333333333',
      '0.66666666666',
      '123456789.12299999594',
      '10e+20',
      '12345.67889999999',
    ]);
    expect(run('var s = "v="; s += 1 / 3; var o = { t: "" }; o.t += 0.1 + 0.2; [s, o.t, [1.5, 1 / 3].join(), (2.5).toFixed(0), (255).toString(16)]', ctx)).toEqual([
      'v=0.33333333333',
      '0.3',
      '1.5,0.33333333333',
      '2',
      'ff',
    ]);
  });

  it('escapes non-ASCII in JSON.stringify; byte strings hold UTF-8 as bytes', () => {
    expect(run('JSON.stringify("\u00e9\u20ac") + JSON.stringify("a\\u0001\\u007f")')).toBe('"\\u00E9\\u20AC""a\\u0001\\u007F"');
    const bytes = esp32();
    expect(run('["\u00e9".length, JSON.stringify("\u00e9"), "\\u20ac".charCodeAt(0)]', bytes)).toEqual([2, '"\\u00C3\\u00A9"', 0xac]);
    const msg = textIntoRealm(bytes, '{"n":"Juan P\u00e9rez"}');
    vm.runInContext('var msg', bytes);
    (bytes as Record<string, unknown>).msg = msg;
    expect(run('JSON.parse(msg).n.length', bytes)).toBe(11);
    expect(run('JSON.stringify(JSON.parse(msg))', bytes)).toBe('{"n":"Juan P\\u00C3\\u00A9rez"}');
    expect(textOutOfRealm(bytes, run('JSON.parse(msg).n', bytes) as string)).toBe('Juan P\u00e9rez');
    expect(run('var n = 0; for (var c of "\u00e9a") n++; n')).toBe(3);
  });

  it('gives fractional Date.now(), or the clock it is handed', () => {
    expect(run('var f = false; for (var i = 0; i < 5 && !f; i++) f = Date.now() % 1 !== 0; f')).toBe(true);
    const ctx = createEspruinoContext({ now: () => 86400000.5 });
    expect(run('[Date.now(), new Date().getTime()]', ctx)).toEqual([86400000.5, 86400000]);
  });

  it('keeps minified `return"a"+b` and `return+x` apart when rewriting them', () => {
    expect(run('(function (b) { return"a"+b; })(1)')).toBe('a1');
    expect(run('(function (x) { return+x; })(" 2")')).toBe(2);
    expect(run('(function (s) { var o = 0; for (var c of s) o++; return o; })("ab")')).toBe(2);
  });

  it('runs new Function bodies through the same rules', () => {
    expect(run('new Function("a", "return a + 0.1 + \\"\\"")(0.2)')).toBe('0.3');
  });
});
