// npm run bench:signaling -w @espfleet/host-server (also run at the end of npm run bench)
// (d) routed signaling messages between two espfleet instances over Redis — users on instance A
//     sending ice_candidate to their connected users' devices on instance B — next to a bare
//     Redis pub/sub relay (WebSocket in → PUBLISH → SUBSCRIBE → WebSocket out) in the same run,
//     on a redis-server of the bench's own: messages/s at full speed (a window of messages in
//     flight) and p50/p99 latency at an offered 10,000 msg/s, with the CPU the servers and
//     redis-server spent. Both relays carry the same texts with the same window. Every message is
//     counted: the bench fails if any is lost or refused.
// (e) `check` answered for a user whose connected users hold 10,000 online devices.
// Three runs; the table shows the median and the range. Loads are bounded in count and time.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os, { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { Redis as RedisClient } from 'ioredis';
import { hashPassword } from '../src/users/passwords.js';
import { pct, median } from './stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const RUNS = Number(process.env.BENCH_SIGNALING_RUNS ?? 3);
const PAIRS = Number(process.env.BENCH_SIGNALING_PAIRS ?? 50);
const MAX_MESSAGES = Number(process.env.BENCH_SIGNALING_MESSAGES ?? 40_000);
const WINDOW = 1000;
const RATE = Number(process.env.BENCH_SIGNALING_RATE ?? 10_000);
const RATE_SECONDS = 3;
const CHECK_USERS = Number(process.env.BENCH_SIGNALING_CHECK_USERS ?? 1000);
const CHECK_DEVICES_EACH = 10;
const CHECK_TIMES = 20;

const freePort = () =>
  new Promise<number>((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });

/** A process whose CPU time (ms, user + system) the bench reads before and after each load. */
interface Measured {
  cpu(): Promise<number>;
}

const children: ChildProcess[] = [];
async function child(kind: string, arg: string): Promise<{ port: number } & Measured> {
  const c = spawn(process.execPath, ['--import', 'tsx', join(here, 'signalingServers.ts'), kind, arg], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(c);
  // The server's own log lines may share stdout: lines are picked by their key.
  const waiting: Array<(l: string) => void> = [];
  const ready = new Promise<string>((ok, fail) => {
    createInterface({ input: c.stdout! }).on('line', (l) => {
      if (l.startsWith('{"port":')) ok(l);
      else if (l.startsWith('{"cpuMs":')) waiting.shift()?.(l);
    });
    c.once('exit', (code) => fail(new Error(`${kind} exited (${code})`)));
  });
  const port = JSON.parse(await ready).port as number;
  return {
    port,
    cpu: () =>
      new Promise<number>((ok) => {
        waiting.push((l) => ok(JSON.parse(l).cpuMs));
        c.stdin!.write('cpu\n');
      }),
  };
}

type Redis = Awaited<ReturnType<typeof redisServer>>;
async function redisServer(): Promise<{ url: string; stop(): void; publishes(): Promise<number> } & Measured> {
  const port = await freePort();
  const p = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  const url = `redis://127.0.0.1:${port}`;
  const info = new RedisClient(url);
  return {
    url,
    // redis-server's own CPU seconds, from INFO (a few microseconds of it spent answering).
    cpu: async () => {
      const text = await info.info('cpu');
      const sec = (k: string) => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(text)?.[1] ?? NaN);
      return (sec('used_cpu_user') + sec('used_cpu_sys')) * 1000;
    },
    /** PUBLISH commands redis-server has run so far. */
    publishes: async () => Number(/^cmdstat_publish:calls=(\d+)/m.exec(await info.info('commandstats'))?.[1] ?? 0),
    stop: () => {
      info.disconnect();
      p.kill('SIGKILL');
    },
  };
}

async function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise((ok, fail) => (ws.once('open', ok), ws.once('error', fail)));
  return ws;
}

