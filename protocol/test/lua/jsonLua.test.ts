import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildLuaBundle } from '../../generator/luaBuild.js';

const here = dirname(fileURLToPath(import.meta.url));
const jsonTs = join(here, '../../src/lua/json.ts');
const entryTs = join(here, 'jsonEntry.ts');
const isCI = process.env.CI === 'true';

// Reads one JSON string literal per stdin line, decodes it to get the document text,
// then prints jsonEncode(jsonDecode(text)), i.e. {"ok":true,"value":...} or {"ok":false,"error":"..."}.
const DRIVER = String.raw`
local J = dofile(arg[1])
for line in io.lines() do
  local lit = J.jsonDecode(line)
  if not lit.ok or type(lit.value) ~= "string" then
    io.write("DRIVER: bad input line\n")
  else
    io.write(J.jsonEncode(J.jsonDecode(lit.value)), "\n")
  end
end
`;

const API_SNIPPET = String.raw`
local J = dofile(arg[1])
local function bytes(s)
  local t = {}
  for i = 1, #s do t[#t + 1] = tostring(string.byte(s, i)) end
  return table.concat(t, ",")
end
local d = J.jsonDecode('{"a":[],"o":{},"n":null,"l":[1,null,2],"s":"x"}').value
local built = J.newArray()
built[1] = J.NULL
built[2] = { k = J.newArray(), e = {} }
print(J.jsonEncode({
  decodedEmptyArrayIsArray = J.isArray(d.a), decodedEmptyArrayIsObject = J.isObject(d.a),
  decodedEmptyObjectIsObject = J.isObject(d.o), decodedEmptyObjectIsArray = J.isArray(d.o),
  rootIsObject = J.isObject(d), nullIsSentinel = d.n == J.NULL, nullInArray = d.l[2] == J.NULL,
  arrayLength = #d.l, arrayFirst = d.l[1],
  nullIsArray = J.isArray(J.NULL), nullIsObject = J.isObject(J.NULL),
  stringIsArray = J.isArray(d.s), stringIsObject = J.isObject(d.s),
  numberIsArray = J.isArray(1), numberIsObject = J.isObject(1),
  nilIsArray = J.isArray(nil), nilIsObject = J.isObject(nil),
  newArrayIsArray = J.isArray(J.newArray()), newArrayIsObject = J.isObject(J.newArray()),
  plainTableIsObject = J.isObject({}), plainTableIsArray = J.isArray({}),
  encNewArray = J.jsonEncode(J.newArray()), encEmptyTable = J.jsonEncode({}),
  encNULL = J.jsonEncode(J.NULL), encNil = J.jsonEncode(nil), encBuilt = J.jsonEncode(built),
  encSequence = J.jsonEncode({ 1, "two", true }), encBools = J.jsonEncode({ false, true }),
  encIntegers = J.jsonEncode({ 0, -0.0, 3.0, -1, 123456789012, 2^53, -2^53 }),
  encFloats = J.jsonEncode({ 1.5, 0.1, 1/3, 0.1 + 0.2, 1e300, 5e-324, -2.5e-7, 2^53 + 2, 1e21 }),
  encNonFinite = J.jsonEncode({ 1/0, -1/0, 0/0 }),
  encString = J.jsonEncode("q\"b\\\n\r\t\b\f\1\31\127\195\169/"),
  loneSurrogate = bytes(J.jsonDecode('"\\ud800"').value),
  loneLowSurrogate = bytes(J.jsonDecode('"\\udc00x"').value),
  highThenNonLow = bytes(J.jsonDecode('"\\ud800\\u0041"').value),
  surrogatePair = bytes(J.jsonDecode('"\\ud83d\\ude00"').value),
  rawUtf8 = bytes(J.jsonDecode('"\226\130\172"').value),
  errTrailingComma = J.jsonDecode("[1,]").error, errEmpty = J.jsonDecode("").error,
  errNotString = J.jsonDecode(nil).error,
}))
`;

function hasLua(bin: string): boolean {
  const r = spawnSync(bin, ['-v'], { encoding: 'utf8' });
  return r.error === undefined && r.status === 0;
}

function makeBig(): string {
  const items: unknown[] = [];
  let text = '';
  for (let i = 0; text.length < 200 * 1024; i++) {
    items.push({
      id: i,
      name: `device-${i}-ünïcødé-😀`,
      reading: Math.sin(i) * 1e5,
      tiny: i * 1.5e-9,
      flags: { on: i % 2 === 0, fault: null, tags: i % 3 === 0 ? [] : ['a', 'b\n"q"\\\u0001'] },
      nested: [[i, -i], {}, [[]]],
    });
    text = JSON.stringify(items, null, i % 2); // odd counts get some whitespace
  }
  return text;
}

