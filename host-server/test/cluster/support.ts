// Helpers for the cluster suites: Redis and PostgreSQL for a test (failing, not skipping, in CI
// when either is missing), in-process instances sharing them, and a charger's readings.
import { Redis } from 'ioredis';
import { start, pgSchemaUrl, postgresReachable, Client, wsUrl } from '../support.js';
import { claimRedisDb, redisReachable, CI } from '../signaling/support.js';
import type { ServerConfig } from '../../src/config.js';

export const services = async (): Promise<boolean> => {
  const up = (await postgresReachable()) && (await redisReachable());
  if (!up && CI) throw new Error('the cluster suites need PostgreSQL at 127.0.0.1:5432 and Redis at 127.0.0.1:6379 in CI');
  return up;
};

/** A logical database of the machine's Redis for this test, emptied of the cluster's keys before and after. */
export async function clusterRedis(): Promise<{ url: string; release(): Promise<void> }> {
  const db = await claimRedisDb();
  const clean = async () => {
    const r = new Redis(db.url, { maxRetriesPerRequest: 0 });
    for (const k of await r.keys('espfleet:station:*')) await r.del(k);
    r.disconnect();
  };
  await clean();
  return { url: db.url, release: async () => (await clean(), await db.release()) };
}

export type Instance = Awaited<ReturnType<typeof start>>;

/** Instances sharing one PostgreSQL schema and Redis, started one after another (the migrations run once). */
export async function instances(n: number, redisUrl: string, o: Partial<ServerConfig> = {}): Promise<Instance[]> {
  const databaseUrl = pgSchemaUrl();
  const out: Instance[] = [];
  for (let i = 0; i < n; i++) out.push(await start({ databaseUrl, redisUrl, clusterLeaseTtlMs: 1500, ...o }));
  return out;
}

export const nowS = () => Math.floor(Date.now() / 1000);

/** A reading of constant power: consecutive seconds bill 3600 W × 1 s = 1 Wh each. */
export const reading = (sessionId: number, ts: number) => ({ type: 'metrics', session_id: sessionId, v: 230, a: 5.3, w: 3600, ts });

export async function publisher(s: { url: string }, station: number, clients: Client[]): Promise<Client> {
  const c = new Client(wsUrl(s, `/ws?role=publisher&estacionId=${station}`));
  clients.push(c);
  await c.opened();
  return c;
}

export async function dashboard(s: { url: string }, station: number, clients: Client[]): Promise<Client> {
  const c = new Client(wsUrl(s, `/ws?role=client&estacionId=${station}`));
  clients.push(c);
  await c.opened();
  await c.type('init', 5000);
  return c;
}

/** Polls until `check` holds, up to `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
