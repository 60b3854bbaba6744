// Helpers for the signaling suites: accounts made over REST, signaling sockets that collect what
// arrives, Redis for a test (a logical database of its own on the machine's Redis, or a
// redis-server of its own), and server instances in child processes that a test can kill.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect as tcpConnect, createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { Client, rest, wsUrl } from '../support.js';

const here = dirname(fileURLToPath(import.meta.url));
let seq = 0;
/** An email no other test run uses (Redis pub/sub is shared by every logical database). */
export const uniqueEmail = (name: string) => `${name}.${process.pid}.${Date.now().toString(36)}.${seq++}@example.com`;

export async function account(s: { url: string }, email = uniqueEmail('user'), password = 'correct horse'): Promise<{ email: string; token: string; password: string }> {
  const r = await rest(s, 'POST', '/api/v1/auth/register', { email, password });
  if (r.status !== 201) throw new Error(`register ${email}: ${r.status} ${JSON.stringify(r.body)}`);
  const l = await rest(s, 'POST', '/api/v1/auth/login', { email, password });
  if (l.status !== 200) throw new Error(`login ${email}: ${l.status} ${JSON.stringify(l.body)}`);
  return { email, token: l.body.token, password };
}

/** b accepts a's request: an accepted UserConnection. */
export async function connect(s: { url: string }, a: { token: string }, b: { email: string; token: string }, aEmail: string): Promise<void> {
  const req = await rest(s, 'POST', '/api/v1/connections', { email: b.email }, a.token);
  if (req.status !== 201) throw new Error(`request: ${req.status} ${JSON.stringify(req.body)}`);
  const ok = await rest(s, 'POST', `/api/v1/connections/${req.body.id}/accept`, undefined, b.token);
  if (ok.status !== 200 || ok.body.email !== aEmail) throw new Error(`accept: ${ok.status} ${JSON.stringify(ok.body)}`);
}

export class Sig extends Client {
  constructor(s: { url: string }, readonly email = '', readonly device = '') {
    super(wsUrl(s, '/socket/'));
  }

  event(e: string, ms?: number): Promise<any> {
    return this.next((m) => m && m.event === e, ms);
  }

  msg(event: string, o: Record<string, unknown> = {}): void {
    this.send({ from_email: this.email, from_token: '', from_device: this.device, to_email: '', to_device: '', event, payload: {}, ...o });
  }

  /** Everything received so far, taken. */
  drain(): any[] {
    return this.received.splice(0);
  }
}

/** A registered device. */
export async function device(s: { url: string }, a: { email: string; token: string }, deviceId: string, payload: Record<string, unknown> = {}): Promise<Sig & { socketId: string }> {
  const c = new Sig(s, a.email, deviceId);
  await c.opened();
  c.send({ from_email: a.email, from_token: a.token, from_device: deviceId, to_email: '', to_device: '', event: 'register', payload });
  const r = await c.event('register', 8000);
  if (r.status !== 'ok') throw new Error(`register ${deviceId}: ${JSON.stringify(r)}`);
  return Object.assign(c, { socketId: r.socket_id as string });
}

export const REDIS_HOST = process.env.ESPFLEET_TEST_REDIS ?? 'redis://127.0.0.1:6379';
export const CI = process.env.CI === 'true';

export async function redisReachable(url = REDIS_HOST): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

const LOCK = 'espfleet:test:db-owner';

/**
 * A logical database of the machine's Redis for this test alone (keys keep the spec's names, so
 * runs are kept apart by database, not by prefix): the first of 1..15 whose lock is free, emptied.
 */
export async function claimRedisDb(): Promise<{ url: string; release(): Promise<void> }> {
  const owner = `${process.pid}-${Date.now()}-${seq++}`;
  for (let db = 1; db <= 15; db++) {
    const r = new Redis(`${REDIS_HOST}/${db}`, { maxRetriesPerRequest: 0 });
    try {
      if ((await r.set(LOCK, owner, 'PX', 600_000, 'NX')) === 'OK') {
        for (const k of await r.keys('socket:*')) await r.del(k);
        return {
          url: `${REDIS_HOST}/${db}`,
          async release() {
            const c = new Redis(`${REDIS_HOST}/${db}`, { maxRetriesPerRequest: 0 });
            for (const k of await c.keys('socket:*')) await c.del(k);
            if ((await c.get(LOCK)) === owner) await c.del(LOCK);
            c.disconnect();
          },
        };
      }
    } finally {
      r.disconnect();
    }
  }
  throw new Error('no free Redis logical database (1..15) for this test');
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
    srv.on('error', fail);
  });
}

/** A redis-server of the test's own, on a free port, to kill and bring back. */
export class OwnRedis {
  private p?: ChildProcess;
  constructor(readonly port: number) {}

  static async start(): Promise<OwnRedis> {
    const r = new OwnRedis(await freePort());
    await r.up();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    this.p = spawn('/usr/bin/redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const end = Date.now() + 5000;
    while (!(await redisReachable(this.url))) {
      if (Date.now() > end) throw new Error(`redis-server on ${this.port} did not start`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGKILL: no goodbye to the clients. */
  async kill(): Promise<void> {
    const p = this.p;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }
}

/**
 * A TCP door to a Redis on `target`, listening on a port of its own only once opened: an instance
 * pointed at it reaches Redis exactly when the test decides, whatever its reconnect timing.
 */
export class RedisDoor {
  private srv?: Server;
  private readonly sockets = new Set<Socket>();
  constructor(readonly port: number, readonly target: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  open(): Promise<void> {
    const srv = (this.srv = createServer((c) => {
      const r = tcpConnect(this.target, '127.0.0.1');
      for (const s of [c, r]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      c.pipe(r).pipe(c);
      c.on('close', () => r.destroy());
      r.on('close', () => c.destroy());
    }));
    return new Promise((ok, fail) => {
      srv.once('error', fail);
      srv.listen(this.port, '127.0.0.1', () => ok());
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((ok) => (this.srv ? this.srv.close(ok) : ok(undefined)));
  }
}

/** A host server in a child process (a real instance to SIGKILL), with the given settings. */
export async function spawnInstance(config: Record<string, unknown>): Promise<{ url: string; kill(): Promise<void>; stop(): Promise<void> }> {
  // tsx as a loader in this one process (its CLI would run the server in a child of its own, which a kill would orphan).
  const loader = pathToFileURL(join(here, '..', '..', '..', 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const p = spawn(process.execPath, ['--import', loader, join(here, 'fixtures', 'instance.ts')], { env: { ...process.env, ESPFLEET_INSTANCE: JSON.stringify(config) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout!.on('data', (d) => (out += d));
  p.stderr!.on('data', (d) => (out += d));
  const end = Date.now() + 20_000;
  let url: string | undefined;
  while (!(url = /^listening (\S+)$/m.exec(out)?.[1])) {
    if (p.exitCode !== null || Date.now() > end) throw new Error(`instance did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const exited = new Promise((r) => p.once('exit', r));
  return {
    url,
    async kill() {
      if (p.exitCode === null) p.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (p.exitCode === null) p.kill('SIGTERM');
      await exited;
    },
  };
}
