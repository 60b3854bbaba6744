// espfleet valve: a bench technician's remote for one valve over its WebSocket (/ws).
import { type Command, type Output, UsageError, intOption } from '../command.js';
import { ValveConnection } from '../valve/client.js';
import { ValveError, VALVE_EXIT } from '../valve/errors.js';
import { parseAngle, parseSchedule, parseSensor, parseTimeout } from '../valve/args.js';
import { moveTo, setMode, setWifi, stop } from '../valve/actions.js';
import { progressBar, stateDoc, stateLine } from '../valve/format.js';
import type { ValveData } from '@espfleet/protocol/valve';

/** How long `wifi set` waits for the restart that changed credentials cause. */
const WIFI_RESTART_WAIT_MS = 5000;

const ACTIONS = 'status | move ANGLE | open | close | stop | watch | wifi set SSID | schedule WINDOW…|off | sensor THRESHOLD@ANGLE|off';

function report(out: Output, e: ValveError): number {
  if (out.json) {
    process.stderr.write(JSON.stringify({ type: 'error', kind: e.kind, message: e.message, exitCode: e.exitCode, ...(e.deviceError ? { deviceError: e.deviceError } : {}) }) + '\n');
  } else out.error(e.message);
  return e.exitCode;
}

function showState(out: Output, type: string, d: ValveData): void {
  out.say(stateLine(d));
  out.emit(stateDoc(type, d));
}

async function watch(c: ValveConnection, out: Output, count: number | undefined): Promise<number> {
  showState(out, 'state', await c.status());
  let seen = 0;
  let stopped = false;
  const onSignal = () => {
    stopped = true;
    c.close();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    while (count === undefined || seen < count) {
      let m;
      try {
        m = await c.next(2 ** 31 - 1, 'state change');
      } catch (e) {
        if (stopped) return 0;
        throw e;
      }
      seen++;
      if (m.event === 'valve_data') showState(out, 'state', m);
      else if (m.event === 'valve_error') {
        out.say(`${m.device_id}: FAULT ${m.error} (${m.timestamp})`);
        out.emit({ type: 'fault', device_id: m.device_id, timestamp: m.timestamp, error: m.error });
      }
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export const valve: Command = {
  name: 'valve',
  summary: 'Talk to one valve over its WebSocket: state, moves with progress, stop, live watch, WiFi, schedule and sensor modes.',
  usage: `espfleet valve ${ACTIONS} --host HOST [--port 80] [--passkey KEY] [--timeout S]`,
  positionals: true,
  options: {
    host: { type: 'string', value: 'HOST', help: 'the valve\'s address (its WebSocket is ws://HOST:PORT/ws)' },
    port: { type: 'string', value: 'N', default: '80', help: 'the valve\'s port' },
    passkey: { type: 'string', value: 'KEY', help: 'the valve\'s passkey (default: env ESPFLEET_PASSKEY)' },
    timeout: { type: 'string', value: 'S', default: '30', help: 'seconds to wait for the connection, each answer, and a move to finish' },
    password: { type: 'string', value: 'P', default: '', help: 'wifi set: the network\'s password (empty: an open network)' },
    count: { type: 'string', value: 'N', help: 'watch: stop after N messages (default: until Ctrl-C)' },
  },
  examples: [
    'ESPFLEET_PASSKEY=… espfleet valve status --host 192.168.1.40',
    'espfleet valve move 45 --host 192.168.1.40 --passkey pk-valve-1',
    'espfleet valve watch --host 127.0.0.1 --port 41234 --json',
    'espfleet valve wifi set Greenhouse --password "s3cret-pass" --host 192.168.4.1',
    'espfleet valve schedule 06:30+20@90 18:00+15@45 --host 192.168.1.40',
    'espfleet valve sensor 30.5@60 --host 192.168.1.40',
    `exit status: 0 done, 2 usage, ${VALVE_EXIT.auth} wrong passkey, ${VALVE_EXIT.unreachable} unreachable, ${VALVE_EXIT.timeout} timeout, ${VALVE_EXIT.fault} device fault, ${VALVE_EXIT.protocol} not a valve answer`,
  ],
  async run(o, out: Output) {
    const [action, ...words] = o._ as string[];
    if (!action) throw new UsageError(`give an action: ${ACTIONS}`);
    const host = o.host as string | undefined;
    if (!host) throw new UsageError('give the valve\'s address with --host');
    const port = intOption(o.port, 'port', 1, 65535);
    const passkey = (o.passkey as string | undefined) ?? process.env.ESPFLEET_PASSKEY;
    if (!passkey) throw new UsageError('give the passkey with --passkey or the ESPFLEET_PASSKEY environment variable');
    const timeoutMs = parseTimeout(o.timeout);
    const count = o.count === undefined ? undefined : intOption(o.count, 'count', 1, 1_000_000);

    // Everything a word can get wrong is refused before connecting.
    const needNone = () => {
      if (words.length) throw new UsageError(`"${action}" takes no more words: ${words.join(' ')}`);
    };
    let plan: (c: ValveConnection) => Promise<number>;
    const moving = (target: number) => async (c: ValveConnection) => {
      const d = await moveTo(c, target, timeoutMs, {
        state: (s) => {
          out.progress(progressBar(s.get_valvedata.angle, target));
          out.emit({ type: 'progress', angle: s.get_valvedata.angle, target, motion: s.motion ?? null });
        },
      });
      showState(out, 'arrived', d);
      return 0;
    };
    switch (action) {
      case 'status':
        needNone();
        plan = async (c) => (showState(out, 'state', await c.status()), 0);
        break;
      case 'move':
        if (words.length > 1) throw new UsageError('move takes one angle');
        plan = moving(parseAngle(words[0]));
        break;
      case 'open':
        needNone();
        plan = moving(90);
        break;
      case 'close':
        needNone();
        plan = moving(0);
        break;
      case 'stop':
        needNone();
        plan = async (c) => (showState(out, 'stopped', await stop(c)), 0);
        break;
      case 'watch':
        needNone();
        plan = (c) => watch(c, out, count);
        break;
      case 'wifi': {
        const [verb, ssid, ...rest] = words;
        if (verb !== 'set' || !ssid || rest.length) throw new UsageError('use: wifi set SSID [--password P]');
        const password = String(o.password);
        plan = async (c) => {
          const r = await setWifi(c, ssid, password, Math.min(timeoutMs, WIFI_RESTART_WAIT_MS));
          out.say(r === 'restarting' ? `${c.deviceId}: saved WiFi "${ssid}"; the valve restarts to join it` : `${c.deviceId}: WiFi "${ssid}" is what the valve already has; nothing changed`);
          out.emit({ type: 'wifi', device_id: c.deviceId, ssid, result: r });
          return 0;
        };
        break;
      }
      case 'schedule': {
        const m = parseSchedule(words);
        plan = async (c) => (showState(out, 'state', await setMode(c, m)), 0);
        break;
      }
      case 'sensor': {
        const m = parseSensor(words);
        plan = async (c) => (showState(out, 'state', await setMode(c, m)), 0);
        break;
      }
      default:
        throw new UsageError(`unknown action "${action}"; one of: ${ACTIONS}`);
    }

    let c: ValveConnection | undefined;
    try {
      c = await ValveConnection.open({ host, port, passkey, timeoutMs });
      return await plan(c);
    } catch (e) {
      if (e instanceof ValveError) return report(out, e);
      throw e;
    } finally {
      c?.close();
    }
  },
};

