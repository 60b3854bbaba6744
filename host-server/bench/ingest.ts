// npm run bench:ingest -w @espfleet/host-server
// (b) Ingest: chargers sending metrics to the espfleet host, each reading stored (the session's
// reading and the station device's power, voltage and current sensor readings), billed and shown
// on its station's dashboard, on SQLite and on PostgreSQL. Sessions are long before measuring
// begins (BENCH_INGEST_PREFILL readings each, written straight to the database) so costs that
// grow with a session show. The offered rate steps up (BENCH_INGEST_RATES); at each step every
// reading sent must be stored (rows counted in the database) and delivered to its dashboard
// exactly once, and no charger may get an `error`, or the step fails; the knee is the highest
// rate whose step passes with p99 ingest → dashboard under 50 ms. Stepping stops at the first
// failing step. Runs alternate between the databases, each on its own long-lived server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import WebSocket from 'ws';
import { pct, median, until, untilCount } from './stats.js';
import { serverChild, type Child } from './child.js';
import { subscribe, type Subscribers } from './rawSubscribers.js';
import { PREFILL_END_AGO_S } from './prefill.js';
import { loadAverage, machine, writeSection } from './resultsSection.js';

const here = dirname(fileURLToPath(import.meta.url));
const QUICK = process.env.BENCH_QUICK === '1';
const PG = process.env.ESPFLEET_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const STATIONS = Number(process.env.BENCH_INGEST_STATIONS ?? (QUICK ? 20 : 500));
const PREFILL = Number(process.env.BENCH_INGEST_PREFILL ?? (QUICK ? 100 : 3600));
const STEP_S = Number(process.env.BENCH_INGEST_STEP_SECONDS ?? (QUICK ? 1 : 4));
const RUNS = Number(process.env.BENCH_INGEST_RUNS ?? (QUICK ? 1 : 3));
const RATES: Record<Db, number[]> = {
  sqlite: (process.env.BENCH_INGEST_RATES_SQLITE ?? (QUICK ? '200,400' : '2500,5000,7500,10000,12500,15000')).split(',').map(Number),
  postgres: (process.env.BENCH_INGEST_RATES_POSTGRES ?? (QUICK ? '200,400' : '2500,5000,7500,10000,12500')).split(',').map(Number),
};
const P99_LIMIT_MS = 50;
export const TARGET: Record<Db, number> = { sqlite: 10_000, postgres: 5_000 };

export type Db = 'sqlite' | 'postgres';

export interface Step {
  rate: number;
  offered: number;
  sent: number;
  delivered: number;
  stored: number;
  expectedStored: number;
  errors: string[];
  p50: number;
  p99: number;
  cpuUsPerReading: number;
  passed: boolean;
}

/** One database's server, its chargers (each station's, with its session) and dashboards. */
export class IngestRig {
  private constructor(
    readonly db: Db,
    private readonly s: Child,
    private readonly count: () => Promise<number>,
    private readonly chargers: Array<{ ws: WebSocket; sid: number; ts: number }>,
    private readonly dashboards: Subscribers,
    private readonly errors: string[],
    private readonly prefill: number,
    private readonly cleanup: () => Promise<void>,
  ) {}

  private sentAt: number[][] = [];
  private sentTotal = 0;

