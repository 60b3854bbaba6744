// espfleet demo: the server on embedded defaults with a simulated fleet, on one command.
// Valves run the real firmware (firmware/dist/valve.js) and are swept through their own
// WebSocket, as the bench CLI moves them. Chargers run the real charger firmware
// (firmware/dist/charger.js) and connect to the server as its stations' publishers (the demo
// server is open, so they need no token); a card tapped on the first starts a session the
// dashboard shows. Until the host links to valves, a bridge publishes what the emulated valve
// chips measure (angle and motor current) into the server's sensor streams.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { startServer } from '@espfleet/host-server';
import { Fleet, WallClock, type SimulatedValve } from '@espfleet/simulator';
import { type Command, type Output, UsageError, intOption } from '../command.js';
import { stopOnSignal } from '../shutdown.js';
import { STOP_DEADLINE_MS } from './serve.js';
import { ValveConnection } from '../valve/client.js';

const nodeRequire = createRequire(import.meta.url);

function firmware(app: 'valve' | 'charger'): string {
  try {
    return readFileSync(nodeRequire.resolve(`@espfleet/firmware/dist/${app}.js`), 'utf8');
  } catch {
    throw new UsageError(`no ${app} firmware bundle: build the firmware (npm run build -w @espfleet/firmware)`);
  }
}

/** The card the demo taps on the first charger, registered to the first station's user. */
const DEMO_CARD = '04A1B2C3';

/** Moves a valve as a bench client would: authenticate, set_valve_basic, close. */
async function moveValve(v: SimulatedValve, angle: number): Promise<void> {
  if (!v.running || !v.esp.online || v.port === undefined) return;
  try {
    const c = await ValveConnection.open({ host: '127.0.0.1', port: v.port, passkey: String(v.config.passkey), timeoutMs: 5000 });
    c.send({ event: 'set_valve_basic', valve_data: { set_angle: true, angle } });
    c.close();
  } catch {
    // A valve that is restarting misses this sweep.
  }
}

export const demo: Command = {
  name: 'demo',
  summary: 'Start the server on embedded defaults and a simulated fleet feeding it; print the dashboard URL.',
  usage: 'espfleet demo [--port N] [--valves N] [--chargers N] [--data-dir DIR]',
  options: {
    port: { type: 'string', value: 'N', help: 'HTTP and WebSocket port (env ESPFLEET_PORT or PORT; default 3000)' },
    valves: { type: 'string', value: 'N', default: '3', help: 'simulated valves' },
    chargers: { type: 'string', value: 'N', default: '2', help: 'simulated chargers' },
    'data-dir': { type: 'string', value: 'DIR', default: './data/demo', help: 'where the demo database lives' },
  },
  examples: ['espfleet demo', 'espfleet demo --port 8080 --valves 5', 'ESPFLEET_PORT=3100 espfleet demo'],
  async run(o, out: Output) {
    const port = intOption(o.port ?? (process.env.ESPFLEET_PORT || process.env.PORT || '3000'), 'port', 0, 65535);
    const nv = intOption(o.valves, 'valves', 0, 100);
    const nc = intOption(o.chargers, 'chargers', 0, 100);
    out.progress('starting the server…');
    let server;
    try {
      server = await startServer({ port, open: true, dataDir: String(o['data-dir']), logLevel: 'warn' });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new UsageError(err.code === 'EADDRINUSE' ? `port ${port} is in use; choose another with --port` : err.message);
    }
    const store = server.store;
    // Demo records, created once: a sensor device per simulated device, stations with cards.
    const devices = await store.listDevices();
    const device = async (name: string, kind: string) => devices.find((d) => d.name === name) ?? (await store.createDevice({ name, kind, status: 'online' }));
    for (let i = 1; i <= nc; i++) {
      if (!(await store.getStation(i))) {
        const d = await store.createDevice({ name: `Estación ${i}`, kind: 'charger', status: 'desconectado' });
        await store.createStation({ id: i, name: `Estación ${i}`, tariff: 7, deviceId: d.id });
        await store.setStationStatus(i, 'desconectado');
        const u = await store.createUser({ name: i === 1 ? 'Juan Pérez' : `Usuario ${i}` });
        await store.createCard({ uid: i === 1 ? DEMO_CARD : `04A1B2${(0xc3 + i).toString(16).toUpperCase()}`, userId: u.id });
      }
    }
    const fleet = new Fleet({
      clock: new WallClock(),
      valves: nv,
      chargers: nc,
      valveBundle: nv ? firmware('valve') : undefined,
      chargerBundle: nc ? firmware('charger') : undefined,
      server: `${server.url.replace('http', 'ws')}/ws`,
    });
    fleet.on('progress', (p: { started: number; total: number; id: string }) => out.progress(`starting the fleet: ${p.started}/${p.total} (${p.id})`));
    fleet.start();

    const sensors: Array<{ id: number; read: () => number }> = [];
    for (const v of fleet.valves) {
      const d = await device(`Simulated ${v.id}`, 'valve');
      sensors.push({ id: (await store.ensureSensor({ deviceId: d.id, type: 'angle', unit: '°' })).id, read: () => Math.round(v.angle * 10) / 10 });
      sensors.push({ id: (await store.ensureSensor({ deviceId: d.id, type: 'motor_current', unit: 'A' })).id, read: () => Math.round(v.motor.amps * 1000) / 1000 });
    }
    const feed = new WebSocket(`${server.url.replace('http', 'ws')}/ws/sensor-data/`);
    await new Promise((ok, fail) => (feed.once('open', ok), feed.once('error', fail)));
    const publish = setInterval(() => {
      for (const s of sensors) feed.send(JSON.stringify({ type: 'sensor_data', sensor_id: s.id, value: s.read() }));
    }, 1000);
    // Something to watch: valves sweep, the first charger charges a car.
    const sweep = setInterval(() => {
      for (const v of fleet.valves) void moveValve(v, Math.round(10 + Math.random() * 80));
    }, 8000);
    setTimeout(() => fleet.chargers[0]?.placeCard(DEMO_CARD), 3000);

    out.say(`espfleet demo running: dashboard ${server.url}/  ·  test page ${server.url}/websocket-test/`);
    out.say(`${nv} simulated valves feed the sensor streams and ${nc} simulated chargers run their firmware against the server; Ctrl-C stops.`);
    out.emit({ type: 'demo', url: server.url, dashboard: `${server.url}/`, valves: nv, chargers: nc });
    return await stopOnSignal({
      deadlineMs: STOP_DEADLINE_MS,
      stop: async () => {
        clearInterval(publish);
        clearInterval(sweep);
        feed.close();
        fleet.stop();
        await server.close();
      },
      onStopping: () => out.say('stopping… (Ctrl-C again to exit at once)'),
      onDeadline: () => out.error('stopped before queued work finished: unprocessed messages are dropped'),
      onSecond: () => out.error('second Ctrl-C: exiting at once'),
    });
  },
};
