// `npx espfleet` right after `make build` on a fresh clone: npm links the bin at install time,
// before anything is built, so the bin must be a file in git, not a build output.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { toolsDir } from './support.js';

const pkg = JSON.parse(readFileSync(join(toolsDir, 'package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] };

describe('the espfleet bin', () => {
  it('is a source file that exists before a build, executable, shipped with the package', () => {
    const bin = pkg.bin.espfleet;
    expect(bin.startsWith('dist/')).toBe(false);
    const path = join(toolsDir, bin);
    expect(existsSync(path)).toBe(true);
    expect(readFileSync(path, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(path).mode & 0o111).not.toBe(0);
    expect(pkg.files).toContain(bin.split('/')[0]);
  });

  it('runs the built CLI', () => {
    const r = spawnSync(join(toolsDir, pkg.bin.espfleet), ['--help'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Usage: espfleet <command>');
  });

  it('is linked where npx finds it', () => {
    const link = join(toolsDir, '..', 'node_modules', '.bin', 'espfleet');
    expect(existsSync(link), 'node_modules/.bin/espfleet: run npm ci').toBe(true);
    const r = spawnSync(link, ['--help', '--json'], { encoding: 'utf8', timeout: 30_000 });
    expect(JSON.parse(r.stdout).type).toBe('help');
  });
});