  static async open(db: Db, o: { server?: string; stations?: number; prefill?: number } = {}): Promise<IngestRig> {
    const stations = o.stations ?? STATIONS;
    const prefill = o.prefill ?? PREFILL;
    let databaseUrl = '';
    let dataDir = '';
    let count: () => Promise<number>;
    let drop: () => Promise<void>;
    if (db === 'postgres') {
      const schema = `espfleet_bench_ingest_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
      databaseUrl = `${PG}?schema=${schema}`;
      const client = new pg.Client(PG);
      await client.connect();
      count = async () => Number((await client.query(`SELECT count(*) AS n FROM "${schema}".session_metrics`)).rows[0].n);
      drop = async () => {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      };
    } else {
      dataDir = mkdtempSync(join(tmpdir(), 'espfleet-bench-ingest-'));
      let sqlite: Database.Database | undefined;
      count = async () => {
        sqlite ??= new Database(join(dataDir, 'espfleet.db'), { readonly: true });
        return (sqlite.prepare('SELECT count(*) AS n FROM session_metrics').get() as { n: number }).n;
      };
      drop = async () => {
        sqlite?.close();
        rmSync(dataDir, { recursive: true, force: true });
      };
    }
    const s = await serverChild(o.server ?? 'espfleet', String(stations), databaseUrl, dataDir, String(prefill));
    const base = `ws://127.0.0.1:${s.port}/ws`;
    const dashboards = await subscribe({ kind: 'ws', port: s.port, path: (i) => `/ws?role=client&estacionId=${i + 1}`, accept: '{"type":"metrics"' }, stations);
    const errors: string[] = [];
    const lastTs = Math.floor(Date.now() / 1000) - PREFILL_END_AGO_S;
    const chargers: Array<{ ws: WebSocket; sid: number; ts: number }> = [];
    for (let i = 1; i <= stations; i++) {
      const ws = new WebSocket(`${base}?role=publisher&estacionId=${i}`, { perMessageDeflate: false });
      ws.on('message', (d) => {
        const t = d.toString();
        if (t.includes('"type":"error"')) errors.push(`station ${i}: ${t}`);
      });
      ws.on('error', (e) => errors.push(`station ${i}: ${e.message}`));
      chargers.push({ ws, sid: 0, ts: prefill > 0 ? lastTs : 0 });
      if (i % 200 === 0) await until(() => chargers.every((c) => c.ws.readyState === WebSocket.OPEN), 20_000);
    }
    if (!(await until(() => chargers.every((c) => c.ws.readyState === WebSocket.OPEN), 20_000))) throw new Error(`${db}: chargers did not connect`);
    // Each station's open session: the prefilled one (session ids follow station ids).
    for (let i = 0; i < stations; i++) chargers[i].sid = i + 1;
    const rig = new IngestRig(db, s, count, chargers, dashboards, errors, prefill, async () => {
      dashboards.close();
      for (const c of chargers) c.ws.terminate();
      await s.stop();
      await drop();
    });
    // Warm-up, not reported: every station's first reading (its sensors looked up, caches and JIT warm).
    const warm = await rig.step(stations, 1);
    if (!warm.passed && (warm.errors.length || warm.delivered !== warm.sent)) throw new Error(`${db}: warm-up failed: ${JSON.stringify({ ...warm, errors: warm.errors.slice(0, 3) })}`);
    return rig;
  }

  /** Offers `rate` readings/s for `seconds`, round robin over the stations, then checks everything. */
  async step(rate: number, seconds = STEP_S): Promise<Step> {
    const n = this.chargers.length;
    this.sentAt = Array.from({ length: n }, () => []);
    this.dashboards.reset((i, k) => this.sentAt[i][k]);
    const errorsBefore = this.errors.length;
    const cpu0 = await this.s.cpu();
    let sent = 0;
    let next = 0;
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    while (performance.now() < end) {
      const due = Math.floor(((performance.now() - t0) / 1000) * rate);
      for (; sent < due; sent++) {
        const c = this.chargers[next];
        c.ts++;
        this.sentAt[next].push(performance.now());
        c.ws.send(`{"type":"metrics","session_id":${c.sid},"v":230,"a":16,"w":3680,"ts":${c.ts}}`);
        next = (next + 1) % n;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    const offered = sent / ((performance.now() - t0) / 1000);
    this.sentTotal += sent;
    await untilCount(() => (this.errors.length > errorsBefore ? sent : this.dashboards.delivered), sent, 30_000);
    await new Promise((r) => setTimeout(r, 100));
    const cpuMs = (await this.s.cpu()) - cpu0;
    const expectedStored = n * this.prefill + this.sentTotal;
    let stored = await this.count();
    for (let i = 0; i < 20 && stored < expectedStored; i++) {
      await new Promise((r) => setTimeout(r, 100));
      stored = await this.count();
    }
    const lat = this.dashboards.latencies;
    const errors = this.errors.slice(errorsBefore);
    const exact = this.dashboards.counts.every((c, i) => c === this.sentAt[i].length);
    const p99 = pct(lat, 99);
    return {
      rate, offered, sent, delivered: this.dashboards.delivered, stored, expectedStored, errors, p50: pct(lat, 50), p99,
      cpuUsPerReading: (cpuMs * 1000) / Math.max(1, sent),
      passed: exact && this.dashboards.delivered === sent && stored === expectedStored && errors.length === 0 && p99 < P99_LIMIT_MS,
    };
  }

  close(): Promise<void> {
    return this.cleanup();
  }
}

/** Steps up through `rates` until a step fails; the knee is the last passing rate (0: none). */
export async function stepUp(rig: IngestRig, rates: number[]): Promise<{ steps: Step[]; knee: number }> {
  const steps: Step[] = [];
  let knee = 0;
  for (const rate of rates) {
    const st = await rig.step(rate);
    steps.push(st);
    if (!st.passed) break;
    knee = rate;
  }
  return { steps, knee };
}

const f = (x: number, d = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : 'n/a');
const mr = (xs: number[], d = 0) => (xs.length ? `${f(median(xs), d)} (${f(Math.min(...xs), d)}–${f(Math.max(...xs), d)})` : 'n/a');

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const loadBefore = loadAverage();
  const dbs: Db[] = (process.env.BENCH_INGEST_DBS ?? 'sqlite,postgres').split(',') as Db[];
  const rigs = new Map<Db, IngestRig>();
  const results: Array<{ db: Db; run: number; steps: Step[]; knee: number }> = [];
  try {
    for (const db of dbs) rigs.set(db, await IngestRig.open(db));
    for (let run = 0; run < RUNS; run++) {
      const order = run % 2 ? [...dbs].reverse() : dbs;
      for (const db of order) {
        const r = await stepUp(rigs.get(db)!, RATES[db]);
        results.push({ db, run, ...r });
        const last = r.steps[r.steps.length - 1];
        console.error(`${db} run ${run + 1}: knee ${r.knee}/s; last step ${last.rate}/s p99 ${f(last.p99, 1)} ms, ${last.delivered}/${last.sent} delivered, ${last.stored}/${last.expectedStored} stored, ${last.errors.length} errors`);
      }
    }
  } catch (e) {
    console.error(e);
    process.exitCode = 1;
  } finally {
    for (const rig of rigs.values()) await rig.close();
  }
  if (process.exitCode) process.exit();
  const rows: string[] = [];
  for (const db of dbs) {
    for (const rate of RATES[db]) {
      const steps = results.filter((r) => r.db === db).map((r) => r.steps.find((s) => s.rate === rate)).filter((s): s is Step => s !== undefined);
      if (!steps.length) continue;
      rows.push(
        `| ${db} | ${f(rate)} | ${steps.length} of ${RUNS} | ${mr(steps.map((s) => s.offered))} | ${steps.every((s) => s.delivered === s.sent) ? 'all' : 'NOT all'} | ${steps.every((s) => s.stored === s.expectedStored) ? 'all' : 'NOT all'} | ${steps.reduce((a, s) => a + s.errors.length, 0)} | ${mr(steps.map((s) => s.p50), 1)} ms | ${mr(steps.map((s) => s.p99), 1)} ms | ${mr(steps.map((s) => s.cpuUsPerReading))} µs | ${steps.filter((s) => s.passed).length} of ${steps.length} |`,
      );
    }
  }
  const knees = (db: Db) => results.filter((r) => r.db === db).map((r) => r.knee);
  const verdict = dbs.map((db) => `${db}: knee ${mr(knees(db))} readings/s (target ≥ ${f(TARGET[db])} in every run: ${knees(db).every((k) => k >= TARGET[db]) ? 'met' : 'NOT met'})`);
  const section = [
    '## (b) Ingest: chargers sending metrics, stored and fanned out, long sessions, SQLite and PostgreSQL',
    '',
    `- Machine: ${machine()}`,
    `- Command: \`npm run bench:ingest -w @espfleet/host-server\`${QUICK ? ' with BENCH_QUICK=1' : ''} (the server in a child process, chargers and dashboards in the bench process, PostgreSQL the machine's own, loopback only); load average ${loadBefore} before, ${loadAverage()} after`,
    '',
    `${f(STATIONS)} stations, each with its charger (one WebSocket) and its dashboard (one WebSocket), and an open session already holding ${f(PREFILL)} readings (an hour at one a second; its device's sensors the same) written straight to the database before the server starts. Each step offers its rate for ${STEP_S} s, round robin over the chargers, readings one second apart on each session. A reading is four rows: the session's reading and the station device's power, voltage and current sensor readings. A step passes when every reading sent was stored (session readings counted in the database), delivered to its station's dashboard exactly once, no charger got an \`error\`, and p99 sent → dashboard is under ${P99_LIMIT_MS} ms; stepping stops at the first failing step. ${RUNS} runs per database, alternating between them on the same long-lived servers (so the sessions grow run after run): median (range). Server CPU is the server process's user + system time per reading (not the database's).`,
    '',
    '| database | offered rate | runs reaching it | offered readings/s | delivered | stored | charger errors | p50 | p99 | server CPU per reading | passed |',
    '| --- | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `Targets (issue 13): ${verdict.join('; ')}.`,
    '',
  ].join('\n');
  console.log(section);
  if (!QUICK && process.env.BENCH_WRITE !== '0') writeSection(join(here, 'RESULTS.md'), '## (b) Ingest', section);
  process.exit(0);
}
