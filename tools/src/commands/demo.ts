// espfleet demo: the server on embedded defaults (open, SQLite) with a simulated fleet wired to
// it, on one command. Valves run the real valve firmware (firmware/dist/valve.js) on fixed
// loopback ports and are registered with the host: the host's link to them is what moves them
// and what the dashboard shows. Chargers run the real charger firmware (firmware/dist/charger.js)
// and connect as their stations' publishers; each station has its own user and card, tapped
// from the demo's console (stdin: tap N, emergency N, …).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { startServer, type EspfleetServer } from '@espfleet/host-server';
import { SimulatedCharger, WallClock, type SimulatedDevice } from '@espfleet/simulator';
import { type Command, type Output, UsageError, intOption } from '../command.js';
import { exitWhenFlushed, stopOnSignal } from '../shutdown.js';
import { STOP_DEADLINE_MS } from './serve.js';
import { ensureStations } from '../demo/demoPeople.js';
import { startDemoValves, removeStandIns, type DemoValve } from '../demo/demoValves.js';
import { DemoConsole, CONSOLE_HELP, type DemoStation } from '../demo/demoConsole.js';

const nodeRequire = createRequire(import.meta.url);
/** How long the demo waits for every valve to be linked and every charger connected before it says which are not. */
const READY_WAIT_MS = 30_000;

function firmware(app: 'valve' | 'charger'): string {
  try {
    return readFileSync(nodeRequire.resolve(`@espfleet/firmware/dist/${app}.js`), 'utf8');
  } catch {
    throw new UsageError(`no ${app} firmware bundle: build the firmware (npm run build -w @espfleet/firmware)`);
  }
}

