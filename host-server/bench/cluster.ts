// npm run bench:cluster -w @espfleet/host-server
// Charger → dashboard across two instances: chargers on instance A, their dashboards on
// instance B, both on one PostgreSQL (a throw-away schema per run) and one Redis (a logical
// database of the bench's own). Offered load BENCH_CLUSTER_RATE metrics/s (10,000) from
// BENCH_CLUSTER_STATIONS chargers (1,000) for BENCH_CLUSTER_SECONDS (5); latency is from the
// charger's send to the dashboard's receipt; every metric must be stored (counted in
// PostgreSQL) and delivered, or the bench fails. Next to it, in the same run, the same load on
// one instance on PostgreSQL without Redis (chargers and dashboards on it), which separates
// what crossing instances costs from what storing costs. 3 runs each, alternating: median
// (range). Loads are bounded.
import { spawn, execSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import pg from 'pg';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { pct, median, until } from './stats.js';
import { writeSection } from './resultsSection.js';

const here = dirname(fileURLToPath(import.meta.url));
const PG = process.env.ESPFLEET_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = process.env.ESPFLEET_BENCH_REDIS ?? 'redis://127.0.0.1:6379';
const RATE = Number(process.env.BENCH_CLUSTER_RATE ?? 10_000);
const STATIONS = Number(process.env.BENCH_CLUSTER_STATIONS ?? 1000);
const SECONDS = Number(process.env.BENCH_CLUSTER_SECONDS ?? 5);
const RUNS = Number(process.env.BENCH_CLUSTER_RUNS ?? 3);
// Each charger's reading number rides in `v` (≤ 260 V) and advances its ts by a second (≤ 300 s ahead).
if (!((RATE / STATIONS) * SECONDS <= 250)) throw new Error('BENCH_CLUSTER_RATE / BENCH_CLUSTER_STATIONS × BENCH_CLUSTER_SECONDS must be at most 250');

interface Instance {
  port: number;
  cpu(): Promise<number>;
  stop(): Promise<void>;
}

async function instance(databaseUrl: string, redisUrl: string, seed: number): Promise<Instance> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(here, 'clusterServer.ts'), databaseUrl, redisUrl, String(seed)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const queue: Array<(l: string) => void> = [];
  // Only the instance's answers: its log (warnings, errors) goes on to this process's stderr.
  lines.on('line', (l) => (/^\{"(port|cpuMs)"/.test(l) ? queue.shift()?.(l) : process.stderr.write(l + '\n')));
  const next = () => new Promise<string>((r) => queue.push(r));
  const { port } = JSON.parse(await next());
  const exited = new Promise((r) => child.once('exit', r));
  return {
    port,
    cpu: async () => {
      child.stdin!.write('cpu\n');
      return (JSON.parse(await next()) as { cpuMs: number }).cpuMs;
    },
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A logical database of Redis no one else holds (the test suites' lock), emptied. */
async function redisDb(): Promise<{ url: string; release(): Promise<void> }> {
  const owner = `bench-${process.pid}-${Date.now()}`;
  for (let db = 15; db >= 1; db--) {
    const r = new Redis(`${REDIS}/${db}`, { maxRetriesPerRequest: 0 });
    try {
      if ((await r.set('espfleet:test:db-owner', owner, 'PX', 600_000, 'NX')) !== 'OK') continue;
      for (const k of await r.keys('espfleet:station:*')) await r.del(k);
      return {
        url: `${REDIS}/${db}`,
        release: async () => {
          for (const k of await r.keys('espfleet:station:*')) await r.del(k);
          if ((await r.get('espfleet:test:db-owner')) === owner) await r.del('espfleet:test:db-owner');
          r.disconnect();
        },
      };
    } catch (e) {
      r.disconnect();
      throw e;
    }
  }
  throw new Error('no free Redis logical database');
}

function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  return new Promise((ok, fail) => (ws.once('open', () => ok(ws)), ws.once('error', fail)));
}

type Layout = 'two instances' | 'one instance';

async function run(i: number, layout: Layout) {
  const schema = `espfleet_bench_${process.pid}_${i}_${layout === 'one instance' ? 1 : 2}`;
  const databaseUrl = `${PG}?schema=${schema}`;
  const redis = await redisDb();
  const db = new pg.Client({ connectionString: PG });
  await db.connect();
  const a = await instance(databaseUrl, layout === 'one instance' ? '' : redis.url, STATIONS);
  const b = layout === 'one instance' ? a : await instance(databaseUrl, redis.url, 0);
  const sentAt = new Map<string, number>();
  const lat: number[] = [];
  let delivered = 0;
  const dashboards: WebSocket[] = [];
  for (let s = 1; s <= STATIONS; s += 100) {
    const batch = [];
    for (let k = s; k < Math.min(s + 100, STATIONS + 1); k++) batch.push(open(`ws://127.0.0.1:${b.port}/ws?role=client&estacionId=${k}`));
    for (const ws of await Promise.all(batch)) {
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString());
        if (m.type !== 'metrics') return;
        const at = sentAt.get(`${m.charger_id}:${m.v}`);
        if (at === undefined) return;
        lat.push(performance.now() - at);
        delivered++;
      });
      dashboards.push(ws);
    }
  }
  const chargers: Array<{ ws: WebSocket; sid: number }> = [];
  for (let s = 1; s <= STATIONS; s++) {
    const ws = await open(`ws://127.0.0.1:${a.port}/ws?role=publisher&estacionId=${s}`);
    const c = { ws, sid: 0 };
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      if (m.type === 'start') c.sid = m.session_id;
    });
    ws.send(JSON.stringify({ type: 'nfc_scan', nfc_uid: `CARD-${s}` }));
    chargers.push(c);
  }
  if (!(await until(() => chargers.every((c) => c.sid > 0), 60_000))) throw new Error('sessions did not all start');
  await new Promise((r) => setTimeout(r, 500));
  const cpu0 = (await a.cpu()) + (b === a ? 0 : await b.cpu());

  let sent = 0;
  const t0 = performance.now();
  const tick = 20;
  let carry = 0;
  const ts0 = Math.floor(Date.now() / 1000);
  while (performance.now() - t0 < SECONDS * 1000) {
    const start = performance.now();
    carry += (RATE * tick) / 1000;
    for (; carry >= 1; carry--) {
      const c = chargers[sent % STATIONS];
      const station = (sent % STATIONS) + 1;
      const v = Math.floor(sent / STATIONS) + 1;
      sentAt.set(`${station}:${v}`, performance.now());
      c.ws.send(JSON.stringify({ type: 'metrics', session_id: c.sid, v, a: 16, w: 10 * v, ts: ts0 + v }));
      sent++;
    }
    await new Promise((r) => setTimeout(r, Math.max(0, tick - (performance.now() - start))));
  }
  const secs = (performance.now() - t0) / 1000;
  await until(() => delivered >= sent, 60_000);
  const cpuMs = (await a.cpu()) + (b === a ? 0 : await b.cpu()) - cpu0;
  const stored = Number((await db.query(`SELECT count(*) AS n FROM "${schema}".session_metrics`)).rows[0].n);
  for (const c of chargers) c.ws.terminate();
  for (const d of dashboards) d.terminate();
  await a.stop();
  if (b !== a) await b.stop();
  await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db.end();
  await redis.release();
  if (stored !== sent || delivered !== sent) throw new Error(`run ${i}: sent ${sent}, stored ${stored}, delivered ${delivered}`);
  return { layout, offered: sent / secs, sent, stored, delivered, p50: pct(lat, 50), p99: pct(lat, 99), cpuPerMetricUs: (cpuMs * 1000) / sent };
}

