// espfleet sim: a simulated fleet running the real firmware bundles on this machine.
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { Fleet, VirtualClock, WallClock, SimulatedValve, applyFault, FaultError, FAULT_HELP } from '@espfleet/simulator';
import type { Clock, SimulatedDevice } from '@espfleet/simulator';
import { type Command, type Output, UsageError, intOption } from '../command.js';
import { probeDevice, describeAnswer, type DeviceAnswer } from '../probe.js';

function loadBundle(path: string | undefined, app: 'valve' | 'charger'): { text: string; path: string } {
  let p = path;
  if (!p) {
    try {
      p = createRequire(import.meta.url).resolve(`@espfleet/firmware/dist/${app}.js`);
    } catch {
      throw new UsageError(
        `no ${app} firmware bundle: build the firmware (npm run build -w @espfleet/firmware) or pass --${app}-bundle FILE`,
      );
    }
  }
  if (!existsSync(p)) throw new UsageError(`${app} bundle not found: ${p}`);
  return { text: readFileSync(p, 'utf8'), path: p };
}

/** A device as listed: the address that answered when asked, and what its configuration says. */
function describe(d: SimulatedDevice, answer: DeviceAnswer | null): Record<string, unknown> {
  const s = d.snapshot();
  const reach = { url: answer?.url ?? null, protocol: answer?.protocol ?? null, contentType: answer?.contentType ?? null };
  return s.kind === 'valve'
    ? { id: d.id, kind: 'valve', ...reach, passkey: s.passkey }
    : { id: d.id, kind: 'charger', estacionId: s.estacionId, ...reach, configuredServer: (d.config.server as string) ?? null };
}

function deviceLine(info: Record<string, unknown>, answer: DeviceAnswer | null): string {
  const where = describeAnswer(answer);
  if (info.kind === 'valve') return `${info.id}: ${where}; passkey ${info.passkey}`;
  // The server URL is only written to the charger's configuration: whether it connects is up
  // to the bundle it runs and to the server, so no connection is claimed.
  const server = info.configuredServer ? `; configured server ${info.configuredServer} (a connection is the bundle's to make)` : '';
  return `${info.id}: estacionId ${info.estacionId}, ${where}${server}`;
}

function table(rows: Array<Record<string, unknown>>): string {
  return rows
    .map((r) =>
      r.kind === 'valve'
        ? `${String(r.id).padEnd(12)} ${r.running ? 'on ' : 'off'} ${r.online ? 'wifi' : '----'}  angle ${String(r.angle).padStart(5)}°  motor ${String(r.motor).padEnd(5)} ${String(r.amps).padStart(5)} A  limits ${r.limitClose ? 'C' : '-'}${r.limitOpen ? 'O' : '-'}`
        : `${String(r.id).padEnd(12)} ${r.running ? 'on ' : 'off'} ${r.online ? 'wifi' : '----'}  relay ${r.relay ? 'closed' : 'open  '}  ${String(r.amps).padStart(6)} A  ${String(r.energyWh).padStart(8)} Wh  soc ${r.soc}%${r.emergency ? '  EMERGENCY' : ''}`,
    )
    .join('\n');
}

