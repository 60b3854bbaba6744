// npm run bench:fanout -w @espfleet/host-server
// (a) Fan-out: one publisher, N subscribers, next to the peers doing the same work in the same
// run: a bare `ws` server that frames each message once (as espfleet does), a bare Socket.io
// server, and the machine's Mosquitto (127.0.0.1:1883; the `mqtt` package publishes, QoS 0).
// espfleet stores and bills each reading before it fans the dashboard message out. All
// subscribers are the same thin raw-socket clients (bench/rawSubscribers.ts). Per N and round,
// each server gets a burst (messages/s and server CPU per delivery) and a paced load of 20
// messages/s (latency); the order of the servers rotates each round. Every delivery is counted:
// a missing or extra one fails the bench.
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { io } from 'socket.io-client';
import mqtt from 'mqtt';
import { pct, median, until, untilCount } from './stats.js';
import { serverChild } from './child.js';
import { subscribe, type Protocol, type Subscribers } from './rawSubscribers.js';
import { loadAverage, machine, writeSection } from './resultsSection.js';

const here = dirname(fileURLToPath(import.meta.url));
const QUICK = process.env.BENCH_QUICK === '1';
const NS = (process.env.BENCH_FANOUT ?? (QUICK ? '50' : '100,1000,5000')).split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_FANOUT_ROUNDS ?? (QUICK ? 1 : 3));
const PACED_RATE = 20;
const PACED_MESSAGES = QUICK ? 10 : 40;
const MQTT_URL = process.env.BENCH_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
/** A burst carries at least 100,000 deliveries (and at least 100 messages), so each server's CPU time is well above its clock's resolution. */
const burstOf = (n: number) => (QUICK ? 20 : Math.max(100, Math.min(500, Math.ceil(100_000 / n))));
// A typical dashboard `metrics` message: what the peers relay is what espfleet sends.
const PAYLOAD = '{"type":"metrics","session_id":1,"charger_id":1,"v":230,"a":16,"w":3680,"kwh":1.234,"cost":0.31,"time":1234}';

export type Kind = 'espfleet' | 'bare' | 'socketio' | 'mosquitto';
export const KINDS: Kind[] = ['espfleet', 'bare', 'socketio', 'mosquitto'];

interface Setup {
  subs: Subscribers;
  publish(k: number): void;
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

function mosquittoCpuMs(): () => number {
  const pid = execSync('pgrep -xo mosquitto').toString().trim();
  const tick = Number(execSync('getconf CLK_TCK').toString().trim());
  return () => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / tick;
  };
}

const opened = (ws: WebSocket) => new Promise((ok, fail) => (ws.once('open', ok), ws.once('error', fail)));

export async function setup(kind: Kind, n: number, round: number, o: { server?: string } = {}): Promise<Setup> {
  if (kind === 'mosquitto') {
    const topic = `espfleet-bench/${process.pid}/${round}/${n}`;
    const subs = await subscribe({ kind: 'mqtt', port: Number(new URL(MQTT_URL).port || 1883), topic }, n);
    const pub = await mqtt.connectAsync(MQTT_URL, { clean: true, reconnectPeriod: 0 });
    const cpu = mosquittoCpuMs();
    return {
      subs,
      publish: () => void pub.publish(topic, PAYLOAD, { qos: 0 }),
      cpuMs: async () => cpu(),
      stop: async () => {
        subs.close();
        await pub.endAsync();
      },
    };
  }
  const s = await serverChild(o.server ?? kind, '1');
  let protocol: Protocol;
  let publish: (k: number) => void;
  let close: () => void;
  if (kind === 'socketio') {
    protocol = { kind: 'socketio', port: s.port, namespace: '/bench', auth: {} };
    const pub = io(`http://127.0.0.1:${s.port}/bench`, { path: '/ws', transports: ['websocket'], reconnection: false, forceNew: true });
    await new Promise<void>((ok, fail) => (pub.once('connect', () => ok()), pub.once('connect_error', fail)));
    publish = () => void pub.emit('m', PAYLOAD);
    close = () => pub.close();
  } else {
    const base = `ws://127.0.0.1:${s.port}/ws`;
    const pub = new WebSocket(`${base}?role=publisher&estacionId=1`, { perMessageDeflate: false });
    await opened(pub);
    close = () => pub.terminate();
    if (kind === 'bare') {
      protocol = { kind: 'ws', port: s.port, path: '/ws?role=client', accept: '' };
      publish = () => pub.send(PAYLOAD);
    } else {
      protocol = { kind: 'ws', port: s.port, path: '/ws?role=client&estacionId=1', accept: '{"type":"metrics"' };
      let sid = 0;
      let refused = '';
      pub.on('message', (d) => {
        const m = JSON.parse(d.toString());
        if (m.type === 'start') sid = m.session_id;
        if (m.type === 'error') refused ||= `${m.code}: ${m.message}`;
      });
      pub.send(JSON.stringify({ type: 'nfc_scan', nfc_uid: 'CARD-1' }));
      if (!(await until(() => sid > 0, 10_000))) throw new Error(`espfleet: no session started ${refused}`);
      // Plausible readings, one second apart, within the clock-skew window around the session's start.
      const ts0 = Math.floor(Date.now() / 1000) - 250;
      publish = (k) => {
        if (refused) throw new Error(`espfleet refused a reading: ${refused}`);
        pub.send(`{"type":"metrics","session_id":${sid},"v":230,"a":16,"w":3680,"ts":${ts0 + k}}`);
      };
    }
  }
  const subs = await subscribe(protocol, n);
  let seq = 0;
  return {
    subs,
    publish: () => publish(++seq),
    cpuMs: () => s.cpu(),
    stop: async () => {
      subs.close();
      close();
      await s.stop();
    },
  };
}

