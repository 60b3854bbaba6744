import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'acorn';
import { afterAll, describe, expect, it } from 'vitest';
import { BuildError, buildApps } from '../../build/apps.js';
import { bundleApp } from '../../build/bundle.js';
import { asEsModule, exportedNames } from '../../build/protocolModules.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixture = (name: string) => join(root, 'test', 'fixtures', name);
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function outDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'espfleet-fw-build-'));
  dirs.push(d);
  return d;
}

/** Whether a script is a single function called at once (`!function(){…}()` or `(()=>{…})()`). */
function isOneCalledFunction(code: string): boolean {
  const body = (parse(code, { ecmaVersion: 2022 }) as unknown as { body: any[] }).body;
  if (body.length !== 1 || body[0].type !== 'ExpressionStatement') return false;
  let e = body[0].expression;
  if (e.type === 'UnaryExpression') e = e.argument;
  return e.type === 'CallExpression' && e.arguments.length === 0 && /^(FunctionExpression|ArrowFunctionExpression)$/.test(e.callee.type);
}

describe('firmware build', () => {
  it('fails on a call before its declaration, naming the source file and line', async () => {
    const b = await bundleApp(fixture('hoistingTrap.ts'), 'trap', root);
    expect(b.problems.join('\n')).toMatch(/^test\/fixtures\/hoistingTrap\.ts:2:1: function `report` is used before its declaration.*\[dist\/trap\.debug\.js:\d+:\d+\]$/m);
    const out = await outDir();
    await expect(buildApps(root, { apps: [{ name: 'trap', entry: 'test/fixtures/hoistingTrap.ts' }], outDir: out })).rejects.toThrow(BuildError);
  });

  it('fails on a regular expression, in the minified bundle as well as the readable one', async () => {
    const b = await bundleApp(fixture('regex.ts'), 'regex', root);
    expect(b.problems.some((p) => /^test\/fixtures\/regex\.ts:2:\d+: regular expressions .*\[dist\/regex\.js:1:\d+\]$/.test(p))).toBe(true);
    expect(b.problems.some((p) => /^test\/fixtures\/regex\.ts:2:\d+: regular expressions .*\[dist\/regex\.debug\.js:\d+:\d+\]$/.test(p))).toBe(true);
  });

  it('fails on a statement that starts with a string right after an if, which Espruino reads as empty', async () => {
    const b = await bundleApp(fixture('literalAfterIf.ts'), 'literal', root);
    expect(b.problems.some((p) => /^test\/fixtures\/literalAfterIf\.ts:7:1: a statement that starts with a string right after an `if` .*\[dist\/literal\.debug\.js:\d+:\d+\]$/.test(p))).toBe(true);
  });

  it('minifies `x === "a"` after an if without moving the string to the front of the statement', async () => {
    const b = await bundleApp(fixture('comparisonAfterIf.ts'), 'comparison', root);
    expect(b.problems).toEqual([]);
    expect(b.minified).toContain('==="sync"');
  });

  it('refuses an entry that exports', async () => {
    await expect(bundleApp(fixture('exports.ts'), 'exports', root)).rejects.toThrow('test/fixtures/exports.ts exports version');
  });

  it('fails a bundle over budget and writes the size report', async () => {
    const out = await outDir();
    const apps = [{ name: 'echo', entry: 'test/fixtures/wsEcho.ts' }];
    await expect(buildApps(root, { apps, outDir: out, budget: 1000 })).rejects.toThrow(/^dist\/echo\.js: \d+ bytes is over the 1000-byte budget$/);
    const sizes = await buildApps(root, { apps, outDir: out });
    expect(sizes[0].bytes).toBe((await readFile(join(out, 'echo.js'))).length);
    expect(await readFile(join(out, 'SIZES.md'), 'utf8')).toContain(`| echo | dist/echo.js | ${sizes[0].bytes} B | 24576 B |`);
    expect(JSON.parse(await readFile(join(out, 'sizes.json'), 'utf8'))).toEqual(sizes);
    // Every byte is put down to a source file (the wrapper to the bundle itself), largest first.
    const parts = sizes[0].parts;
    expect(parts.reduce((n, p) => n + p.bytes, 0)).toBe(sizes[0].bytes);
    expect(parts.map((p) => p.bytes)).toEqual(parts.map((p) => p.bytes).sort((a, b) => b - a));
    const server = parts.find((p) => p.part === 'src/net/wsServer.ts');
    expect(server!.bytes).toBeGreaterThan(500);
    expect(await readFile(join(out, 'SIZES.md'), 'utf8')).toContain(`## dist/echo.js by source file`);
    expect(await readFile(join(out, 'SIZES.md'), 'utf8')).toContain(`| src/net/wsServer.ts | ${server!.bytes} B |`);
    // Nothing of the bundle lands in the board's globals, and the readable twin is there too.
    expect(isOneCalledFunction(await readFile(join(out, 'echo.js'), 'utf8'))).toBe(true);
    expect((await readFile(join(out, 'echo.debug.js'), 'utf8'))).toContain('function startWsServer(');
  });

  // simulator/test/firmware/buildFixtures.test.ts runs this bundle on the simulated board.
  it('bundles only the imported protocol family', async () => {
    const b = await bundleApp(fixture('valveCodec.ts'), 'codec', root);
    expect(b.problems).toEqual([]);
    expect(b.minified).toContain('set_valve_basic');
    expect(b.minified).not.toContain('nfc_scan');
    expect(b.minified).not.toContain('exports');
    // Only what the fixture imports: the device-message validators and constants are left out.
    expect(b.minified).not.toContain('"device_info"');
    expect(b.minified).not.toContain('Overcurrent detected');
    expect(b.parts.map((p) => p.part)).toContain('@espfleet/protocol/espruino/valve.js');
  });
});

describe('build checks', () => {
  it('turns a CommonJS codec into an ES module whose exports can be left out one by one', () => {
    const src = 'function f() { return 1; }\nexports.a = f;\nexports.B = { x: 1 };';
    expect(exportedNames(src)).toEqual(['a', 'B']);
    expect(asEsModule(src)).toBe('function f() { return 1; }\nexport var a = f;\nexport var B = { x: 1 };');
  });

  it('refuses a codec whose exports the rewrite would change', () => {
    expect(() => asEsModule('exports.a = 1;\nexports.a = 2;')).toThrow('assigns exports.a twice');
    expect(() => asEsModule('exports.a = 1;\nfunction g() { return exports.a; }')).toThrow('uses `exports` other than');
  });
});
