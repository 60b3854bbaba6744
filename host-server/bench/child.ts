// A server of the benches in a child process (bench/servers.ts), asked for its memory and CPU over stdin.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export interface Child {
  port: number;
  child: ChildProcess;
  mem(): Promise<{ rss: number; heap: number }>;
  /** User + system CPU time of the process so far, ms. */
  cpu(): Promise<number>;
  stop(): Promise<void>;
}

export async function serverChild(...args: string[]): Promise<Child> {
  // BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the servers.
  const extra = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, ['--expose-gc', ...extra, '--import', 'tsx', join(here, 'servers.ts'), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const queue: Array<(l: string) => void> = [];
  lines.on('line', (l) => queue.shift()?.(l));
  const exited = new Promise((r) => child.once('exit', r));
  const next = () =>
    new Promise<string>((ok, fail) => {
      queue.push(ok);
      void exited.then(() => fail(new Error(`bench server ${args.join(' ')} exited`)));
    });
  const ready = JSON.parse(await next());
  return {
    port: ready.port,
    child,
    mem: async () => {
      child.stdin!.write('mem\n');
      return JSON.parse(await next());
    },
    cpu: async () => {
      child.stdin!.write('cpu\n');
      return (JSON.parse(await next()) as { cpuMs: number }).cpuMs;
    },
    stop: async () => {
      child.kill();
      await exited;
    },
  };
}
