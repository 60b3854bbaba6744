// The processes of the signaling bench, one per process:
//   espfleet <json config>  — an espfleet host server (the config's redisUrl, dataDir, limits)
//   bare-in <redisUrl>      — a bare relay's entry: every WebSocket message is PUBLISHed as it is
//   bare-out <redisUrl>     — a bare relay's exit: SUBSCRIBEs and sends each message to the socket
//                             that connected with ?email=<to_email>
// Print one JSON line {"port":…} when ready, then answer "cpu" on stdin with {"cpuMs":…} (the
// process's user + system CPU so far), so the bench measures each server's own cost.
import { createInterface } from 'node:readline';
import { WebSocketServer, WebSocket } from 'ws';
import { Redis } from 'ioredis';
import { startServer } from '../src/server.js';

const [kind, arg] = process.argv.slice(2);
const CHANNEL = 'bench:bare';

async function main(): Promise<number> {
  if (kind === 'espfleet') return Number(new URL((await startServer({ port: 0, logLevel: 'error', ...JSON.parse(arg) })).url).port);
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise((r) => wss.once('listening', r));
  if (kind === 'bare-in') {
    const pub = new Redis(arg, { enableAutoPipelining: true });
    wss.on('connection', (ws) => ws.on('message', (d) => void pub.publish(CHANNEL, d.toString())));
  } else {
    const byEmail = new Map<string, WebSocket>();
    wss.on('connection', (ws, req) => byEmail.set(new URL(req.url ?? '/', 'http://x').searchParams.get('email') ?? '', ws));
    const sub = new Redis(arg);
    await sub.subscribe(CHANNEL);
    sub.on('message', (_c, text: string) => byEmail.get((JSON.parse(text) as { to_email: string }).to_email)?.send(text));
  }
  return (wss.address() as { port: number }).port;
}

main().then((port) => {
  // The server's own log lines may share stdout: the bench picks the lines it asked for by their key.
  process.stdout.write(JSON.stringify({ port }) + '\n');
  createInterface({ input: process.stdin }).on('line', (l) => {
    if (l.trim() !== 'cpu') return;
    const c = process.cpuUsage();
    process.stdout.write(JSON.stringify({ cpuMs: (c.user + c.system) / 1000 }) + '\n');
  });
});
