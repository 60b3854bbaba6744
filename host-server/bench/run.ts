// npm run bench -w @espfleet/host-server
// (a) fan-out: one publisher to N dashboards, next to a bare `ws` broadcast server, same run;
// (b) ingest: many chargers sending metrics, stored (SQLite) and fanned out to dashboards;
// (c) memory per idle connection, next to the bare server.
// Servers run in child processes; the clients here. Loads are bounded in count and time.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import WebSocket from 'ws';
import { pct, until } from './stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const FANOUT_N = (process.env.BENCH_FANOUT ?? '1000,5000').split(',').map(Number);
const FANOUT_MESSAGES = Number(process.env.BENCH_FANOUT_MESSAGES ?? 100);
// The sequence number rides in `v`, which the server accepts up to its 260 V rating, and the
// readings' ts must not reach further back than the session start minus the allowed clock skew.
if (!(FANOUT_MESSAGES >= 1 && FANOUT_MESSAGES <= 250)) throw new Error('BENCH_FANOUT_MESSAGES must be 1..250');
const INGEST_CHARGERS = Number(process.env.BENCH_INGEST_CHARGERS ?? 10000);
const INGEST_RATE = Number(process.env.BENCH_INGEST_RATE ?? 1);
const INGEST_SECONDS = Number(process.env.BENCH_INGEST_SECONDS ?? 10);
// Each charger's reading number rides in `v` (≤ 260 V) and advances its ts by a second.
if (!(INGEST_RATE * INGEST_SECONDS <= 250)) throw new Error('BENCH_INGEST_RATE × BENCH_INGEST_SECONDS must be at most 250');
/** Stations with a dashboard measuring ingest→dashboard latency (all of them would double the client's sockets). */
const INGEST_DASHBOARDS = Number(process.env.BENCH_INGEST_DASHBOARDS ?? 1000);
const IDLE = Number(process.env.BENCH_IDLE ?? 5000);

interface Server {
  port: number;
  child: ChildProcess;
  mem(): Promise<{ rss: number; heap: number }>;
  cpu(): Promise<number>;
  stop(): void;
}

async function server(kind: string, arg = ''): Promise<Server> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, 'servers.ts'), kind, arg], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const queue: Array<(l: string) => void> = [];
  lines.on('line', (l) => queue.shift()?.(l));
  const next = () => new Promise<string>((r) => queue.push(r));
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
    stop: () => child.kill(),
  };
}

