// The server's logs: readable lines on a terminal, JSON in a file or when asked for.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, formatLogLine } from '@espfleet/host-server';
import { cli, serve, jsonLines } from './support.js';

/** A stream that keeps what is written, and says whether it is a terminal. */
function sink(isTTY: boolean): Writable & { isTTY: boolean; text(): string } {
  let text = '';
  const w = new Writable({
    write(chunk, _enc, done) {
      text += chunk;
      done();
    },
  });
  return Object.assign(w, { isTTY, text: () => text });
}

const READABLE = /^\d\d:\d\d:\d\d\.\d{3} (INFO |WARN |ERROR)/;

describe('log lines', () => {
  it('reads as text: time, level, message, fields, then an error\'s stack', () => {
    const line = formatLogLine({ level: 40, time: Date.UTC(2026, 0, 1, 12, 0, 1, 234), msg: 'charger silent', station: 1, why: 'no reading for 90 s', service: 'espfleet-host', pid: 1 });
    expect(line).toMatch(/^\d\d:\d\d:01\.234 WARN  charger silent {2}station=1 why="no reading for 90 s"\n$/);
    const withErr = formatLogLine({ level: 50, time: 0, msg: 'request failed', err: { message: 'boom', stack: 'Error: boom\n    at x' } });
    expect(withErr).toContain('ERROR request failed\n    Error: boom\n        at x\n');
  });

  it('are readable on a terminal and JSON elsewhere, unless a format is given', () => {
    const tty = sink(true);
    createLogger('info', { stream: tty }).info({ station: 3 }, 'hello');
    expect(tty.text()).toMatch(/INFO .*hello {2}station=3\n$/);
    const pipe = sink(false);
    createLogger('info', { stream: pipe }).info({ station: 3 }, 'hello');
    expect(JSON.parse(pipe.text())).toMatchObject({ level: 30, msg: 'hello', station: 3 });
    const forcedJson = sink(true);
    createLogger('info', { stream: forcedJson, format: 'json' }).info('hello');
    expect(JSON.parse(forcedJson.text()).msg).toBe('hello');
    const forcedPretty = sink(false);
    createLogger('info', { stream: forcedPretty, format: 'pretty' }).info('hello');
    expect(forcedPretty.text()).toMatch(READABLE);
  });
});

describe('espfleet serve logs', () => {
  it('--log-format pretty prints readable lines, no JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'espfleet-logs-'));
    const child = spawn(process.execPath, [cli, 'serve', '--open', '--port', '0', '--data-dir', dir, '--log-format', 'pretty']);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise((r) => child.on('exit', r));
    await expect.poll(() => out, { timeout: 15_000 }).toContain('espfleet host server at');
    child.kill('SIGINT');
    await exited;
    const logs = out.split('\n').filter((l) => READABLE.test(l));
    expect(logs.some((l) => l.includes('espfleet host server listening') && /url=http:\/\/127\.0\.0\.1:\d+/.test(l))).toBe(true);
    expect(out.split('\n').filter((l) => l.startsWith('{'))).toEqual([]);
  });

  it('--log-file writes JSON lines to the file and none to the console', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'espfleet-logs-'));
    const file = join(dir, 'logs', 'server.log');
    const s = await serve(['--open', '--data-dir', dir, '--log-file', file]);
    s.child.kill('SIGINT');
    await s.exited;
    const lines = jsonLines(readFileSync(file, 'utf8'));
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['espfleet host server listening', 'stopped']));
    expect(jsonLines(s.stdout()).filter((l) => 'msg' in l)).toEqual([]);
  });

  it('--log-format json prints JSON lines; a bad format is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'espfleet-logs-'));
    const s = await serve(['--open', '--data-dir', dir, '--log-format', 'json']);
    s.child.kill('SIGINT');
    await s.exited;
    expect(jsonLines(s.stdout()).find((l) => l.msg === 'espfleet host server listening')).toMatchObject({ level: 30 });
    const bad = spawn(process.execPath, [cli, 'serve', '--log-format', 'fancy']);
    let err = '';
    bad.stderr.on('data', (d) => (err += d));
    const code = await new Promise((r) => bad.on('exit', r));
    expect(code).toBe(2);
    expect(err).toContain('logFormat must be one of auto, pretty, json');
  });
});
