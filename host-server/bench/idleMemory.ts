// npm run bench:memory -w @espfleet/host-server
// (c) Memory per idle connection, for each kind of connection the host serves — chargers (each
// to its own station), station dashboards and sensor-stream subscribers — next to a bare `ws`
// server's connections, in the same sample. Each sample starts fresh servers, measures heap +
// external and RSS after a full GC before and after N connections open and settle.
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './stats.js';
import { serverChild } from './child.js';
import { subscribe, type Protocol } from './rawSubscribers.js';
import { loadAverage, machine, writeSection } from './resultsSection.js';

const here = dirname(fileURLToPath(import.meta.url));
const QUICK = process.env.BENCH_QUICK === '1';
const N = Number(process.env.BENCH_IDLE ?? (QUICK ? 100 : 2000));
const SAMPLES = Number(process.env.BENCH_IDLE_SAMPLES ?? (QUICK ? 1 : 3));
const TARGET = 1.3;

type Kind = 'bare' | 'charger' | 'dashboard' | 'sensor stream';
const KINDS: Kind[] = ['bare', 'charger', 'dashboard', 'sensor stream'];

interface Sample {
  kind: Kind;
  rssPer: number;
  heapPer: number;
}

export async function sample(kind: Kind, n = N): Promise<Sample> {
  const s = await serverChild(kind === 'bare' ? 'bare' : 'espfleet', kind === 'charger' ? String(n) : '1');
  try {
    const path: Protocol = {
      kind: 'ws', port: s.port, accept: '',
      path: kind === 'bare' ? '/ws?role=client' : kind === 'charger' ? (i) => `/ws?role=publisher&estacionId=${i + 1}` : kind === 'dashboard' ? '/ws?role=client&estacionId=1' : '/ws/sensor-data/',
    };
    const before = await s.mem();
    const conns = await subscribe(path, n);
    await new Promise((r) => setTimeout(r, 1000));
    const after = await s.mem();
    conns.close();
    return { kind, rssPer: (after.rss - before.rss) / n, heapPer: (after.heap - before.heap) / n };
  } finally {
    await s.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const loadBefore = loadAverage();
  const samples: Sample[][] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const row: Sample[] = [];
    for (const k of KINDS) row.push(await sample(k));
    samples.push(row);
  }
  const f = (x: number, d = 1) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const mr = (xs: number[], d = 1) => `${f(median(xs), d)} (${f(Math.min(...xs), d)}–${f(Math.max(...xs), d)})`;
  const ratios = (k: Kind) => samples.map((row) => row.find((x) => x.kind === k)!.rssPer / row.find((x) => x.kind === 'bare')!.rssPer);
  const rows = KINDS.map((k) => {
    const xs = samples.map((row) => row.find((x) => x.kind === k)!);
    return `| ${k} | ${mr(xs.map((x) => x.heapPer / 1024))} KB | ${mr(xs.map((x) => x.rssPer / 1024))} KB | ${k === 'bare' ? '1.00' : mr(ratios(k), 2)} |`;
  });
  const verdict = KINDS.filter((k) => k !== 'bare').map((k) => `${k} ${f(median(ratios(k)), 2)}× (${ratios(k).every((r) => r <= TARGET) ? 'met' : 'NOT met'})`);
  const section = [
    '## (c) Memory per idle connection, by kind',
    '',
    `- Machine: ${machine()}`,
    `- Command: \`npm run bench:memory -w @espfleet/host-server\`${QUICK ? ' with BENCH_QUICK=1' : ''} (servers in child processes run with --expose-gc, clients in the bench process); load average ${loadBefore} before, ${loadAverage()} after`,
    '',
    `${f(N, 0)} connections of one kind per server, opened after a full GC and measured after a full GC one second after the last opened: heap + external (JS objects and buffers) and RSS (everything, what the machine pays) per connection. Chargers each connect to their own station (its state loaded: the station row, its open session if any, its queue), dashboards watch one station, sensor-stream subscribers take /ws/sensor-data/; the bare \`ws\` server's clients are the baseline. ${SAMPLES} samples, each with fresh servers and all four kinds: median (range); ratios pair each sample's kind with its bare server.`,
    '',
    '| connection | heap + external per connection | RSS per connection | RSS ratio to bare |',
    '| --- | ---: | ---: | ---: |',
    ...rows,
    '',
    `Target (issue 13): at most ${TARGET}× the bare server per connection for every kind, in every sample: ${verdict.join('; ')}.`,
    '',
  ].join('\n');
  console.log(section);
  if (!QUICK && process.env.BENCH_WRITE !== '0') writeSection(join(here, 'RESULTS.md'), '## (c) Memory per idle connection', section);
  process.exit(0);
}