const VALID: string[] = [
  '{}', '[]', '{"a":{},"b":[]}', '[[],{},[[]],[{}]]', 'null', 'true', 'false',
  '0', '-0', '1e3', '1.5e-7', '123456789012', '9007199254740992', '-1', '1E+2', '-0.0', '0.1',
  '1e999', '-1e999', '123.456e-10', '1234567890123456789', '[0.30000000000000004,5e-324,1.7976931348623157e308]',
  '[1.0,2.50,1e0,-12.5e+3,1e-0]',
  '[1,null,2]', '{"a":null}', '[null]', '"\\u00e9\\u4e2d"', '"\\ud83d\\ude00"', '"\\uD83D\\uDE00 \\uDBFF\\uDFFF"',
  '"héllo 日本語 😀"', '"\\"\\\\\\/\\b\\f\\n\\r\\t"', '" spaced "', '{"a":1,"a":2}', ' \t\r\n [ 1 , 2 ] \n',
  '{"nested":{"deep":[1,[2,[3,{"x":"y"}]]]}}', '""', '{"":""}', '"\\u0000"', '"a\\u0000b"', '"\\u007f\u007f"',
  '{"k":"v","n":-12.5e+3,"b":[true,false,null]}', '{"a b":"c\\u0020d"}', '"\\u2028\\u2029"', '-123',
  '[[[[[[]]]]]]', '{"x":[{"y":[{"z":{}}]}]}',
];

const INVALID: string[] = [
  '[1,]', '{"a":1,}', "'a'", "['a']", "{'a':1}", '01', '-01', '00', '"\\x41"', '"\\u12"', '"\\uZZZZ"',
  '"\\u12G4"', '"a\tb"', '"a\nb"', '"a\u0000b"', '"a\u001fb"', '-', '.5', '1.', '+1', 'NaN', 'Infinity',
  '-Infinity', '[', '{', '{"a"', '{"a":', '"abc', '[1,2', '', '   ', 'tru', 'nul', 'True', '[1 2]',
  '{"a" 1}', '{a:1}', '1 2', '[] []', '{}x', '1e', '1e+', '0x10', '1.e5', '\ufeff1', '[,1]', '{,}',
  '[1,,2]', '"\\', '"\\"', '\u00a01', '/* c */ 1', 'undefined', '"\\u{41}"', '{"a":1 "b":2}', '[1]]',
  '-.5', '1e5.5', '"\\U0041"',
];

type LuaResult = { ok: boolean; value?: unknown; error?: string };

