// `espfleet demo --json` as a person runs it, as a real process: its JSON documents read as they
// come, commands typed on its stdin, Ctrl-C (SIGINT) to stop it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { cli } from './support.js';

export type Doc = Record<string, any>;

export function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => ok(port));
    });
  });
}

export class DemoProcess {
  readonly docs: Doc[] = [];
  private out = '';
  private err = '';
  private cursor = 0;
  readonly closed: Promise<number | null>;

  private constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => {
      this.out += d.toString();
      const lines = this.out.split('\n');
      this.out = lines.pop()!;
      for (const l of lines) if (l.startsWith('{')) this.docs.push(JSON.parse(l) as Doc);
    });
    child.stderr!.on('data', (d: Buffer) => (this.err += d.toString()));
    this.closed = new Promise((ok) => child.on('close', ok));
  }

  static start(args: string[], env: NodeJS.ProcessEnv = {}): DemoProcess {
    return new DemoProcess(spawn(process.execPath, [cli, 'demo', '--json', ...args], { env: { ...process.env, ...env } }));
  }

  get stderr(): string {
    return this.err;
  }

  /** The next document (after those already taken) of `type` that matches. */
  async next(type: string, match: (d: Doc) => boolean = () => true, timeoutMs = 30_000): Promise<Doc> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      for (let i = this.cursor; i < this.docs.length; i++) {
        if (this.docs[i].type === type && match(this.docs[i])) {
          this.cursor = i + 1;
          return this.docs[i];
        }
      }
      if (this.child.exitCode !== null) throw new Error(`demo exited (${this.child.exitCode}) before a "${type}" document; stderr: ${this.err}`);
      if (Date.now() > end) throw new Error(`no "${type}" document within ${timeoutMs} ms; got ${JSON.stringify(this.docs.map((d) => d.type))}; stderr: ${this.err}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Types a command on the demo's console. */
  type(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /** The simulated devices' state, from the console's `status`. */
  async status(): Promise<Doc> {
    this.type('status');
    return this.next('state');
  }

  /** Ctrl-C; resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGINT');
    return this.closed;
  }
}
