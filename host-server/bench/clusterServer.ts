// One instance of the cross-instance bench (bench/cluster.ts) in its own process: the espfleet
// host server on the given PostgreSQL schema and Redis (none: alone); with a station count, it seeds that many
// stations, users and cards first. Prints one JSON line {"port":…} when ready, answers "cpu" on stdin.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startServer } from '../src/server.js';
import { seedStations } from './seedStations.js';

const [databaseUrl, redisUrl, seed] = process.argv.slice(2);
const s = await startServer({ port: 0, open: true, databaseUrl, redisUrl: redisUrl || undefined, dataDir: mkdtempSync(join(tmpdir(), 'espfleet-bench-')), logLevel: 'warn', heartbeatMs: 600_000 });
await seedStations(s.store, Number(seed ?? 0));
process.stdout.write(JSON.stringify({ port: Number(new URL(s.url).port) }) + '\n');
createInterface({ input: process.stdin }).on('line', (l) => {
  if (l.trim() !== 'cpu') return;
  const c = process.cpuUsage();
  process.stdout.write(JSON.stringify({ cpuMs: (c.user + c.system) / 1000 }) + '\n');
});
process.on('SIGTERM', () => void s.close().then(() => process.exit(0)));
