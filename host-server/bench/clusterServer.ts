// One instance of the cross-instance bench (bench/cluster.ts) in its own process: the espfleet
// host server on the given PostgreSQL schema and Redis (none: alone); with a station count, it seeds that many
// stations, users and cards first. Prints one JSON line {"port":…} when ready, answers "cpu" on stdin.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startServer } from '../src/server.js';
import { STATION_SENSORS } from '../src/http/api.js';

const [databaseUrl, redisUrl, seed] = process.argv.slice(2);
const s = await startServer({ port: 0, open: true, databaseUrl, redisUrl: redisUrl || undefined, dataDir: mkdtempSync(join(tmpdir(), 'espfleet-bench-')), logLevel: 'warn', heartbeatMs: 600_000 });
for (let i = 1; i <= Number(seed ?? 0); i++) {
  // As POST /stations makes them: each with its device and power, voltage and current sensors.
  await s.store.createStationWithDevice({
    station: { id: i, name: `E${i}`, tariff: 7, status: 'desconectado' },
    device: { name: `E${i}`, kind: 'charger', status: 'desconectado' },
    sensors: STATION_SENSORS,
    maxId: 999_999_999,
  });
  const u = await s.store.createUser({ name: `User ${i}` });
  await s.store.createCard({ uid: `CARD-${i}`, userId: u.id });
}
process.stdout.write(JSON.stringify({ port: Number(new URL(s.url).port) }) + '\n');
createInterface({ input: process.stdin }).on('line', (l) => {
  if (l.trim() !== 'cpu') return;
  const c = process.cpuUsage();
  process.stdout.write(JSON.stringify({ cpuMs: (c.user + c.system) / 1000 }) + '\n');
});
process.on('SIGTERM', () => void s.close().then(() => process.exit(0)));