async function connect(url: string, n: number, onMessage?: (data: string) => void): Promise<WebSocket[]> {
  const out: WebSocket[] = [];
  for (let i = 0; i < n; i += 200) {
    const batch = Array.from({ length: Math.min(200, n - i) }, () => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      if (onMessage) ws.on('message', (d) => onMessage(d.toString()));
      return new Promise<WebSocket>((ok, fail) => (ws.once('open', () => ok(ws)), ws.once('error', fail)));
    });
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

/** One publisher's burst to N subscribers: deliveries per second and per-message latency. */
async function fanout(kind: 'espfleet' | 'bare', n: number) {
  const s = await server(kind, '1');
  const base = `ws://127.0.0.1:${s.port}/ws`;
  const sent = new Map<number, number>();
  const lat: number[] = [];
  let delivered = 0;
  const subs = await connect(`${base}?role=client&estacionId=1`, n, (text) => {
    // The sequence number rides in `v`, in the publisher's text and in espfleet's dashboard metrics alike.
    const seq = Number(text.slice(text.indexOf('"v":') + 4, text.indexOf(',"a"')));
    if (Number.isNaN(seq) || !sent.has(seq)) return;
    delivered++;
    if (delivered % 10 === 0) lat.push(performance.now() - sent.get(seq)!);
  });
  const [pub] = await connect(`${base}?role=publisher&estacionId=1`, 1);
  let sid = 1;
  if (kind === 'espfleet') {
    const started = new Promise<number>((r) => pub.on('message', (d) => {
      const m = JSON.parse(d.toString());
      if (m.type === 'start') r(m.session_id);
    }));
    pub.send(JSON.stringify({ type: 'nfc_scan', nfc_uid: 'CARD-1' }));
    sid = await started;
    await new Promise((r) => setTimeout(r, 300));
    delivered = 0;
    lat.length = 0;
  }
  const cpu0 = await s.cpu();
  const t0 = performance.now();
  // Plausible readings (the server bills only those): v within the rating, w <= v·a, one second
  // apart and ending now, so none is refused as a clock jump.
  const ts0 = Math.floor(Date.now() / 1000) - FANOUT_MESSAGES;
  for (let k = 1; k <= FANOUT_MESSAGES; k++) {
    sent.set(k, performance.now());
    pub.send(JSON.stringify({ type: 'metrics', session_id: sid, v: k, a: 16, w: 10 * k, ts: ts0 + k }));
    if (k % 10 === 0) await new Promise((r) => setImmediate(r));
  }
  const complete = await until(() => delivered >= n * FANOUT_MESSAGES, 120_000);
  const secs = (performance.now() - t0) / 1000;
  const serverCpu = (await s.cpu()) - cpu0;
  for (const c of [...subs, pub]) c.terminate();
  s.stop();
  return { kind, n, delivered, complete, perSecond: delivered / secs, perCpuSecond: delivered / (serverCpu / 1000), p50: pct(lat, 50), p99: pct(lat, 99) };
}

/** Chargers each sending INGEST_RATE metrics/s; every station has a dashboard measuring latency. */
async function ingest() {
  const n = INGEST_CHARGERS;
  const s = await server('espfleet', String(n));
  const base = `ws://127.0.0.1:${s.port}/ws`;
  const lat: number[] = [];
  let received = 0;
  const sentAt = new Map<string, number>();
  const dashboards: WebSocket[] = [];
  for (let i = 1; i <= Math.min(n, INGEST_DASHBOARDS); i++) {
    const ws = new WebSocket(`${base}?role=client&estacionId=${i}`, { perMessageDeflate: false });
    ws.on('message', (d) => {
      const t = d.toString();
      if (!t.startsWith('{"type":"metrics"')) return;
      const m = JSON.parse(t);
      const at = sentAt.get(`${m.charger_id}:${m.v}`);
      if (at !== undefined) {
        received++;
        lat.push(performance.now() - at);
      }
    });
    dashboards.push(ws);
    if (i % 200 === 0) await until(() => dashboards.every((w) => w.readyState === WebSocket.OPEN), 10_000);
  }
  await until(() => dashboards.every((w) => w.readyState === WebSocket.OPEN), 10_000);
  const chargers: Array<{ ws: WebSocket; sid: number }> = [];
  for (let i = 1; i <= n; i++) {
    const ws = new WebSocket(`${base}?role=publisher&estacionId=${i}`, { perMessageDeflate: false });
    const c = { ws, sid: 0 };
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      if (m.type === 'start') c.sid = m.session_id;
    });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'nfc_scan', nfc_uid: `CARD-${i}` })));
    chargers.push(c);
    if (i % 200 === 0) await until(() => chargers.every((x) => x.sid > 0), 20_000);
  }
  await until(() => chargers.every((x) => x.sid > 0), 20_000);
  let sent = 0;
  let watched = 0;
  let seq = 0;
  const t0 = performance.now();
  const tick = 100;
  const perTick = (n * INGEST_RATE * tick) / 1000;
  let carry = 0;
  const ts0 = Math.floor(Date.now() / 1000);
  while (performance.now() - t0 < INGEST_SECONDS * 1000) {
    const tickStart = performance.now();
    carry += perTick;
    for (; carry >= 1; carry--) {
      const c = chargers[seq % n];
      const v = Math.floor(seq / n) + 1;
      seq++;
      const station = ((seq - 1) % n) + 1;
      sentAt.set(`${station}:${v}`, performance.now());
      if (station <= INGEST_DASHBOARDS) watched++;
      c.ws.send(JSON.stringify({ type: 'metrics', session_id: c.sid, v, a: 16, w: 10 * v, ts: ts0 + v }));
      sent++;
    }
    await new Promise((r) => setTimeout(r, Math.max(0, tick - (performance.now() - tickStart))));
  }
  const sendSecs = (performance.now() - t0) / 1000;
  const expected = watched;
  await until(() => received >= expected, 30_000);
  const mem = await s.mem();
  for (const c of chargers) c.ws.terminate();
  for (const d of dashboards) d.terminate();
  s.stop();
  return { chargers: n, dashboards: Math.min(n, INGEST_DASHBOARDS), offered: sent / sendSecs, sent, received, expected, p50: pct(lat, 50), p99: pct(lat, 99), rssMb: mem.rss / 2 ** 20 };
}

/** Memory per idle connection (sensor stream subscribers) next to the bare server's. */
async function idle(kind: 'espfleet' | 'bare') {
  const s = await server(kind, '1');
  const before = await s.mem();
  const path = kind === 'bare' ? '/ws?role=client' : '/ws/sensor-data/';
  const conns = await connect(`ws://127.0.0.1:${s.port}${path}`, IDLE);
  await new Promise((r) => setTimeout(r, 500));
  const after = await s.mem();
  for (const c of conns) c.terminate();
  s.stop();
  return { kind, n: IDLE, heapPer: (after.heap - before.heap) / IDLE, rssPer: (after.rss - before.rss) / IDLE };
}