/** Waits, showing progress, until the host links to every valve and every charger is connected. */
async function waitLive(server: EspfleetServer, valves: DemoValve[], stations: DemoStation[], out: Output, stopping: () => boolean): Promise<void> {
  const started = Date.now();
  let shown = '';
  while (!stopping()) {
    const linked = valves.filter((v) => server.valves.get(v.valveId)?.online).length;
    let connected = 0;
    for (const s of stations) if ((await server.chargers.snapshot(s.person.station))?.connected) connected++;
    if (linked === valves.length && connected === stations.length) return;
    const waited = Date.now() - started;
    if (waited > READY_WAIT_MS) {
      out.error(`after ${READY_WAIT_MS / 1000} s, ${linked}/${valves.length} valves are linked and ${connected}/${stations.length} chargers connected; they keep retrying`);
      return;
    }
    const text = `waiting for the fleet: ${linked}/${valves.length} valves linked to the host, ${connected}/${stations.length} chargers connected (${Math.round(waited / 1000)} s)`;
    if (text !== shown) out.progress(text);
    shown = text;
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface DemoFleet {
  valves: DemoValve[];
  stations: DemoStation[];
}

/** Stations, users and cards; the valves, registered; the chargers, connected; each step with progress. */
async function wire(
  server: EspfleetServer,
  o: { nv: number; nc: number; valveBundle: string; chargerBundle: string; out: Output; devices: SimulatedDevice[]; stopping: () => boolean },
): Promise<DemoFleet | undefined> {
  const { out } = o;
  const clock = new WallClock();
  out.progress('preparing stations, users and cards…');
  const people = await ensureStations(server.store, o.nc);
  await removeStandIns(server.store);
  const valves = await startDemoValves({
    hub: server.valves,
    count: o.nv,
    bundle: o.valveBundle,
    clock,
    progress: (t) => out.progress(t),
    started: (sim) => o.devices.push(sim),
  });
  const stations: DemoStation[] = [];
  for (const person of people) {
    if (o.stopping()) return undefined;
    out.progress(`starting charger ${person.station}/${o.nc} (charger firmware)…`);
    const charger = new SimulatedCharger({
      id: `charger-${person.station}`,
      bundle: o.chargerBundle,
      bundleName: 'charger.js',
      clock,
      estacionId: person.station,
      server: `${server.url.replace(/^http/, 'ws')}/ws`,
    });
    o.devices.push(charger.start());
    stations.push({ person, charger });
  }
  await waitLive(server, valves, stations, out, o.stopping);
  return { valves, stations };
}

function introduce(url: string, valves: DemoValve[], stations: DemoStation[], out: Output): void {
  const lines = [
    '',
    'espfleet demo running',
    `  dashboard       ${url}/`,
    `  WebSocket test  ${url}/websocket-test/`,
  ];
  if (valves.length) {
    lines.push('  valves (real valve firmware; the host links to them and the dashboard moves them):');
    for (const v of valves) lines.push(`    #${v.valveId} ${v.name}  ws://127.0.0.1:${v.port}/ws  passkey ${v.passkey}`);
  }
  if (stations.length) {
    lines.push('  stations (real charger firmware, connected to the server):');
    for (const s of stations) lines.push(`    Estación ${s.person.station}  ${s.person.name}, card ${s.person.card}`);
  }
  lines.push('', 'Try:');
  const v = valves[0];
  if (v) {
    lines.push(`  npx espfleet valve move 45 --host 127.0.0.1 --port ${v.port} --passkey ${v.passkey}    # ${v.name} at its own WebSocket; the dashboard follows`);
    lines.push(`  curl -X POST ${url}/api/v1/valves/${v.valveId}/close                                # through the host, as the dashboard does`);
    lines.push(`  npx espfleet valve list --server ${url}`);
  }
  if (stations.length) {
    lines.push('', 'Type here, then Enter:');
    for (const l of CONSOLE_HELP) lines.push(`  ${l}`);
  }
  lines.push('', 'Ctrl-C stops everything.');
  out.say(lines.join('\n'));
}

export const demo: Command = {
  name: 'demo',
  summary: 'Start the server on embedded defaults and a simulated fleet wired to it; print the dashboard URL.',
  usage: 'espfleet demo [--port N] [--valves N] [--chargers N] [--data-dir DIR]',
  options: {
    port: { type: 'string', value: 'N', help: 'HTTP and WebSocket port (env ESPFLEET_PORT or PORT; default 3000)' },
    valves: { type: 'string', value: 'N', default: '3', help: 'simulated valves' },
    chargers: { type: 'string', value: 'N', default: '2', help: 'simulated chargers, each at its own station with its own user and card' },
    'data-dir': { type: 'string', value: 'DIR', default: './data/demo', help: 'where the demo database lives' },
  },
  examples: ['espfleet demo', 'espfleet demo --port 8080 --valves 5', 'ESPFLEET_PORT=3100 espfleet demo'],
  async run(o, out: Output) {
    const port = intOption(o.port ?? (process.env.ESPFLEET_PORT || process.env.PORT || '3000'), 'port', 0, 65535);
    const nv = intOption(o.valves, 'valves', 0, 100);
    const nc = intOption(o.chargers, 'chargers', 0, 100);
    const valveBundle = nv ? firmware('valve') : '';
    const chargerBundle = nc ? firmware('charger') : '';
    out.progress('starting the server…');
    let server: EspfleetServer;
    try {
      server = await startServer({ port, open: true, dataDir: String(o['data-dir']), logLevel: 'warn' });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new UsageError(err.code === 'EADDRINUSE' ? `port ${port} is in use; choose another with --port` : err.message);
    }
    // Ctrl-C is taken from here on: a stop during the set-up stops what has started so far.
    const devices: SimulatedDevice[] = [];
    let typed: DemoConsole | undefined;
    let stopping: Promise<void> | undefined;
    const stopAll = () =>
      (stopping ??= (async () => {
        typed?.close();
        for (const d of devices) d.stop();
        await server.close();
      })());
    const stopped = stopOnSignal({
      deadlineMs: STOP_DEADLINE_MS,
      stop: stopAll,
      onStopping: () => out.say('stopping… (Ctrl-C again to exit at once)'),
      onDeadline: () => out.error('stopped before queued work finished: unprocessed messages are dropped'),
      onSecond: () => out.error('second Ctrl-C: exiting at once'),
    });
    let fleet: DemoFleet | undefined;
    try {
      fleet = await wire(server, { nv, nc, valveBundle, chargerBundle, out, devices, stopping: () => stopping !== undefined });
    } catch (e) {
      // A step that failed because a Ctrl-C closed the server under it is part of that stop.
      if (!stopping) {
        await stopAll();
        throw e;
      }
    }
    if (stopping || !fleet) {
      // Devices that started while the stop ran.
      for (const d of devices) d.stop();
      return exitWhenFlushed(await stopped);
    }
    const { valves, stations } = fleet;
    introduce(server.url, valves, stations, out);
    out.emit({
      type: 'demo',
      url: server.url,
      dashboard: `${server.url}/`,
      valves: valves.map((v) => ({ valveId: v.valveId, name: v.name, port: v.port, passkey: v.passkey })),
      stations: stations.map((s) => s.person),
    });
    typed = new DemoConsole({ stations, valves, out, resetStation: async (id) => void (await server.chargers.reset(id)) });
    return exitWhenFlushed(await stopped);
  },
};