export interface Run {
  kind: Kind;
  n: number;
  perSecond: number;
  cpuUsPerDelivery: number;
  burstP99: number;
  pacedP50: number;
  pacedP99: number;
}

/** Waits for exactly `want` deliveries, each subscriber its `each`; throws otherwise. */
async function delivered(kind: Kind, subs: Subscribers, want: number, each: number, ms: number): Promise<void> {
  await untilCount(() => subs.delivered, want, ms);
  await new Promise((r) => setTimeout(r, 100));
  const short = subs.counts.findIndex((c) => c !== each);
  if (subs.delivered !== want || short >= 0) throw new Error(`${kind}: ${subs.delivered} of ${want} deliveries (subscriber ${short} got ${subs.counts[short]} of ${each})`);
}

export async function measure(kind: Kind, n: number, round: number, o: { server?: string } = {}): Promise<Run> {
  const x = await setup(kind, n, round, o);
  try {
    const burst = burstOf(n);
    const sentAt = new Array<number>(burst);
    x.subs.reset((_, k) => sentAt[k], Math.max(1, Math.floor(burst / 20)));
    const cpu0 = await x.cpuMs();
    const t0 = performance.now();
    for (let k = 0; k < burst; k++) {
      sentAt[k] = performance.now();
      x.publish(k);
      if (k % 10 === 9) await new Promise((r) => setImmediate(r));
    }
    await delivered(kind, x.subs, n * burst, burst, 120_000);
    const secs = (performance.now() - t0) / 1000;
    const cpuMs = (await x.cpuMs()) - cpu0;
    const burstP99 = pct(x.subs.latencies, 99);

    const paced = new Array<number>(PACED_MESSAGES);
    x.subs.reset((_, k) => paced[k]);
    const start = performance.now();
    for (let k = 0; k < PACED_MESSAGES; k++) {
      const at = start + (k * 1000) / PACED_RATE;
      while (performance.now() < at) await new Promise((r) => setTimeout(r, Math.max(0, at - performance.now() - 1)));
      paced[k] = performance.now();
      x.publish(k);
    }
    await delivered(kind, x.subs, n * PACED_MESSAGES, PACED_MESSAGES, 30_000);
    return {
      kind, n, perSecond: (n * burst) / secs, cpuUsPerDelivery: (cpuMs * 1000) / (n * burst), burstP99,
      pacedP50: pct(x.subs.latencies, 50), pacedP99: pct(x.subs.latencies, 99),
    };
  } finally {
    await x.stop();
  }
}

const f = (x: number, d = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : 'n/a');
const mr = (xs: number[], d = 0) => `${f(median(xs), d)} (${f(Math.min(...xs), d)}–${f(Math.max(...xs), d)})`;