async function rest(base: string, path: string, body: unknown, token?: string): Promise<any> {
  const r = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  if (r.status >= 300) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

interface Link {
  send(i: number, text: string): void;
}

/** The one message both relays carry, pair i's sender to its receiver: the same text, the same size. */
const messageText = (i: number, seq: number) =>
  `{"from_email":"s${i}@bench.example","from_token":"","from_device":"send","to_email":"r${i}@bench.example","to_device":"recv","event":"ice_candidate","payload":{"candidate":"${seq} ${performance.now().toFixed(3)}","sdpMid":"0","sdpMLineIndex":0}}`;
const messageBytes = Buffer.byteLength(messageText(0, 20_000));

type Received = { count: number; lat: Float64Array; errors: string[] };
/** A receiver's handler, the same for both relays: counts a delivery and its latency. */
const delivered = (received: Received) => (d: WebSocket.RawData) => {
  const m = JSON.parse(d.toString());
  if (m.event !== 'ice_candidate') return;
  const [seq, t] = m.payload.candidate.split(' ');
  received.lat[Number(seq)] = performance.now() - Number(t);
  received.count++;
};

/** Sends `total` messages spread over the pairs, either as fast as a window allows or at `rate`/s; counts every delivery. */
async function load(link: Link, received: Received, total: number, mode: { window: number } | { rate: number }, servers: Measured[], redis: Redis) {
  const cpu = () => Promise.all([...servers, redis].map((p) => p.cpu()));
  const cpu0 = await cpu();
  const publishes0 = await redis.publishes();
  received.count = 0;
  received.lat = new Float64Array(total);
  received.errors.length = 0;
  const t0 = performance.now();
  let sent = 0;
  if ('window' in mode) {
    while (sent < total) {
      while (sent < total && sent - received.count < mode.window) {
        link.send(sent % PAIRS, messageText(sent % PAIRS, sent));
        sent++;
      }
      await new Promise((r) => setImmediate(r));
    }
  } else {
    const perTick = mode.rate / 1000;
    while (sent < total) {
      const due = Math.min(total, Math.floor((performance.now() - t0) * perTick));
      for (; sent < due; sent++) link.send(sent % PAIRS, messageText(sent % PAIRS, sent));
      await new Promise((r) => setTimeout(r, 1));
    }
  }
  const end = Date.now() + 15_000;
  while (received.count + received.errors.length < total && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - t0) / 1000;
  const used = (await cpu()).map((c, i) => c - cpu0[i]);
  const publishes = (await redis.publishes()) - publishes0;
  if (received.count !== total || received.errors.length) {
    throw new Error(`LOST OR REFUSED MESSAGES: sent ${total}, delivered ${received.count}, refused ${received.errors.length} (${received.errors.slice(0, 3).join(' | ')})`);
  }
  const serverMs = used.slice(0, -1).reduce((a, b) => a + b, 0);
  return {
    perSecond: total / seconds,
    perServerCpuSecond: total / (serverMs / 1000),
    redisUsPerMessage: (used[used.length - 1] * 1000) / total,
    publishesPerMessage: publishes / total,
    p50: pct(received.lat, 50),
    p99: pct(received.lat, 99),
  };
}

async function espfleetPair(redisUrl: string) {
  const dir = mkdtempSync(join(tmpdir(), 'espfleet-sigbench-'));
  const cfg = {
    redisUrl, dataDir: dir, open: true,
    signalingMessagesPerSecond: 1e6, signalingMessagesPerSecondPerIp: 1e7, signalingRegisterPerMinute: 1e6, signalingRegisterPerMinutePerIp: 1e7,
    maxBufferedBytes: 64 * 1024 * 1024,
  };
  const pa = await child('espfleet', JSON.stringify(cfg));
  const pb = await child('espfleet', JSON.stringify(cfg));
  return { a: `http://127.0.0.1:${pa.port}`, b: `http://127.0.0.1:${pb.port}`, servers: [pa, pb], dir };
}

/** A relay set up and ready: its senders, what its receivers got, its server processes. */
interface Relay {
  link: Link;
  received: Received;
  servers: Measured[];
  close(): void;
}

async function routed(redis: Redis): Promise<Relay & { dir: string; a: string; b: string }> {
  const { a, b, servers, dir } = await espfleetPair(redis.url);
  const received = { count: 0, lat: new Float64Array(0), errors: [] as string[] };
  const senders: WebSocket[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const [from, to] = [`s${i}@bench.example`, `r${i}@bench.example`];
    for (const e of [from, to]) await rest(a, '/api/v1/auth/register', { email: e, password: 'bench password' });
    const [tf, tt] = [(await rest(a, '/api/v1/auth/login', { email: from, password: 'bench password' })).token, (await rest(a, '/api/v1/auth/login', { email: to, password: 'bench password' })).token];
    const req = await rest(a, '/api/v1/connections', { email: to }, tf);
    await rest(a, `/api/v1/connections/${req.id}/accept`, {}, tt);
    const register = async (base: string, email: string, token: string, device: string) => {
      const ws = await open(base.replace('http', 'ws') + '/socket/');
      ws.send(JSON.stringify({ from_email: email, from_token: token, from_device: device, event: 'register' }));
      await new Promise<void>((ok) => ws.once('message', () => ok()));
      return ws;
    };
    const r = await register(b, to, tt, 'recv');
    r.on('message', delivered(received));
    const s = await register(a, from, tf, 'send');
    s.on('message', (d) => {
      const m = JSON.parse(d.toString());
      if (m.event === 'error' || m.event === 'target_not_found') received.errors.push(m.error);
    });
    senders.push(s);
  }
  return { link: { send: (i, t) => senders[i].send(t) }, received, servers, close: () => senders.forEach((s) => s.close()), dir, a, b };
}

async function bare(redis: Redis): Promise<Relay> {
  const relayIn = await child('bare-in', redis.url);
  const relayOut = await child('bare-out', redis.url);
  const [inPort, outPort] = [relayIn.port, relayOut.port];
  const received = { count: 0, lat: new Float64Array(0), errors: [] as string[] };
  const senders: WebSocket[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const r = await open(`ws://127.0.0.1:${outPort}/?email=r${i}@bench.example`);
    r.on('message', delivered(received));
    senders.push(await open(`ws://127.0.0.1:${inPort}/`));
  }
  return { link: { send: (i, t) => senders[i].send(t) }, received, servers: [relayIn, relayOut], close: () => senders.forEach((s) => s.close()) };
}

/** Both relays under the same load, one right after the other (alternating which goes first), so both meet the same machine. */
async function compare(redis: Redis, relays: { bare: Relay; esp: Relay }, espFirst: boolean) {
  const order = espFirst ? (['esp', 'bare'] as const) : (['bare', 'esp'] as const);
  const out = { bare: {} as { max: Measurement; paced: Measurement }, esp: {} as { max: Measurement; paced: Measurement } };
  for (const k of order) out[k].max = await load(relays[k].link, relays[k].received, MAX_MESSAGES, { window: WINDOW }, relays[k].servers, redis);
  for (const k of order) out[k].paced = await load(relays[k].link, relays[k].received, RATE * RATE_SECONDS, { rate: RATE }, relays[k].servers, redis);
  return out;
}

/** One checker on A connected to 1,000 users whose 10,000 devices are online on B. */
async function check(dir: string, a: string, b: string) {
  const db = new Database(join(dir, 'espfleet.db'));
  const hash = await hashPassword('bench password');
  const now = Date.now();
  const addUser = db.prepare('INSERT INTO signaling_users (email, password_hash, created_at) VALUES (?, ?, ?) RETURNING id');
  const addToken = db.prepare('INSERT INTO signaling_tokens (token, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)');
  const addConn = db.prepare("INSERT INTO signaling_connections (requester_id, addressee_id, user_low, user_high, status, created_at, updated_at) VALUES (?, ?, ?, ?, 'accepted', ?, ?)");
  db.transaction(() => {
    const me = (addUser.get('checker@bench.example', hash, now) as { id: number }).id;
    addToken.run('checker-token', me, now, now + 3600_000);
    for (let i = 0; i < CHECK_USERS; i++) {
      const id = (addUser.get(`friend${i}@bench.example`, hash, now) as { id: number }).id;
      addToken.run(`friend-token-${i}`, id, now, now + 3600_000);
      addConn.run(me, id, Math.min(me, id), Math.max(me, id), now, now);
    }
  })();
  db.close();
  const devices: WebSocket[] = [];
  const wsB = b.replace('http', 'ws') + '/socket/';
  for (let i = 0; i < CHECK_USERS * CHECK_DEVICES_EACH; i += 250) {
    devices.push(
      ...(await Promise.all(
        Array.from({ length: 250 }, async (_, k) => {
          const n = i + k;
          const u = Math.floor(n / CHECK_DEVICES_EACH);
          const ws = await open(wsB);
          ws.send(JSON.stringify({ from_email: `friend${u}@bench.example`, from_token: `friend-token-${u}`, from_device: `dev${n % CHECK_DEVICES_EACH}`, event: 'register', payload: { device_name: `Device ${n}`, device_type: 'mobile' } }));
          const r = await new Promise<any>((ok) => ws.once('message', (d) => ok(JSON.parse(d.toString()))));
          if (r.status !== 'ok') throw new Error(`device ${n} not registered: ${JSON.stringify(r)}`);
          return ws;
        }),
      )),
    );
  }
  const me = await open(a.replace('http', 'ws') + '/socket/');
  me.send(JSON.stringify({ from_email: 'checker@bench.example', from_token: 'checker-token', from_device: 'checker', event: 'register' }));
  await new Promise((ok) => me.once('message', ok));
  const times: number[] = [];
  let count = 0;
  for (let i = 0; i < CHECK_TIMES; i++) {
    const t = performance.now();
    me.send(JSON.stringify({ from_email: 'checker@bench.example', event: 'check' }));
    const list = await new Promise<any>((ok) => {
      const on = (d: WebSocket.RawData) => {
        const m = JSON.parse(d.toString());
        if (Array.isArray(m)) (me.off('message', on), ok(m));
      };
      me.on('message', on);
    });
    times.push(performance.now() - t);
    count = list.reduce((n: number, u: { devices: unknown[] }) => n + u.devices.length, 0);
  }
  if (count !== CHECK_USERS * CHECK_DEVICES_EACH) throw new Error(`check listed ${count} devices, not ${CHECK_USERS * CHECK_DEVICES_EACH}`);
  for (const d of devices) d.terminate();
  me.terminate();
  return { devices: count, p50: pct(times, 50), p99: pct(times, 99) };
}

type Measurement = Awaited<ReturnType<typeof load>>;
const runs: Array<Awaited<ReturnType<typeof compare>> & { check: Awaited<ReturnType<typeof check>> }> = [];
const loadBefore = os.loadavg().map((x) => x.toFixed(2)).join(' ');
const redisVersion = /v=(\S+)/.exec(execFileSync('/usr/bin/redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
try {
  for (let r = 0; r < RUNS; r++) {
    const redis = await redisServer();
    try {
      const relays = { bare: await bare(redis), esp: await routed(redis) };
      await new Promise((r) => setTimeout(r, 300));
      const m = await compare(redis, relays, r % 2 === 1);
      relays.bare.close();
      relays.esp.close();
      const c = await check(relays.esp.dir, relays.esp.a, relays.esp.b);
      runs.push({ ...m, check: c });
      rmSync(relays.esp.dir, { recursive: true, force: true });
      console.error(`signaling run ${r + 1}: espfleet ${Math.round(m.esp.max.perSecond)} msg/s, bare ${Math.round(m.bare.max.perSecond)} msg/s; check ${c.p50.toFixed(1)} ms`);
    } finally {
      for (const c of children.splice(0)) c.kill('SIGKILL');
      redis.stop();
    }
  }
} finally {
  for (const c of children) c.kill('SIGKILL');
}

const med = median;
const f = (x: number, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const cell = (xs: number[], d = 0, unit = '') => `${f(med(xs), d)}${unit} (${f(Math.min(...xs), d)}–${f(Math.max(...xs), d)})`;
const pick = (g: (r: (typeof runs)[number]) => number) => runs.map(g);
const row = (label: string, total: number, kind: 'bare' | 'espfleet', g: (r: (typeof runs)[number]) => Measurement, bareOf: (r: (typeof runs)[number]) => Measurement) => {
  const of = (k: keyof Measurement) => pick((r) => g(r)[k]);
  const ratio = (k: 'perSecond' | 'perServerCpuSecond') => (kind === 'bare' ? '1.00' : cell(pick((r) => g(r)[k] / bareOf(r)[k]), 2));
  return `| ${label} | ${kind} | ${f(total)} each run | ${cell(of('perSecond'))} | ${ratio('perSecond')} | ${cell(of('perServerCpuSecond'))} | ${ratio('perServerCpuSecond')} | ${cell(of('publishesPerMessage'), 2)} | ${cell(of('redisUsPerMessage'), 1, ' µs')} | ${cell(of('p50'), 1, ' ms')} | ${cell(of('p99'), 1, ' ms')} |`;
};
const full = `full speed (${f(WINDOW)} in flight)`;
const paced = `offered ${f(RATE)}/s for ${RATE_SECONDS} s`;
const section = [
  '## (d) Signaling: routed messages between two instances over Redis, next to a bare Redis relay',
  '',
  `- Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}; redis-server ${redisVersion}; ${new Date().toISOString()}`,
  `- Command: \`npm run bench:signaling -w @espfleet/host-server\` (the two servers of each relay, redis-server and the bench's clients in separate processes, loopback only); load average ${loadBefore} before, ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} after (other work shares the cores: compare the ratios, which are within one run)`,
  '',
  `${PAIRS} users on instance A send \`ice_candidate\` to a connected user's device on instance B: token, rate limits, parse and validation, connection check, local lookup, then Redis on \`socket:messages\` and delivery by B (A knows from their \`user_joined\` that the receivers are on B, so every message goes straight to B, those of one event-loop turn in one PUBLISH, answered in bulk; a device A has not seen join would get one broadcast message first). The bare relay is WebSocket in → PUBLISH → SUBSCRIBE → WebSocket out with nothing else: one PUBLISH per message (ioredis pipelines a turn's into one write), its exit parsing each message to find the socket; only its exit subscribes, while both espfleet instances do (the spec's one channel), so Redis sends espfleet's frames to both. Both relays get the same ${PAIRS} senders, the same message texts (${messageBytes} bytes) and the same window, on the same redis-server of the bench's own, in the same run, each load on one relay right after the same load on the other (which goes first alternates); ${RUNS} runs: median (range). Server CPU is the user + system time of the relay's two server processes during the load (messages per server CPU-second is their own cost, whatever else runs on the machine); Redis CPU is redis-server's own; PUBLISHes per message are redis-server's count. No warm-up: each full-speed load starts with a burst of ${f(WINDOW)}. Every message is counted; a lost or refused one fails the bench.`,
  '',
  '| load | relay | delivered | messages/s (wall) | ratio to bare | messages per server CPU-second | ratio to bare | PUBLISHes per message | Redis CPU per message | p50 latency | p99 latency |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  row(full, MAX_MESSAGES, 'bare', (r) => r.bare.max, (r) => r.bare.max),
  row(full, MAX_MESSAGES, 'espfleet', (r) => r.esp.max, (r) => r.bare.max),
  row(paced, RATE * RATE_SECONDS, 'bare', (r) => r.bare.paced, (r) => r.bare.paced),
  row(paced, RATE * RATE_SECONDS, 'espfleet', (r) => r.esp.paced, (r) => r.bare.paced),
  '',
  `Targets (issue 11): at least 0.8× the bare relay, p99 under 20 ms at an offered ${f(RATE)}/s. Medians here: ${f(med(pick((r) => r.esp.max.perSecond / r.bare.max.perSecond)), 2)}× bare by wall clock and ${f(med(pick((r) => r.esp.max.perServerCpuSecond / r.bare.max.perServerCpuSecond)), 2)}× by server CPU at full speed (${f(med(pick((r) => r.esp.paced.perServerCpuSecond / r.bare.paced.perServerCpuSecond)), 2)}× by CPU at ${f(RATE)}/s); p99 ${f(med(pick((r) => r.esp.paced.p99)), 1)} ms at ${f(RATE)}/s (bare ${f(med(pick((r) => r.bare.paced.p99)), 1)} ms).`,
  '',
  '## (e) Signaling: `check` with 10,000 online devices',
  '',
  `A user on instance A connected to ${f(CHECK_USERS)} users whose ${f(CHECK_USERS * CHECK_DEVICES_EACH)} devices are registered on instance B; ${CHECK_TIMES} checks one after another, each answer verified to list every device.`,
  '',
  '| devices listed | p50 | p99 |',
  '| ---: | ---: | ---: |',
  `| ${f(runs[0].check.devices)} | ${cell(pick((r) => r.check.p50), 1, ' ms')} | ${cell(pick((r) => r.check.p99), 1, ' ms')} |`,
  '',
];
// Only sections (d) and (e) are replaced (or appended): the others are other benches'.
const file = join(here, 'RESULTS.md');
const prior = readFileSync(file, 'utf8');
const at = prior.indexOf('## (d) Signaling');
const e = prior.indexOf('## (e) Signaling', at);
const end = at < 0 ? -1 : prior.indexOf('\n## ', e < 0 ? at + 1 : e + 1);
const text = section.join('\n');
if (process.env.BENCH_WRITE !== '0') writeFileSync(file, at < 0 ? `${prior.trimEnd()}\n\n${text}` : prior.slice(0, at) + text + (end < 0 ? '' : `\n${prior.slice(end + 1)}`));
console.error(section.join('\n'));
