// The simulated fleet of the end-to-end bench in its own process: N valves and M chargers running
// the real firmware on the wall clock, chargers publishing to the host at argv[4]. Prints one
// JSON line when every valve listens and every device runs; then answers stdin lines:
// `tap I UID` (a card on charger I), `stop I` (the card taken away, its STOP button), `cpu` (this
// process's CPU ms).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { Fleet, WallClock } from '@espfleet/simulator';

const [nv, nc, server] = process.argv.slice(2);
const nodeRequire = createRequire(import.meta.url);
const bundle = (app: string) => readFileSync(nodeRequire.resolve(`@espfleet/firmware/dist/${app}.js`), 'utf8');
const fleet = new Fleet({ clock: new WallClock(), valves: Number(nv), chargers: Number(nc), valveBundle: bundle('valve'), chargerBundle: bundle('charger'), server, seed: 11 });
fleet.start();
const end = Date.now() + 120_000;
while (!fleet.valves.every((v) => v.port !== undefined && v.esp.online)) {
  if (Date.now() > end) throw new Error('the simulated valves did not come online');
  await new Promise((r) => setTimeout(r, 50));
}
const say = (m: unknown) => process.stdout.write(JSON.stringify(m) + '\n');
say({ type: 'ready', valves: fleet.valves.map((v) => ({ id: v.id, port: v.port, passkey: String(v.config.passkey) })) });
for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, a, b] = line.trim().split(' ');
  if (cmd === 'tap') fleet.chargers[Number(a) - 1].placeCard(b);
  else if (cmd === 'stop') {
    fleet.chargers[Number(a) - 1].removeCard();
    fleet.chargers[Number(a) - 1].pressStop();
  }
  else if (cmd === 'cpu') {
    const c = process.cpuUsage();
    say({ type: 'cpu', ms: (c.user + c.system) / 1000 });
  }
}
fleet.stop();
process.exit(0);