export async function fanoutSection(): Promise<{ section: string; met: boolean }> {
  const loadBefore = loadAverage();
  const runs: Run[] = [];
  for (const n of NS) {
    for (let round = 0; round < ROUNDS; round++) {
      const order = KINDS.map((_, i) => KINDS[(i + round) % KINDS.length]);
      for (const kind of order) runs.push(await measure(kind, n, round));
    }
  }
  const of = (k: Kind, n: number) => runs.filter((r) => r.kind === k && r.n === n);
  // Same round, same N: each espfleet run against the peer's run next to it.
  const ratio = (n: number, peer: Kind, key: 'perSecond' | 'cpuUsPerDelivery') => of('espfleet', n).map((e, i) => e[key] / of(peer, n)[i][key]);
  const rows: string[] = [];
  for (const n of NS) {
    for (const k of KINDS) {
      const rs = of(k, n);
      const vsBare = (key: 'perSecond' | 'cpuUsPerDelivery') => (k === 'bare' ? '1.00' : mr(rs.map((r, i) => r[key] / of('bare', n)[i][key]), 2));
      rows.push(
        `| ${f(n)} | ${k} | ${mr(rs.map((r) => r.perSecond))} | ${vsBare('perSecond')} | ${mr(rs.map((r) => r.cpuUsPerDelivery), 2)} µs | ${vsBare('cpuUsPerDelivery')} | ${mr(rs.map((r) => r.burstP99), 1)} ms | ${mr(rs.map((r) => r.pacedP50), 2)} ms | ${mr(rs.map((r) => r.pacedP99), 2)} ms |`,
      );
    }
  }
  const verdicts: string[] = [];
  let met = true;
  for (const n of NS.filter((x) => x >= 1000)) {
    const cpu = ratio(n, 'bare', 'cpuUsPerDelivery');
    const ok = cpu.every((r) => r <= 1);
    met &&= ok;
    verdicts.push(`server CPU per delivery at N = ${f(n)}: ${mr(cpu, 2)}× the bare framed-once server's (target ≤ 1.0 in every round: ${ok ? 'met' : 'NOT met'})`);
  }
  if (NS.includes(1000)) {
    const rate = ratio(1000, 'mosquitto', 'perSecond');
    const ok = rate.every((r) => r >= 1);
    met &&= ok;
    verdicts.push(`deliveries/s at N = 1,000: ${mr(rate, 2)}× Mosquitto's (target ≥ 1.0 in every round: ${ok ? 'met' : 'NOT met'})`);
  }
  const section = [
    '## (a) Fan-out: one publisher, N subscribers, next to a bare framed-once `ws` server, Socket.io and Mosquitto',
    '',
    `- Machine: ${machine()}`,
    `- Command: \`npm run bench:fanout -w @espfleet/host-server\`${QUICK ? ' with BENCH_QUICK=1' : ''} (servers in child processes, Mosquitto the machine's own at 127.0.0.1:1883, all subscribers in the bench process, loopback only); load average ${loadBefore} before, ${loadAverage()} after`,
    '',
    `Per N and round each server gets, with fresh subscribers: a burst of max(100, 100,000 ÷ N) messages (at most 500), then ${PACED_MESSAGES} messages paced at ${PACED_RATE}/s. espfleet gets charger \`metrics\` readings, stores (SQLite) and bills each, and sends each station dashboard a \`metrics\` message; the peers relay a message of the same size (${PAYLOAD.length} bytes) to every subscriber: the bare \`ws\` server frames it once and writes the frame to each client, Socket.io broadcasts a socket's event to its namespace, Mosquitto publishes QoS 0. Subscribers are thin raw-socket clients (WebSocket frames, Socket.io event packets, MQTT PUBLISH packets are counted, nothing more), the same for every server. Every subscriber must get every message exactly once or the bench fails. ${ROUNDS} rounds, the servers' order rotating each round: median (range). Deliveries/s is by the bench's wall clock from the first send to the last delivery; server CPU is the server process's user + system time during the burst (Mosquitto's from /proc, 10 ms resolution); latency is send → delivery, in the burst (sampled) and paced (every delivery). Ratios pair the runs of one round.`,
    '',
    '| N | server | deliveries/s (burst) | ratio to bare | server CPU per delivery | ratio to bare | burst p99 | paced p50 | paced p99 |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `Targets (issue 13): ${verdicts.join('; ')}.`,
    '',
  ].join('\n');
  return { section, met };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { section } = await fanoutSection();
  console.log(section);
  if (!QUICK && process.env.BENCH_WRITE !== '0') writeSection(join(here, 'RESULTS.md'), '## (a) Fan-out', section);
  process.exit(0);
}
