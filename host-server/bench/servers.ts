// The servers under test, each run in its own process by bench/run.ts:
//   espfleet <stations>  — the espfleet host server (open mode, SQLite in a temp dir), with
//                          `stations` stations, users and cards seeded for the load.
//   bare                 — a bare `ws` server: what a publisher sends goes to every other client.
// Prints one JSON line {"port":…} when ready, then answers "mem" and "cpu" on stdin.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { WebSocketServer, WebSocket } from 'ws';
import { startServer } from '../src/server.js';

const [kind, arg] = process.argv.slice(2);

function mem() {
  global.gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed + m.external + m.arrayBuffers };
}

async function main() {
  let port: number;
  if (kind === 'bare') {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
    wss.on('connection', (ws: WebSocket, req) => {
      if (!req.url?.includes('publisher')) return;
      ws.on('message', (data) => {
        const text = data.toString();
        for (const c of wss.clients) if (c !== ws && c.readyState === WebSocket.OPEN) c.send(text);
      });
    });
    await new Promise((r) => wss.once('listening', r));
    port = (wss.address() as { port: number }).port;
  } else {
    const s = await startServer({ port: 0, open: true, dataDir: mkdtempSync(join(tmpdir(), 'espfleet-bench-')), logLevel: 'silent', heartbeatMs: 600_000 });
    const n = Number(arg ?? 1);
    for (let i = 1; i <= n; i++) {
      await s.store.createStation({ id: i, name: `E${i}`, tariff: 7 });
      const u = await s.store.createUser({ name: `User ${i}` });
      await s.store.createCard({ uid: `CARD-${i}`, userId: u.id });
    }
    port = Number(new URL(s.url).port);
  }
  process.stdout.write(JSON.stringify({ port, ...mem() }) + '\n');
  createInterface({ input: process.stdin }).on('line', (l) => {
    if (l.trim() === 'mem') process.stdout.write(JSON.stringify(mem()) + '\n');
    if (l.trim() === 'cpu') {
      const c = process.cpuUsage();
      process.stdout.write(JSON.stringify({ cpuMs: (c.user + c.system) / 1000 }) + '\n');
    }
  });
}

void main();