const fan: Array<Awaited<ReturnType<typeof fanout>>> = [];
for (const n of FANOUT_N) for (const k of ['bare', 'espfleet'] as const) fan.push(await fanout(k, n));
const ing = await ingest();
const mem = [await idle('bare'), await idle('espfleet')];

const f = (x: number, d = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : 'n/a');
const lines = [
  '# @espfleet/host-server benchmark',
  '',
  `- Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}; ${new Date().toISOString()}`,
  '- Command: `npm run bench -w @espfleet/host-server` (servers in child processes, clients in the bench process, loopback only)',
  '',
  `## (a) Fan-out: one publisher, N dashboards, a burst of ${FANOUT_MESSAGES} metrics`,
  '',
  'espfleet stores each metric (SQLite), bills it, encodes one dashboard `metrics` message and sends it to every subscriber of the station; the bare server relays the publisher\'s text to every other client.',
  '',
  '| N | server | delivered | messages/s (wall) | ratio to bare | messages per server CPU-second | ratio to bare | p50 latency | p99 latency |',
  '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...fan.map((r) => {
    const bare = fan.find((b) => b.n === r.n && b.kind === 'bare')!;
    return `| ${f(r.n)} | ${r.kind} | ${f(r.delivered)}${r.complete ? '' : ' (incomplete)'} | ${f(r.perSecond)} | ${(r.perSecond / bare.perSecond).toFixed(2)} | ${f(r.perCpuSecond)} | ${(r.perCpuSecond / bare.perCpuSecond).toFixed(2)} | ${f(r.p50, 1)} ms | ${f(r.p99, 1)} ms |`;
  }),
  '',
  '## (b) Ingest: chargers sending metrics, stored and fanned out',
  '',
  `Each charger is its own station with a session; ${f(ing.dashboards)} of the stations have a dashboard, which measure latency.`,
  '',
  '| charger connections | offered metrics/s | sent | delivered to the watching dashboards (of sent to them) | p50 ingest→dashboard | p99 | server RSS |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  `| ${f(ing.chargers)} | ${f(ing.offered)} | ${f(ing.sent)} | ${f(ing.received)} of ${f(ing.expected)} | ${f(ing.p50, 1)} ms | ${f(ing.p99, 1)} ms | ${f(ing.rssMb)} MB |`,
  '',
  '## (c) Memory per idle connection',
  '',
  '| server | connections | heap+external per connection | RSS per connection | ratio to bare (RSS) |',
  '| --- | ---: | ---: | ---: | ---: |',
  ...mem.map((m) => `| ${m.kind} | ${f(m.n)} | ${f(m.heapPer / 1024, 1)} KB | ${f(m.rssPer / 1024, 1)} KB | ${(m.rssPer / mem[0].rssPer).toFixed(2)} |`),
  '',
  'Targets (issue): (a) at least the bare server\'s throughput; (b) 10,000 metrics/s from 10,000 connections on SQLite, each stored and fanned out, p99 under 50 ms; (c) at most 1.5× the bare server\'s memory per connection.',
  '',
  `- (a) ${fan
    .filter((r) => r.kind === 'espfleet')
    .map((r) => {
      const bare = fan.find((b) => b.n === r.n && b.kind === 'bare')!;
      return `N = ${f(r.n)}: ${(r.perSecond / bare.perSecond).toFixed(2)}× bare by wall clock, ${(r.perCpuSecond / bare.perCpuSecond).toFixed(2)}× by server CPU`;
    })
    .join('; ')}. The wall-clock rate is bounded by the client process that receives every message (it shares the 2 cores); messages per server CPU-second is the server's own cost.`,
  `- (b) ${f(ing.offered)} metrics/s from ${f(ing.chargers)} connections: ${ing.received >= ing.expected ? 'none lost' : `${f(ing.expected - ing.received)} not delivered`}, p99 ${f(ing.p99, 1)} ms (${ing.p99 < 50 ? 'met' : 'NOT met'}).`,
  `- (c) ${(mem[1].rssPer / mem[0].rssPer).toFixed(2)}× the bare server per idle connection (${mem[1].rssPer / mem[0].rssPer <= 1.5 ? 'met' : 'NOT met'}).`,
  '',
];
writeFileSync(join(here, 'RESULTS.md'), lines.join('\n'));
console.log(lines.join('\n'));
