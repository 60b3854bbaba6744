// npm run bench:gateway -w @espfleet/host-server
// (f) Socket.io fan-out: one device's events to N subscribers of its namespace, through the
// espfleet gateway and through a bare Socket.io server, same run, 3 runs each (median, range).
// Servers run in child processes; the socket.io-client subscribers here. Bounded in count and time.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { median } from './stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const SUBSCRIBERS = Number(process.env.BENCH_GATEWAY_SUBSCRIBERS ?? 1000);
const EVENTS = Number(process.env.BENCH_GATEWAY_EVENTS ?? 100);
const RUNS = 3;
const TIMEOUT_MS = 60_000;

async function server(kind: 'espfleet' | 'bare') {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(here, 'gatewayServers.ts'), kind], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const waiting: Array<(l: string) => void> = [];
  lines.on('line', (l) => waiting.shift()?.(l));
  const next = () => new Promise<string>((r) => waiting.push(r));
  const [, port, ns, key] = (await next()).split(' ');
  return { port: Number(port), ns, key, child, next, send: (l: string) => child.stdin!.write(l + '\n') };
}

async function measure(kind: 'espfleet' | 'bare'): Promise<number[]> {
  const s = await server(kind);
  const clients: Socket[] = [];
  let received = 0;
  try {
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const c = io(`http://127.0.0.1:${s.port}${s.ns}`, { path: '/ws', transports: ['websocket'], query: { apiKey: s.key }, reconnection: false, forceNew: true });
      c.on('state', () => received++);
      clients.push(c);
    }
    const end = Date.now() + TIMEOUT_MS;
    while (clients.some((c) => !c.connected)) {
      if (Date.now() > end) throw new Error(`${kind}: subscribers did not connect`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const rates: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      received = 0;
      const t0 = process.hrtime.bigint();
      s.send(`burst ${EVENTS}`);
      await s.next();
      while (received < SUBSCRIBERS * EVENTS) {
        if (Date.now() > end + TIMEOUT_MS) throw new Error(`${kind}: ${received} of ${SUBSCRIBERS * EVENTS} deliveries`);
        await new Promise((r) => setImmediate(r));
      }
      rates.push((SUBSCRIBERS * EVENTS) / (Number(process.hrtime.bigint() - t0) / 1e9));
    }
    return rates;
  } finally {
    for (const c of clients) c.close();
    s.child.kill();
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const bare = await measure('bare');
const espfleet = await measure('espfleet');
console.log(`(f) Socket.io fan-out: ${SUBSCRIBERS} subscribers × ${EVENTS} events, ${RUNS} runs`);
console.log(`| server | deliveries/s median | range |`);
console.log(`| --- | --- | --- |`);
console.log(`| bare Socket.io | ${fmt(median(bare))} | ${fmt(Math.min(...bare))}–${fmt(Math.max(...bare))} |`);
console.log(`| espfleet gateway | ${fmt(median(espfleet))} | ${fmt(Math.min(...espfleet))}–${fmt(Math.max(...espfleet))} |`);
console.log(`ratio espfleet/bare (medians): ${(median(espfleet) / median(bare)).toFixed(2)}×`);
process.exit(0);