type Result = Awaited<ReturnType<typeof run>>;
const results: Result[] = [];
const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
for (let i = 0; i < RUNS; i++) {
  const order: Layout[] = i % 2 ? ['one instance', 'two instances'] : ['two instances', 'one instance'];
  for (const layout of order) results.push(await run(i, layout));
}
const loadAfter = os.loadavg().map((x) => x.toFixed(2)).join(' ');
const f = (x: number, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const med = median;
const mr = (layout: Layout, k: Exclude<keyof Result, 'layout'>, d = 0, unit = '') => {
  const xs = results.filter((r) => r.layout === layout).map((r) => r[k]);
  return `${f(med(xs), d)}${unit} (${f(Math.min(...xs), d)}–${f(Math.max(...xs), d)})`;
};
const redisVersion = /v=(\S+)/.exec(String(execSync('redis-server --version')))?.[1] ?? '?';
const row = (l: Layout) =>
  `| ${l} | ${mr(l, 'offered')} | ${mr(l, 'sent')} | ${mr(l, 'stored')} | ${mr(l, 'delivered')} | ${mr(l, 'p50', 1, ' ms')} | ${mr(l, 'p99', 1, ' ms')} | ${mr(l, 'cpuPerMetricUs', 0, ' µs')} |`;
const p99 = (l: Layout) => med(results.filter((r) => r.layout === l).map((r) => r.p99));
const cpu = (l: Layout) => med(results.filter((r) => r.layout === l).map((r) => r.cpuPerMetricUs));
const section = [
  '## (g) Charger → dashboard across two instances (PostgreSQL, Redis)',
  '',
  `- Machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}; redis-server ${redisVersion}; ${new Date().toISOString()}`,
  `- Command: \`npm run bench:cluster -w @espfleet/host-server\` (two instances in child processes, the bench's clients in this one, PostgreSQL and Redis on the same machine, loopback only); load average ${load} before, ${loadAfter} after (other work shares the cores)`,
  '',
  `${f(STATIONS)} chargers on instance A each start a session and send metrics; each station's dashboard is on instance B. A (the stations' owner: their chargers are connected to it) stores each reading in PostgreSQL, bills it and publishes the dashboard message on the cluster channel; B hands it to the station's dashboard. Latency is charger send → dashboard receipt. Every run checks that every metric sent was stored (counted in PostgreSQL) and delivered, or the bench fails. Next to it, the same load on one instance on the same PostgreSQL without Redis (chargers and dashboards on it). Each metric is four rows in PostgreSQL (the session's reading, and the station device's power, voltage and current sensor readings). ${RUNS} runs of each, alternating: median (range). Server CPU is the instances' user + system time per metric (not PostgreSQL's or Redis's).`,
  '',
  '| layout | offered metrics/s | sent (each run) | stored | delivered | p50 | p99 | server CPU per metric |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  row('two instances'),
  row('one instance'),
  '',
  `Target (issue 12): p99 under 50 ms at 10,000 metrics/s across two instances. Median p99 here: ${f(p99('two instances'), 1)} ms (${p99('two instances') < 50 ? 'met' : 'NOT met'}); one instance on the same PostgreSQL: ${f(p99('one instance'), 1)} ms. Crossing instances (publish, Redis, the second instance's delivery) costs ${f(cpu('two instances') - cpu('one instance'))} µs of server CPU per metric (medians, two instances' total minus one instance's).`,
  '',
].join('\n');
console.log(section);
if (process.env.BENCH_CLUSTER_WRITE !== '0' && process.env.BENCH_WRITE !== '0') writeSection(join(here, 'RESULTS.md'), '## (g) Charger → dashboard across two instances', section);
