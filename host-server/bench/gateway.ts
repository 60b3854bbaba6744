// npm run bench:gateway -w @espfleet/host-server
// (f) Socket.io fan-out: one device's events to N subscribers of its namespace, through the
// espfleet gateway and through a bare Socket.io server. Both servers run at once in child
// processes, each with its N socket.io-client subscribers in this process; bursts alternate
// between them (bare, espfleet, espfleet, bare, …) so drift in the machine's load falls on both.
// Every delivery is counted: a missing one fails the bench. Bounded in count and time.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { median } from './stats.js';
import { loadAverage, machine, writeSection } from './resultsSection.js';

const here = dirname(fileURLToPath(import.meta.url));
const QUICK = process.env.BENCH_QUICK === '1';
const SUBSCRIBERS = Number(process.env.BENCH_GATEWAY_SUBSCRIBERS ?? (QUICK ? 50 : 1000));
const EVENTS = Number(process.env.BENCH_GATEWAY_EVENTS ?? (QUICK ? 20 : 100));
const RUNS = Number(process.env.BENCH_GATEWAY_RUNS ?? (QUICK ? 1 : 5));
const TIMEOUT_MS = 60_000;
type Kind = 'bare' | 'espfleet';

interface Served {
  kind: Kind;
  clients: Socket[];
  received: number;
  burst(n: number): Promise<void>;
  cpuMs(): Promise<number>;
  stop(): void;
}

async function serve(kind: Kind): Promise<Served> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(here, 'gatewayServers.ts'), kind], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const waiting: Array<(l: string) => void> = [];
  lines.on('line', (l) => waiting.shift()?.(l));
  const next = () => new Promise<string>((r) => waiting.push(r));
  const send = (l: string) => child.stdin!.write(l + '\n');
  const [, port, ns, key] = (await next()).split(' ');
  const s: Served = {
    kind,
    clients: [],
    received: 0,
    burst: async (n) => {
      send(`burst ${n}`);
      await next();
    },
    cpuMs: async () => {
      send('cpu');
      return Number((await next()).split(' ')[1]);
    },
    stop: () => {
      for (const c of s.clients) c.close();
      child.kill();
    },
  };
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const c = io(`http://127.0.0.1:${port}${ns}`, { path: '/ws', transports: ['websocket'], query: { apiKey: key }, reconnection: false, forceNew: true });
    c.on('state', () => s.received++);
    c.on('connect_error', (e) => {
      throw new Error(`${kind}: ${e.message}`);
    });
    s.clients.push(c);
  }
  const end = Date.now() + TIMEOUT_MS;
  while (s.clients.some((c) => !c.connected)) {
    if (Date.now() > end) throw new Error(`${kind}: subscribers did not connect`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return s;
}

interface Run {
  kind: Kind;
  perSecond: number;
  cpuUsPerDelivery: number;
}

async function burst(s: Served): Promise<Run> {
  s.received = 0;
  const want = SUBSCRIBERS * EVENTS;
  const cpu0 = await s.cpuMs();
  const t0 = process.hrtime.bigint();
  await s.burst(EVENTS);
  const end = Date.now() + TIMEOUT_MS;
  while (s.received < want) {
    if (Date.now() > end) throw new Error(`${s.kind}: ${s.received} of ${want} deliveries`);
    await new Promise((r) => setImmediate(r));
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpuMs = (await s.cpuMs()) - cpu0;
  // Anything beyond the count would be a duplicate delivery.
  await new Promise((r) => setTimeout(r, 50));
  if (s.received !== want) throw new Error(`${s.kind}: ${s.received} deliveries, ${want} expected`);
  return { kind: s.kind, perSecond: want / secs, cpuUsPerDelivery: (cpuMs * 1000) / want };
}

const loadBefore = loadAverage();
const servers = { bare: await serve('bare'), espfleet: await serve('espfleet') };
const runs: Run[] = [];
try {
  // A warm-up burst each, not counted: the first emits compile the hot paths.
  await burst(servers.bare);
  await burst(servers.espfleet);
  for (let i = 0; i < RUNS; i++) {
    const order: Kind[] = i % 2 ? ['espfleet', 'bare'] : ['bare', 'espfleet'];
    for (const k of order) runs.push(await burst(servers[k]));
  }
} finally {
  servers.bare.stop();
  servers.espfleet.stop();
}

const f = (x: number, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const of = (k: Kind, key: 'perSecond' | 'cpuUsPerDelivery') => runs.filter((r) => r.kind === k).map((r) => r[key]);
const mr = (xs: number[], d = 0) => `${f(median(xs), d)} (${f(Math.min(...xs), d)}–${f(Math.max(...xs), d)})`;
// Ratios pair each espfleet burst with the bare burst next to it.
const pairs = (key: 'perSecond' | 'cpuUsPerDelivery', espOverBare: boolean) =>
  of('espfleet', key).map((e, i) => (espOverBare ? e / of('bare', key)[i] : of('bare', key)[i] / e));
const wallRatio = pairs('perSecond', true);
const cpuRatio = pairs('cpuUsPerDelivery', false);
const met = Math.min(...cpuRatio) >= 1 && median(wallRatio) >= 1;
const heading = '## (f) Gateway: Socket.io fan-out to 1,000 subscribers, next to a bare Socket.io server';
const section = [
  heading,
  '',
  `- Machine: ${machine()}`,
  `- Command: \`npm run bench:gateway -w @espfleet/host-server\`${QUICK ? ' with BENCH_QUICK=1' : ''} (both servers in child processes, their socket.io-client subscribers in the bench process, loopback only); load average ${loadBefore} before, ${loadAverage()} after`,
  '',
  `One device's \`state\` events to ${f(SUBSCRIBERS)} WebSocket subscribers of its namespace, ${EVENTS} events per burst; both servers up at once with their subscribers connected, ${RUNS} bursts each after one warm-up burst each, alternating (bare, espfleet, espfleet, bare, …); every delivery counted, a missing or extra one fails the bench. Deliveries/s is by the wall clock of the bench process, which decodes every delivery (on 2 cores it is the bottleneck for both); server CPU per delivery is the server process's own user + system time. Ratios pair each espfleet burst with the bare burst next to it: median (range).`,
  '',
  '| server | deliveries/s | ratio to bare | server CPU per delivery | ratio to bare (bare ÷ espfleet) |',
  '| --- | ---: | ---: | ---: | ---: |',
  `| bare Socket.io | ${mr(of('bare', 'perSecond'))} | 1.00 | ${mr(of('bare', 'cpuUsPerDelivery'), 2)} µs | 1.00 |`,
  `| espfleet gateway | ${mr(of('espfleet', 'perSecond'))} | ${mr(wallRatio, 2)} | ${mr(of('espfleet', 'cpuUsPerDelivery'), 2)} µs | ${mr(cpuRatio, 2)} |`,
  '',
  `Target (issue 12): at least 1.0× the bare server. ${met ? 'Met' : '**Not met**'}: server CPU per delivery ${f(median(cpuRatio), 2)}× the bare server's efficiency (every burst ≥ 1.0×: ${Math.min(...cpuRatio) >= 1 ? 'yes' : 'no'}), deliveries/s ${f(median(wallRatio), 2)}× (median).`,
  '',
].join('\n');
console.log(section);
if (!QUICK && process.env.BENCH_WRITE !== '0') writeSection(join(here, 'RESULTS.md'), heading, section);
process.exit(0);