for (const version of ['5.1', '5.3'] as const) {
  const bin = `lua${version}`;
  const available = hasLua(bin);

  describe.skipIf(!available && !isCI)(`json.ts compiled for Lua ${version}`, () => {
    let dir = '';
    let bundlePath = '';

    const run = (script: string, input = ''): string => {
      const scriptPath = join(dir, `script-${Math.random().toString(36).slice(2)}.lua`);
      writeFileSync(scriptPath, script);
      const r = spawnSync(bin, [scriptPath, bundlePath], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      if (r.error) throw r.error;
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      return r.stdout;
    };
    const decodeAll = (docs: string[]): LuaResult[] => {
      const out = run(DRIVER, docs.map((d) => JSON.stringify(d) + '\n').join('')).split('\n');
      expect(out.pop()).toBe('');
      expect(out).toHaveLength(docs.length);
      return out.map((line) => JSON.parse(line) as LuaResult);
    };

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), `espfleet-json-lua${version}-`));
      const lua = buildLuaBundle({
        files: { [jsonTs]: readFileSync(jsonTs, 'utf8'), [entryTs]: readFileSync(entryTs, 'utf8') },
        entry: entryTs,
        luaTarget: version,
      });
      bundlePath = join(dir, `json${version.replace('.', '')}.lua`);
      writeFileSync(bundlePath, lua);
    }, 60_000);

    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it(`${bin} is installed`, () => {
      expect(available, `${bin} not found on PATH`).toBe(true);
    });

    it('bundle is require-able and returns the library exports', () => {
      const name = `json${version.replace('.', '')}`;
      const out = run(
        `package.path = ${JSON.stringify(dir + '/?.lua;')} .. package.path
local J = require(${JSON.stringify(name)})
local names = {}
for k, v in pairs(J) do names[#names + 1] = k .. ":" .. type(v) end
table.sort(names)
print(table.concat(names, " "))`,
      );
      expect(out.trim()).toBe(
        'NULL:table isArray:function isObject:function jsonDecode:function jsonEncode:function newArray:function',
      );
    });

    it(`agrees with JSON.parse on ${VALID.length} valid documents`, () => {
      const results = decodeAll(VALID);
      VALID.forEach((doc, i) => {
        const expected = JSON.parse(JSON.stringify(JSON.parse(doc)));
        expect(results[i], doc).toEqual({ ok: true, value: expected });
      });
    });

    it(`rejects ${INVALID.length} invalid documents like JSON.parse`, () => {
      const results = decodeAll(INVALID);
      INVALID.forEach((doc, i) => {
        expect(() => JSON.parse(doc), doc).toThrow();
        expect(results[i]?.ok, doc).toBe(false);
        expect(results[i]?.error, doc).toMatch(/ at position \d+$/);
      });
    });

    it('reports short positioned errors', () => {
      const [comma, char, eof, ctrl, esc, bom] = decodeAll(['[1,]', '  x', '{"a":', '"a\tb"', '"\\q"', '\ufeff1']);
      expect(comma?.error).toBe("unexpected character ']' at position 3");
      expect(char?.error).toBe("unexpected character 'x' at position 2");
      expect(eof?.error).toBe('unexpected end of input at position 5');
      expect(ctrl?.error).toBe('control character in string at position 2');
      expect(esc?.error).toBe('invalid escape at position 1');
      expect(bom?.error).toBe('unexpected byte 239 at position 0');
    });

    it('limits nesting depth to 64', () => {
      const arrays = (n: number) => '['.repeat(n) + ']'.repeat(n);
      const objects = (n: number) => '{"a":'.repeat(n - 1) + '{}' + '}'.repeat(n - 1);
      const [a64, a65, o64, o65, mixed65] = decodeAll([
        arrays(64), arrays(65), objects(64), objects(65), '[{"a":'.repeat(32) + '[]' + '}]'.repeat(32) + '',
      ]);
      expect(a64).toEqual({ ok: true, value: JSON.parse(arrays(64)) });
      expect(o64).toEqual({ ok: true, value: JSON.parse(objects(64)) });
      expect(a65?.error).toBe('nesting deeper than 64 at position 64');
      expect(o65?.ok).toBe(false);
      expect(o65?.error).toMatch(/^nesting deeper than 64/);
      expect(mixed65?.error).toMatch(/^nesting deeper than 64/);
    });

    it('decodes and re-encodes a 200 KB document in well under 2 s', () => {
      const big = makeBig();
      expect(big.length).toBeGreaterThanOrEqual(200 * 1024);
      const t0 = performance.now();
      const [result] = decodeAll([big]);
      const elapsed = performance.now() - t0;
      expect(result).toEqual({ ok: true, value: JSON.parse(big) });
      expect(elapsed).toBeLessThan(2000);
    });

    it('exposes isArray/isObject/newArray/NULL and encodes Lua values', () => {
      const r = JSON.parse(run(API_SNIPPET)) as Record<string, unknown>;
      expect(r).toMatchObject({
        decodedEmptyArrayIsArray: true, decodedEmptyArrayIsObject: false,
        decodedEmptyObjectIsObject: true, decodedEmptyObjectIsArray: false,
        rootIsObject: true, nullIsSentinel: true, nullInArray: true, arrayLength: 3, arrayFirst: 1,
        nullIsArray: false, nullIsObject: false, stringIsArray: false, stringIsObject: false,
        numberIsArray: false, numberIsObject: false, nilIsArray: false, nilIsObject: false,
        newArrayIsArray: true, newArrayIsObject: false, plainTableIsObject: true, plainTableIsArray: false,
        encNewArray: '[]', encEmptyTable: '{}', encNULL: 'null', encNil: 'null',
        encSequence: '[1,"two",true]', encBools: '[false,true]',
        encIntegers: '[0,0,3,-1,123456789012,9007199254740992,-9007199254740992]',
        encNonFinite: '[null,null,null]',
        encString: '"q\\"b\\\\\\n\\r\\t\\b\\f\\u0001\\u001f\u007fé/"',
        loneSurrogate: '237,160,128', loneLowSurrogate: '237,176,128,120', highThenNonLow: '237,160,128,65',
        surrogatePair: '240,159,152,128', rawUtf8: '226,130,172',
        errTrailingComma: "unexpected character ']' at position 3",
        errEmpty: 'unexpected end of input at position 0', errNotString: 'input is not a string',
      });
      expect(JSON.parse(r.encBuilt as string)).toEqual([null, { k: [], e: {} }]);
      expect(JSON.parse(r.encFloats as string)).toEqual([1.5, 0.1, 1 / 3, 0.1 + 0.2, 1e300, 5e-324, -2.5e-7, 2 ** 53 + 2, 1e21]);
      expect(JSON.parse(r.encString as string)).toBe('q"b\\\n\r\t\b\f\x01\x1f\x7fé/');
    });
  });
}
