// Runs the `espruino` CLI as a child process and reads its output line by line.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { UploadLog, type UploadEvent, type Verdict } from './uploadLog.js';

const cliPath = createRequire(import.meta.url).resolve('espruino/bin/espruino-cli.js');

export interface RunResult {
  verdict: Verdict | { ok: false; kind: 'timeout'; message: string };
  log: UploadLog;
}

/** Runs the CLI with `args` in `cwd`; `where` names the target in messages. */
export function runEspruino(args: string[], o: { cwd: string; where: string; timeoutMs: number; onEvent(e: UploadEvent): void }): Promise<RunResult> {
  const log = new UploadLog(o.where);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: o.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutMs);
    const reader = () => {
      let buf = '';
      return (d: Buffer) => {
        buf += d.toString('latin1');
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const l of lines) {
          const e = log.feed(l.replace(/\r$/, ''));
          if (e?.type === 'no-prompt') child.kill('SIGKILL');
          else if (e) o.onEvent(e);
        }
      };
    };
    child.stdout.on('data', reader());
    child.stderr.on('data', reader());
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', () => {
      clearTimeout(timer);
      if (timedOut) resolve({ log, verdict: { ok: false, kind: 'timeout', message: `no end to the upload to ${o.where} within ${o.timeoutMs / 1000} s (${log.sent} bytes sent)` } });
      else resolve({ log, verdict: log.verdict() });
    });
  });
}
