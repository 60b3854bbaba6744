// The servers of bench/gateway.ts, one per child process: `espfleet` (the host server, whose
// gateway emits a device's `state` events the way a charger's status changes do) or `bare` (a
// plain Socket.io server on /ws emitting the same payloads to the same namespace).
// Prints `ready <port> <namespace> <apiKey>`; on stdin `burst N` emits N events, then prints `sent`;
// `cpu` prints the process's user + system CPU time in ms.
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { startServer } from '../src/server.js';
import { mintApiKey } from '../src/gateway/apiKeys.js';

const kind = process.argv[2];
let burst: (n: number) => void;
if (kind === 'espfleet') {
  const s = await startServer({ port: 0, host: '127.0.0.1', open: true, logLevel: 'silent', dataDir: mkdtempSync(join(tmpdir(), 'espfleet-bench-gw-')) });
  const device = await s.store.createDevice({ name: 'bench', kind: 'charger', status: 'disponible' });
  await s.store.markDeviceProvisioned(device.id, Date.now());
  const k = mintApiKey();
  await s.store.createApiKey({ deviceId: device.id, name: 'bench', prefix: k.prefix, hash: k.hash });
  burst = (n) => {
    for (let i = 0; i < n; i++) s.gateway.lifecycle(device.id, { kind: 'state', status: `s${i}` });
  };
  console.log(`ready ${new URL(s.url).port} /device/${device.id} ${k.key}`);
} else {
  const http = createServer();
  const io = new Server(http, { path: '/ws', serveClient: false });
  const nsp = io.of('/device/1');
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  burst = (n) => {
    for (let i = 0; i < n; i++) nsp.emit('state', { deviceId: '1', status: `s${i}`, timestamp: Date.now() });
  };
  console.log(`ready ${(http.address() as AddressInfo).port} /device/1 -`);
}
for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, arg] = line.split(' ');
  if (cmd === 'burst') {
    burst(Number(arg));
    console.log('sent');
  } else if (cmd === 'cpu') {
    const c = process.cpuUsage();
    console.log(`cpu ${(c.user + c.system) / 1000}`);
  }
}
process.exit(0);