export const sim: Command = {
  name: 'sim',
  summary: 'Start a simulated fleet running the firmware bundles, with live state and fault injection.',
  usage: 'espfleet sim [--valves N] [--chargers N] [--server URL] [--realtime] [options]',
  options: {
    valves: { type: 'string', value: 'N', default: '1', help: 'simulated valves' },
    chargers: { type: 'string', value: 'N', default: '0', help: 'simulated chargers' },
    server: { type: 'string', value: 'URL', help: 'backend written to the chargers\' configuration, e.g. ws://127.0.0.1:3000/ws (the charger firmware connects to it)' },
    token: { type: 'string', value: 'JWT', help: 'token the chargers present to the backend' },
    realtime: { type: 'boolean', help: 'device time is wall-clock time (otherwise a virtual clock at --speed)' },
    speed: { type: 'string', value: 'X', default: '10', help: 'virtual clock speed-up over real time' },
    seconds: { type: 'string', value: 'S', help: 'stop after S seconds of device time' },
    'base-port': { type: 'string', value: 'PORT', help: 'valves listen on PORT, PORT+1, … (default: free ports)' },
    'valve-bundle': { type: 'string', value: 'FILE', help: 'valve firmware bundle (default: @espfleet/firmware dist/valve.js)' },
    'charger-bundle': { type: 'string', value: 'FILE', help: 'charger firmware bundle (default: @espfleet/firmware dist/charger.js)' },
    fault: { type: 'string', multiple: true, value: '"ID FAULT"', help: 'inject a fault at start, e.g. "valve-1 jam:45" (repeatable; also typed on stdin)' },
    seed: { type: 'string', value: 'N', help: 'noise seed (runs with the same seed repeat)' },
  },
  examples: [
    'espfleet sim --valves 3 --chargers 2 --server ws://127.0.0.1:3000/ws --realtime',
    'espfleet sim --valves 1 --seconds 30 --json',
    'espfleet sim --chargers 1 --fault "charger-1 card:04A1B2C3"',
  ],
  async run(o, out: Output) {
    const valves = intOption(o.valves, 'valves', 0, 5000);
    const chargers = intOption(o.chargers, 'chargers', 0, 5000);
    if (valves + chargers === 0) throw new UsageError('nothing to simulate: give --valves or --chargers');
    const speed = Number(o.speed);
    if (!(speed > 0 && speed <= 1000)) throw new UsageError('--speed must be a number from 0 to 1000');
    const seconds = o.seconds === undefined ? undefined : Number(o.seconds);
    if (seconds !== undefined && !(seconds > 0)) throw new UsageError('--seconds must be a positive number');
    const valveBundle = valves ? loadBundle(o['valve-bundle'] as string | undefined, 'valve') : undefined;
    const chargerBundle = chargers ? loadBundle(o['charger-bundle'] as string | undefined, 'charger') : undefined;
    const clock: Clock = o.realtime ? new WallClock() : new VirtualClock(Date.now());
    const fleet = new Fleet({
      clock,
      valves,
      chargers,
      valveBundle: valveBundle?.text,
      chargerBundle: chargerBundle?.text,
      server: o.server as string | undefined,
      token: o.token as string | undefined,
      basePort: o['base-port'] === undefined ? undefined : intOption(o['base-port'], 'base-port', 1, 65535),
      seed: o.seed === undefined ? undefined : intOption(o.seed, 'seed', 0, 2 ** 31),
    });

    const inject = (line: string) => {
      const [id, spec] = line.trim().split(/\s+/);
      if (!id) return;
      if (id === 'help' || id === '?') return out.say(`Type: DEVICE FAULT, e.g. "valve-1 jam:45". Faults:\n  ${FAULT_HELP.join('\n  ')}`);
      const d = fleet.get(id);
      if (!d || !spec) return out.error(`"${line.trim()}": expected DEVICE FAULT with a device of this fleet (${fleet.devices.map((x) => x.id).join(', ')})`);
      try {
        applyFault(d, spec);
        out.say(`${id}: ${spec}`);
        out.emit({ type: 'fault', id, fault: spec, time: clock.now() });
      } catch (e) {
        if (e instanceof FaultError) out.error(`${id}: ${e.message}`);
        else throw e;
      }
    };

    for (const d of fleet.devices) {
      d.on('uncaught', (e: unknown) => out.emit({ type: 'uncaught', id: d.id, message: String((e as Error)?.message ?? e) }));
      d.on('listening', (devicePort: number, hostPort: number) => {
        out.emit({ type: 'listening', id: d.id, devicePort, host: '127.0.0.1', hostPort });
      });
    }
    fleet.on('progress', (p: { started: number; total: number; id: string }) => {
      out.progress(`starting fleet: ${p.started}/${p.total} (${p.id})`);
      out.emit({ type: 'progress', ...p });
    });
    fleet.start();
    out.say(`fleet of ${fleet.devices.length} running on ${o.realtime ? 'the wall clock' : `a virtual clock at ${speed}×`}`);
    for (const f of (o.fault as string[] | undefined) ?? []) inject(f);

    let driver: NodeJS.Timeout | undefined;
    if (clock instanceof VirtualClock) {
      let last = performance.now();
      driver = setInterval(() => {
        const t = performance.now();
        clock.advance((t - last) * speed);
        last = t;
      }, 20);
    }
    const started = clock.now();
    // Give devices a moment (device time) to join WiFi and open their ports before listing them:
    // until a device is online its server resets every connection. Chargers are clients (the
    // charger firmware serves nothing), so only valves are waited for to listen.
    await new Promise<void>((r) => {
      const check = setInterval(() => {
        const up = (d: SimulatedDevice) => d.esp.online && (d.port !== undefined || !(d instanceof SimulatedValve));
        const ready = fleet.devices.every(up) || clock.now() - started > 5000;
        if (ready) {
          clearInterval(check);
          r();
        }
      }, 20);
    });
    // Asked a few at a time: a fleet may have thousands of devices.
    const answers: Array<DeviceAnswer | null> = [];
    for (let i = 0; i < fleet.devices.length; i += 32) {
      answers.push(...(await Promise.all(fleet.devices.slice(i, i + 32).map((d) => (d.port === undefined ? null : probeDevice(d.port))))));
    }
    fleet.devices.forEach((d, i) => {
      const info = describe(d, answers[i]);
      out.emit({ type: 'device', ...info });
      out.say(deviceLine(info, answers[i]));
    });
    out.say('Type "DEVICE FAULT" to inject a fault ("help" lists them); Ctrl-C stops.');

    const rl = process.stdin.isTTY || !process.stdin.readableEnded ? createInterface({ input: process.stdin }) : undefined;
    rl?.on('line', inject);
    const show = setInterval(() => {
      const snap = fleet.snapshot();
      out.emit({ type: 'state', time: clock.now(), devices: snap });
      if (!out.json && process.stdout.isTTY) out.progress(`\x1b[s\n${table(snap)}\x1b[u`);
      else out.say(table(snap));
    }, 1000);

    return await new Promise<number>((resolve) => {
      const finish = () => {
        clearInterval(show);
        out.emit({ type: 'state', time: clock.now(), devices: fleet.snapshot() });
        if (driver) clearInterval(driver);
        rl?.close();
        fleet.stop();
        out.say('fleet stopped');
        out.emit({ type: 'stopped', time: clock.now() });
        resolve(0);
      };
      process.once('SIGINT', finish);
      process.once('SIGTERM', finish);
      if (seconds !== undefined) {
        const end = setInterval(() => {
          if (clock.now() - started >= seconds * 1000) {
            clearInterval(end);
            finish();
          }
        }, 10);
      }
    });
  },
};
