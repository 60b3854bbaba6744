// Test helpers: the built CLI run as a person runs it, as a real process.
import { spawn, type ChildProcess } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const toolsDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const cli = join(toolsDir, 'dist', 'cli.js');

export interface Served {
  child: ChildProcess;
  url: string;
  /** Everything written to stdout and stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves, once its output is read, with the exit code and the time it exited (performance.now()). */
  exited: Promise<{ code: number | null; at: number }>;
}

/** `espfleet serve --json --port 0 …`, resolved once it listens. */
export async function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const child = spawn(process.execPath, [cli, 'serve', '--json', '--port', '0', ...args], { env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  // The time is the process's exit; the promise waits for 'close', when all its output is read.
  let at = 0;
  child.on('exit', () => (at = performance.now()));
  const exited = new Promise<{ code: number | null; at: number }>((ok) => child.on('close', (code) => ok({ code, at })));
  const url = await new Promise<string>((ok, fail) => {
    const t = setInterval(() => {
      for (const l of out.split('\n')) {
        if (!l.startsWith('{')) continue;
        const m = JSON.parse(l) as { type?: string; url?: string };
        if (m.type === 'listening') {
          clearInterval(t);
          ok(m.url!);
        }
      }
    }, 20);
    void exited.then(() => (clearInterval(t), fail(new Error(`serve exited: ${out}${err}`))));
  });
  return { child, url, stdout: () => out, stderr: () => err, exited };
}

/** The JSON lines of a process's output (log lines and --json documents alike). */
export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
