// An emergency is never stuck behind a backlog (issue 7 §4): a charger replays 20,000 readings
// back to back and then presses the emergency button.
import { describe, it, expect, afterEach, afterAll } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import WebSocket from 'ws';
import { start, wsUrl, seedStation, postgresReachable, pgSchemaUrl, dropTestSchemas } from '../support.js';
import type { ServerConfig } from '../../src/config.js';

const pgUp = await postgresReachable();
if (!pgUp && process.env.CI === 'true') throw new Error('PostgreSQL at 127.0.0.1:5432 is not reachable: the server suites must run against it in CI');
const backends = pgUp ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);
afterAll(async () => {
  if (pgUp) await dropTestSchemas();
});

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapAfterGc = async () => {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
};

/** A raw client that keeps counts, not messages, so that it does not weigh on the heap measured. */
function raw(url: string) {
  const ws = new WebSocket(url);
  const c = { ws, metrics: 0, emergencyAt: 0, metricsBeforeEmergency: 0, ended: undefined as any };
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.type === 'metrics') c.metrics++;
    else if (m.type === 'emergency') {
      c.emergencyAt = epochNow();
      c.metricsBeforeEmergency = c.metrics;
    }
    else if (m.type === 'session_ended') c.ended = m;
  });
  return c;
}

/**
 * The charger in a worker thread, as a real charger is another machine: its sending does not
 * share the server's event loop. It sends `count` readings back to back, then an emergency,
 * and reports when (epoch ms) the emergency left and which errors came back.
 */
const CHARGER = `
const { parentPort, workerData: o } = require('node:worker_threads');
const WebSocket = require('ws');
const ws = new WebSocket(o.url);
const errors = {};
ws.on('message', (d) => {
  const m = JSON.parse(d.toString());
  if (m.type === 'start') parentPort.postMessage({ ready: true });
  if (m.type === 'error') errors[m.code] = (errors[m.code] || 0) + 1;
});
parentPort.on('message', (cmd) => {
  if (cmd === 'errors') return parentPort.postMessage({ errors, open: ws.readyState === WebSocket.OPEN });
  const floodAt = performance.timeOrigin + performance.now();
  for (let i = 0; i < o.count; i++) ws.send(JSON.stringify({ type: 'metrics', session_id: o.sid, v: 230, a: 16, w: 3680, ts: o.t0 + 1 + i }));
  const sentAt = performance.timeOrigin + performance.now();
  ws.send(JSON.stringify({ type: 'emergency', session_id: o.sid }));
  parentPort.postMessage({ floodAt, sentAt });
});
`;

function charger(o: { url: string; sid: number; t0: number; count: number }) {
  const w = new Worker(CHARGER, { eval: true, workerData: o });
  const next = () => new Promise<any>((r) => w.once('message', r));
  return {
    ready: next(),
    async flood(): Promise<{ floodAt: number; sentAt: number }> {
      const sent = next();
      w.postMessage('go');
      return sent;
    },
    async errors(): Promise<{ errors: Record<string, number>; open: boolean }> {
      const r = next();
      w.postMessage('errors');
      return r;
    },
    close: async () => void (await w.terminate()),
  };
}

const epochNow = () => performance.timeOrigin + performance.now();

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const N = 20_000;

describe.each(backends)('a backlog on %s', (backend) => {
  const open: Array<{ close(): void | Promise<void> }> = [];
  afterEach(async () => {
    for (const x of open.splice(0).reverse()) await x.close();
  });

  /** A server whose station 1 has a session open for N + 1000 s, and its charger (sending `count` readings) and dashboard. */
  async function setup(count: number, o: Partial<ServerConfig> = {}) {
    const s = await start(backend === 'postgres' ? { databaseUrl: pgSchemaUrl(), ...o } : o);
    open.push(s);
    const { user } = await seedStation(s, { tariff: 7 });
    const t0 = Math.floor(Date.now() / 1000) - N - 1000;
    const row = await s.store.createSession({ stationId: 1, userId: user.id, cardUid: 'VIRTUAL-1-A4F2E8', startedAt: t0 * 1000 });
    const dash = raw(wsUrl(s, '/ws?role=client&estacionId=1'));
    const esp = charger({ url: wsUrl(s, '/ws?role=publisher&estacionId=1'), sid: row.id, t0, count });
    open.push({ close: () => dash.ws.terminate() }, esp);
    await esp.ready;
    await until(() => dash.ws.readyState === WebSocket.OPEN, 5000, 'the dashboard');
    return { s, dash, esp, sid: row.id, t0 };
  }

  it(`20,000 readings then emergency: the alert within 100 ms, every reading stored and billed, memory back`, async () => {
    const { s, dash, esp, sid, t0 } = await setup(N);
    const before = await heapAfterGc();
    const { floodAt, sentAt } = await esp.flood();
    await until(() => dash.emergencyAt > 0, 5000, 'the emergency alert');
    const latency = dash.emergencyAt - sentAt;
    await until(async () => (await s.store.metricsAround(sid, Number.MAX_SAFE_INTEGER)).atOrBefore?.ts === t0 + N, 120_000, 'every reading stored');
    const processed = N / ((epochNow() - floodAt) / 1000);
    const after = await heapAfterGc();
    console.log(
      `${backend}: ${N} readings sent in ${(sentAt - floodAt).toFixed(0)} ms; emergency on the dashboard ${latency.toFixed(1)} ms after it was sent, ` +
        `ahead of ${N - dash.metricsBeforeEmergency} waiting readings; ` +
        `${processed.toFixed(0)} readings/s stored; heap ${((after - before) / 2 ** 20).toFixed(1)} MB above its level before the flood`,
    );
    expect(latency).toBeLessThan(100);
    // It overtook the backlog: most readings were still waiting when the alert went out.
    expect(dash.metricsBeforeEmergency).toBeLessThan(N / 2);
    await until(() => dash.ended !== undefined, 10_000, 'session_ended');
    // The bill the dashboard is shown counts the readings the emergency overtook.
    expect(dash.ended).toMatchObject({ session_id: sid, kwh: Math.round((3680 * (N - 1)) / 3600) / 1000 });
    const session = await s.store.getSession(sid);
    expect(session).toMatchObject({ endReason: 'emergency' });
    expect((await s.store.listMetrics(sid)).length).toBe(N);
    // Readings that the emergency overtook are billed to the session it closed.
    expect(session!.kwh).toBeCloseTo((3680 * (N - 1)) / 3600 / 1000, 6);
    expect((await esp.errors()).errors).toEqual({});
    expect(after - before).toBeLessThan(8 * 2 ** 20);
  });

  it('beyond the queue bound readings get QUEUE_FULL, are counted and dropped; the connection stays and an emergency still arrives', async () => {
    const { s, dash, esp, sid } = await setup(3000, { chargerQueueLimit: 100 });
    await esp.flood();
    await until(() => dash.emergencyAt > 0, 5000, 'the emergency alert');
    let answered = await esp.errors();
    await until(async () => ((answered = await esp.errors()).errors.QUEUE_FULL ?? 0) + (await s.store.listMetrics(sid)).length === 3000, 30_000, 'every reading stored or refused');
    const dropped = answered.errors.QUEUE_FULL;
    expect(dropped).toBeGreaterThan(0);
    expect(answered.open).toBe(true);
    await until(async () => (await (await fetch(`${s.url}/metrics`)).text()).includes(`espfleet_charger_messages_dropped_total{reason="queue_full"} ${dropped}`), 5000, 'the drop counter');
  });
});
