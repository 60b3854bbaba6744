// The gateway with a redis-server of the test's own, killed and brought back, and with a Redis
// that is not there at all: local clients keep getting their device's events, nothing is left
// as an unhandled rejection, the outage is counted in /metrics and logged once, and events cross
// instances again (for namespaces watched before and during the outage) when Redis returns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { io, type Socket } from 'socket.io-client';
import { startServer } from '../../src/server.js';
import { Client, wsUrl } from '../support.js';
import { freePort, OwnRedis } from '../signaling/support.js';
import { deviceWithKey, type Server } from './support.js';

const rejections: unknown[] = [];
const recordRejection = (reason: unknown) => rejections.push(reason);
const closers: Array<() => unknown> = [];
beforeAll(() => void process.on('unhandledRejection', recordRejection));
afterAll(async () => {
  for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => {});
  process.off('unhandledRejection', recordRejection);
}, 30_000);

/** A server on `dataDir` whose log lines are kept, to count the gateway's Redis warnings. */
async function server(redisUrl: string, dataDir: string): Promise<Server & { logs: Array<{ msg: string }> }> {
  const logs: Array<{ msg: string }> = [];
  const sink = new Writable({
    write(line, _enc, done) {
      logs.push(JSON.parse(String(line)));
      done();
    },
  });
  const s = await startServer({ port: 0, open: true, dataDir, redisUrl }, pino({ level: 'info' }, sink));
  closers.push(() => s.close());
  return Object.assign(s, { dir: dataDir, logs });
}

const metric = async (s: { url: string }, name: string) =>
  [...(await (await fetch(`${s.url}/metrics`)).text()).matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);

async function until(f: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A gateway client of the device's namespace, recording the events it gets. */
async function watcher(s: Server, deviceId: number, apiKey: string): Promise<{ socket: Socket; got: string[] }> {
  const socket = io(`${s.url}/device/${deviceId}`, { path: '/ws', query: { apiKey }, reconnection: false, forceNew: true, transports: ['websocket'] });
  closers.push(() => socket.close());
  const got: string[] = [];
  socket.onAny((event: string) => got.push(event));
  await new Promise<void>((ok, fail) => {
    socket.on('connect', ok);
    socket.on('connect_error', fail);
  });
  return { socket, got };
}

/** Brings a station's charger up on `s` and waits for its welcome. */
async function charger(s: Server, d: Awaited<ReturnType<typeof deviceWithKey>>): Promise<Client> {
  const c = new Client(wsUrl(s, `/ws?role=publisher&estacionId=${d.stationId}&token=${d.publisher}`));
  closers.push(() => c.close());
  await c.type('connected');
  return c;
}

const outageWarnings = (s: { logs: Array<{ msg: string }> }) => s.logs.filter((l) => l.msg.startsWith('gateway: Redis unavailable')).length;

describe('device gateway when Redis goes away', () => {
  it('serves local clients while Redis is killed, and carries events across instances again when it is back', async () => {
    const redis = await OwnRedis.start();
    closers.push(() => redis.kill());
    const dataDir = mkdtempSync(join(tmpdir(), 'espfleet-gateway-redis-'));
    closers.push(() => rmSync(dataDir, { recursive: true, force: true }));
    // Two instances on one SQLite file (WAL) and one Redis.
    const i1 = await server(redis.url, dataDir);
    const i2 = await server(redis.url, dataDir);
    await until(async () => (await metric(i1, 'espfleet_gateway_redis_up')) === 1 && (await metric(i2, 'espfleet_gateway_redis_up')) === 1, 5000, 'Redis up');
    const d1 = await deviceWithKey(i1, 1);
    const d2 = await deviceWithKey(i1, 2);
    const local = await watcher(i1, d1.deviceId, d1.apiKey);
    const remote = await watcher(i2, d1.deviceId, d1.apiKey);
    const c1 = await charger(i1, d1);
    await until(() => local.got.includes('ready') && remote.got.includes('ready'), 5000, "the charger's ready on both instances");

    await redis.kill();
    await until(async () => (await metric(i1, 'espfleet_gateway_redis_up')) === 0, 5000, 'Redis seen gone');
    // Long enough for ioredis to give up on commands it had retried (its MaxRetriesPerRequestError).
    await new Promise((r) => setTimeout(r, 1500));
    c1.close();
    await until(() => local.got.includes('disconnected'), 5000, "the local client's disconnected event");
    // A namespace first watched during the outage: its subscription waits for Redis.
    const remote2 = await watcher(i2, d2.deviceId, d2.apiKey);
    await new Promise((r) => setTimeout(r, 500));
    expect(remote.got).not.toContain('disconnected');
    expect(rejections).toEqual([]);
    expect(await metric(i1, 'espfleet_gateway_redis_errors_total')).toBeGreaterThan(0);
    expect(await metric(i1, 'espfleet_gateway_redis_lost_total')).toBe(1);
    expect(outageWarnings(i1)).toBe(1);
    expect((await fetch(`${i1.url}/healthz`)).status).toBe(200);

    await redis.up();
    await until(async () => (await metric(i1, 'espfleet_gateway_redis_up')) === 1 && (await metric(i2, 'espfleet_gateway_redis_up')) === 1, 5000, 'Redis back');
    const before = remote.got.length;
    await charger(i1, d1);
    await until(() => remote.got.slice(before).includes('ready'), 5000, "the charger's ready across instances again");
    await charger(i1, d2);
    await until(() => remote2.got.includes('ready'), 5000, 'the ready of a namespace watched during the outage');
    expect(rejections).toEqual([]);
    expect(outageWarnings(i1)).toBe(1);
    expect(i1.logs.filter((l) => l.msg.startsWith('gateway: Redis back')).length).toBe(1);
  }, 40_000);

  it('serves local clients when Redis is not there at all', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'espfleet-gateway-noredis-'));
    closers.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const s = await server(`redis://127.0.0.1:${await freePort()}`, dataDir);
    const d = await deviceWithKey(s, 1);
    const w = await watcher(s, d.deviceId, d.apiKey);
    await charger(s, d);
    await until(() => w.got.includes('ready'), 5000, "the charger's ready");
    await new Promise((r) => setTimeout(r, 1500));
    expect(rejections).toEqual([]);
    expect(await metric(s, 'espfleet_gateway_redis_up')).toBe(0);
    expect(await metric(s, 'espfleet_gateway_redis_errors_total')).toBeGreaterThan(0);
    expect(outageWarnings(s)).toBe(1);
  }, 20_000);
});
