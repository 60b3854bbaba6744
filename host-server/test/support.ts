// Test helpers: a real server on a free loopback port, REST calls, and WebSocket clients
// that collect what arrives so tests can wait for a message.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startServer, type EspfleetServer } from '../src/server.js';
import type { ServerConfig } from '../src/config.js';

export async function start(o: Partial<ServerConfig> = {}): Promise<EspfleetServer & { dir: string }> {
  const dir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'espfleet-host-'));
  const s = await startServer({ port: 0, open: true, dataDir: dir, logLevel: 'silent', ...o });
  const closeServer = s.close.bind(s);
  return Object.assign(s, {
    dir,
    close: async () => {
      await closeServer();
      if (!o.dataDir) rmSync(dir, { recursive: true, force: true });
    },
  });
}

export async function rest(s: { url: string }, method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
  const r = await fetch(s.url + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

export class Client {
  readonly ws: WebSocket;
  readonly received: any[] = [];
  closed?: { code: number; reason: string };
  private waiters: Array<() => void> = [];

  constructor(url: string, opts?: WebSocket.ClientOptions) {
    this.ws = new WebSocket(url, opts);
    this.ws.on('message', (d) => {
      const t = d.toString();
      let v: unknown;
      try {
        v = JSON.parse(t);
      } catch {
        v = t;
      }
      this.received.push(v);
      this.wake();
    });
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
    this.ws.on('error', () => this.wake());
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  opened(): Promise<void> {
    return new Promise((ok, fail) => {
      if (this.ws.readyState === WebSocket.OPEN) return ok();
      this.ws.once('open', () => ok());
      this.ws.once('error', fail);
    });
  }

  send(m: unknown): void {
    this.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  }

  /** The first message (from the start) matching `pred`, waiting up to `ms`. */
  async next(pred: (m: any) => boolean, ms = 3000): Promise<any> {
    const end = Date.now() + ms;
    for (;;) {
      const found = this.received.find(pred);
      if (found !== undefined) {
        this.received.splice(this.received.indexOf(found), 1);
        return found;
      }
      if (Date.now() > end) throw new Error(`no matching message in ${ms} ms; got ${JSON.stringify(this.received).slice(0, 500)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  type(t: string, ms?: number): Promise<any> {
    return this.next((m) => m && m.type === t, ms);
  }

  async closedWith(ms = 3000): Promise<{ code: number; reason: string }> {
    const end = Date.now() + ms;
    while (!this.closed) {
      if (Date.now() > end) throw new Error('still open');
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.closed;
  }

  close(): void {
    this.ws.close();
  }
}

export function wsUrl(s: { url: string }, path: string): string {
  return s.url.replace(/^http/, 'ws') + path;
}

/** A station with a registered card, as the seed's NFC flow needs. */
export async function seedStation(s: { url: string }, o: { id?: number; tariff?: number; uid?: string; blocked?: boolean } = {}) {
  const station = (await rest(s, 'POST', '/api/v1/stations', { id: o.id ?? 1, name: `Estación ${o.id ?? 1}`, tariff: o.tariff ?? 7 })).body;
  const user = (await rest(s, 'POST', '/api/v1/users', { name: 'Juan Pérez', blocked: o.blocked ?? false })).body;
  await rest(s, 'POST', '/api/v1/cards', { uid: o.uid ?? 'VIRTUAL-1-A4F2E8', userId: user.id });
  return { station, user };
}

/**
 * The databases the server suites run against: SQLite always, PostgreSQL at 127.0.0.1:5432
 * (database test) in a throw-away schema per server. Without PostgreSQL the postgres runs
 * are skipped, except in CI, where they fail.
 */
export const PG_URL = process.env.ESPFLEET_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function postgresReachable(): Promise<boolean> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

let schemaSeq = 0;
/** A fresh PostgreSQL schema URL for one server (reuse it to restart the same server). */
export function pgSchemaUrl(): string {
  return `${PG_URL}?schema=espfleet_srv_${process.pid}_${Date.now().toString(36)}_${schemaSeq++}`;
}

export async function dropTestSchemas(): Promise<void> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  const r = await c.query(`select schema_name from information_schema.schemata where schema_name like $1`, [`espfleet_srv_${process.pid}_%`]);
  for (const row of r.rows) await c.query(`drop schema if exists "${row.schema_name}" cascade`);
  await c.end();
}
