// The servers under test, each run in its own process by the benches:
//   espfleet <stations> [databaseUrl] [dataDir] [prefill]
//                       — the espfleet host server (open mode; SQLite in dataDir, or a temp dir,
//                          unless a PostgreSQL URL is given), with `stations` stations seeded as
//                          POST /stations makes them (each with its device and power, voltage and
//                          current sensors), a user and a card each (CARD-<id>); with `prefill`,
//                          each station has an open session already holding that many readings
//                          (one a second, ending 1,500 s ago), written straight to the database.
//   espfleet-lossy …    — the same server dropping every 100th charger reading (the bench's checks must catch it).
//   bare                — a bare `ws` server: what a publisher sends goes to every other client,
//                          framed once for all of them (as espfleet frames a broadcast once).
//   bare-lossy          — the same, skipping its first subscriber for every 7th message (the bench's checks must catch it).
//   socketio            — a bare Socket.io server on /ws: a socket's `m` event is broadcast to the
//                          other sockets of its namespace.
// Prints one JSON line {"port":…} when ready, then answers "mem", "cpu" and "gc" on stdin.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import * as wsModule from 'ws';
import { WebSocketServer, WebSocket } from 'ws';
import { Server as SocketIo } from 'socket.io';
import { startServer } from '../src/server.js';
import { prefillSessions } from './prefill.js';
import { seedStations } from './seedStations.js';

const [kind, arg, databaseUrl, dataDirArg, prefillArg] = process.argv.slice(2);

function mem() {
  global.gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed + m.external + m.arrayBuffers };
}

type FrameSender = { sendFrame(list: Buffer[]): void };
const { Sender } = wsModule as unknown as { Sender: { frame(d: Buffer, o: object): Buffer[] } };

async function main() {
  let port: number;
  if (kind === 'bare' || kind === 'bare-lossy') {
    let seq = 0;
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
    wss.on('connection', (ws: WebSocket, req) => {
      if (!req.url?.includes('publisher')) return;
      ws.on('message', (data) => {
        const frame = Sender.frame(Buffer.from(data as Buffer), { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false });
        let skip = kind === 'bare-lossy' && ++seq % 7 === 0;
        for (const c of wss.clients) {
          if (c === ws || c.readyState !== WebSocket.OPEN) continue;
          if (skip) skip = false;
          else (c as unknown as { _sender: FrameSender })._sender.sendFrame(frame);
        }
      });
    });
    await new Promise((r) => wss.once('listening', r));
    port = (wss.address() as { port: number }).port;
  } else if (kind === 'socketio') {
    const http = createServer();
    const io = new SocketIo(http, { path: '/ws', serveClient: false });
    io.of('/bench').on('connection', (socket) => socket.on('m', (text: string) => socket.broadcast.emit('m', text)));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    port = (http.address() as { port: number }).port;
  } else {
    const dataDir = dataDirArg || mkdtempSync(join(tmpdir(), 'espfleet-bench-'));
    const s = await startServer({ port: 0, host: '127.0.0.1', open: true, databaseUrl: databaseUrl || undefined, dataDir, logLevel: 'silent', heartbeatMs: 600_000 });
    const n = Number(arg ?? 1);
    const users = await seedStations(s.store, n);
    const prefill = Number(prefillArg || 0);
    if (prefill > 0) await prefillSessions(s.store, users, prefill, databaseUrl ? { databaseUrl } : { file: join(dataDir, 'espfleet.db') });
    if (kind === 'espfleet-lossy') {
      const hub = s.chargers as unknown as { message(peer: unknown, text: string): void };
      const message = hub.message.bind(hub);
      let seen = 0;
      hub.message = (peer, text) => {
        if (text.includes('"metrics"') && ++seen % 100 === 0) return;
        message(peer, text);
      };
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
// A clean exit on the bench's kill, so `--cpu-prof` profiles get written.
process.on('SIGTERM', () => process.exit(0));
