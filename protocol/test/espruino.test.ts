// The Espruino modules: in the dialect, small enough, and the dialect check itself.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { families } from '../src/families/index.js';
import { checkEspruinoDialect } from '../src/espruinoDialect.js';
import { protocolRoot } from './support/vectors.js';

const dist = (f: string) => join(protocolRoot, 'dist', 'espruino', f);

describe('Espruino modules', () => {
  for (const fam of families) {
    it(`${fam.name}: passes the dialect check, minified and not`, () => {
      expect(checkEspruinoDialect(readFileSync(dist(`${fam.name}.js`), 'utf8'))).toEqual([]);
      expect(checkEspruinoDialect(readFileSync(dist(`${fam.name}.debug.js`), 'utf8'))).toEqual([]);
    });
  }
  it('valve stays under 8 KB minified', () => {
    expect(readFileSync(dist('valve.js')).byteLength).toBeLessThan(8 * 1024);
  });
  it('carries only its own family', () => {
    const valve = readFileSync(dist('valve.js'), 'utf8');
    expect(valve).not.toContain('nfc_scan');
    expect(valve).not.toContain('sdp_offer');
  });
});

describe('Espruino dialect check', () => {
  const cases: Array<[string, string]> = [
    ['var a = /x+/;', 'regular expressions'],
    ['var a = new RegExp("x");', 'RegExp does not exist'],
    ['var {a} = o;', 'destructuring'],
    ['var [a, b] = o;', 'destructuring'],
    ['function f(a = 1) {}', 'default parameters'],
    ['function f(...a) {}', 'rest parameters'],
    ['f(...a);', 'spread'],
    ['var o = {...a};', 'spread'],
    ['var x = a?.b;', 'optional chaining'],
    ['var x = 2 ** 3;', '** is not supported'],
    ['x ??= 1;', '??= is not supported'],
    ['x ||= 1;', '||= is not supported'],
    ['async function f() { await g(); }', 'async functions'],
    ['function* g() { yield 1; }', 'generators'],
    ['var o = {[k]: 1};', 'computed property names'],
    ['outer: for (;;) { break outer; }', 'labelled statements'],
    ['class A { #x = 1; }', '#private'],
    ['class E extends Error {}', 'class extends Error'],
    ['var m = new Map();', 'Map does not exist'],
    ['var s = Symbol("x");', 'Symbol does not exist'],
    ['Number.isInteger(1);', 'Number.isInteger does not exist'],
    ['Array.from(a);', 'Array.from does not exist'],
    ['Array.prototype.slice.call(arguments);', 'Array.prototype does not exist'],
    ['Object.freeze(o);', 'Object.freeze does not exist'],
    ['Math.trunc(1.5);', 'Math.trunc does not exist'],
    ['p.finally(f);', '.finally() does not exist'],
    ['a.length = 0;', 'assigning to .length'],
    ['tag`x`;', 'tagged templates'],
    ['var x = 1n;', 'BigInt'],
    ['function (', 'does not parse'],
  ];
  for (const [code, expected] of cases) {
    it(`rejects: ${code}`, () => {
      const problems = checkEspruinoDialect(code);
      expect(problems.map((p) => p.message).join('; ')).toContain(expected);
    });
  }
  it('accepts what Espruino runs', () => {
    const ok = [
      'let a = 1; const b = 2;',
      'var f = (x) => x + 1;',
      'class A extends B { constructor() { super(); } get x() { return 1; } static s() {} }',
      'var t = `a${b}`;',
      'for (var x of [1, 2]) {}',
      'var y = a ?? b;',
      'try { f(); } catch { g(); } finally { h(); }',
      'var o = { a, b() { return 1; }, get c() { return 2; } };',
      '[].slice.call(arguments); Object.assign({}, o); "x".padStart(2); [1].includes(1);',
      'var m = { Map: 1 }; m.Map; var s = obj.Set;',
    ];
    for (const code of ok) expect(checkEspruinoDialect(code), code).toEqual([]);
  });
  it('reports line and column', () => {
    expect(checkEspruinoDialect('var a = 1;\nvar b = /x/;')[0]).toMatchObject({ line: 2, column: 8 });
  });
});
