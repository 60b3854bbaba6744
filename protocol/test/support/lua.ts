// Runs generated Lua modules under the real lua5.1 / lua5.3 interpreters.
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const LUA_VERSIONS = ['5.1', '5.3'] as const;

export function luaAvailable(version: string): boolean {
  return spawnSync(`lua${version}`, ['-v']).status === 0;
}

const DRIVER = `
local m = dofile(arg[1])
for line in io.lines() do
  local tab = string.find(line, "\\t", 1, true)
  local fn = string.sub(line, 1, tab - 1)
  local text = m.jsonDecode(string.sub(line, tab + 1)).value
  local okcall, r = pcall(m[fn], text)
  if okcall then
    io.write(m.jsonEncode(r), "\\n")
  else
    io.write(m.jsonEncode({ threw = tostring(r) }), "\\n")
  end
end
`;

/** Calls `fn(text)` in the module for every input, in one interpreter process; returns the JSON results. */
export function runLua(version: string, modulePath: string, calls: Array<{ fn: string; text: string }>): unknown[] {
  const dir = mkdtempSync(join(tmpdir(), 'espfleet-lua-'));
  const driver = join(dir, 'driver.lua');
  writeFileSync(driver, DRIVER);
  const input = calls.map((c) => `${c.fn}\t${JSON.stringify(c.text)}`).join('\n') + '\n';
  const r = spawnSync(`lua${version}`, [driver, modulePath], { input, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`lua${version} failed: ${r.stderr}`);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  if (lines.length !== calls.length) throw new Error(`lua${version}: ${lines.length} results for ${calls.length} calls\n${r.stderr}`);
  return lines.map((l) => JSON.parse(l));
}
