// espfleet valve: a bench technician's remote for one valve over its WebSocket (/ws).
import { type Command, type Output, UsageError, intOption } from '../command.js';
import { ValveConnection } from '../valve/client.js';
import { ValveError, VALVE_EXIT } from '../valve/errors.js';
import { parseAngle, parseSchedule, parseSensor, parseTimeout } from '../valve/args.js';
import { moveTo, setMode, setWifi, stop } from '../valve/actions.js';
import { progressBar, stateDoc, stateLine } from '../valve/format.js';
import { hostCall, hostValveLine, waitLinked, type HostTarget, type HostValve } from '../valve/hostValves.js';
import type { ValveData } from '@espfleet/protocol/valve';

/** How long `wifi set` waits for the restart that changed credentials cause. */
const WIFI_RESTART_WAIT_MS = 5000;

const ACTIONS = 'status | move ANGLE | open | close | stop | watch | wifi set SSID | schedule WINDOW…|off | sensor THRESHOLD@ANGLE|off | add | list | remove ID';
const HOST_ACTIONS = ['add', 'list', 'remove'];
/** With --id, these go through the host server (its link to the valve) instead of the valve's own WebSocket. */
const VIA_HOST = ['status', 'move', 'open', 'close', 'stop'];

/** add, list, remove: the host server's valves, not one valve's WebSocket. */
async function hostAction(action: string, words: string[], o: Record<string, unknown>, out: Output): Promise<number> {
  const t: HostTarget = { server: String(o.server ?? process.env.ESPFLEET_SERVER ?? 'http://127.0.0.1:3000'), token: (o.token as string | undefined) ?? process.env.ESPFLEET_TOKEN };
  try {
    new URL(t.server);
  } catch {
    throw new UsageError(`--server must be the host server's URL (e.g. http://127.0.0.1:3000), not "${t.server}"`);
  }
  if (VIA_HOST.includes(action)) {
    const id = intOption(o.id, 'id', 1, 999_999_999);
    const path = `/api/v1/valves/${id}`;
    if (action === 'status') {
      if (words.length) throw new UsageError('status takes no more words');
      const v = await hostCall<HostValve>(t, 'GET', path);
      out.say(hostValveLine(v));
      out.emit({ type: 'state', valve: v });
      return 0;
    }
    if (action === 'move' && words.length !== 1) throw new UsageError('move takes one angle');
    if (action !== 'move' && words.length) throw new UsageError(`"${action}" takes no more words`);
    const target = action === 'move' ? parseAngle(words[0]) : action === 'open' ? 90 : action === 'close' ? 0 : undefined;
    const answer = hostCall<HostValve>(t, 'POST', `${path}/${action === 'move' ? 'angle' : action}`, action === 'move' ? { angle: target } : undefined);
    // Progress while the host waits for the valve: its angle as the host sees it.
    let done = false;
    void answer.finally(() => (done = true)).catch(() => {});
    while (!done && target !== undefined) {
      await new Promise((r) => setTimeout(r, 250));
      if (done) break;
      const v = await hostCall<HostValve>(t, 'GET', path).catch(() => undefined);
      if (v?.angle != null) {
        out.progress(progressBar(v.angle, target));
        out.emit({ type: 'progress', angle: v.angle, target, motion: v.motion });
      }
    }
    const v = await answer;
    out.say(hostValveLine(v));
    out.emit({ type: action === 'stop' ? 'stopped' : 'arrived', valve: v });
    return 0;
  }
  if (action === 'list') {
    if (words.length) throw new UsageError('list takes no more words');
    const vs = await hostCall<HostValve[]>(t, 'GET', '/api/v1/valves');
    for (const v of vs) out.say(`${v.valveId}  ${v.name}  ${v.address}  ${v.online ? 'online' : 'offline'}${v.angle === null ? '' : `  ${v.angle}°`}${v.fault ? `  FAULT ${v.fault}` : ''}`);
    if (!vs.length) out.say('no valves registered');
    out.emit({ type: 'valves', valves: vs });
    return 0;
  }
  if (action === 'remove') {
    if (words.length !== 1) throw new UsageError('use: valve remove ID');
    const id = intOption(words[0], 'ID', 1, 999_999_999);
    await hostCall(t, 'DELETE', `/api/v1/valves/${id}`);
    out.say(`valve ${id} removed`);
    out.emit({ type: 'removed', valveId: id });
    return 0;
  }
  if (words.length) throw new UsageError('add takes options, not words: --name, --host, --port, --passkey');
  const host = o.host as string | undefined;
  const name = o.name as string | undefined;
  const passkey = (o.passkey as string | undefined) ?? process.env.ESPFLEET_PASSKEY;
  if (!host || !name || !passkey) throw new UsageError('add needs --name, --host and --passkey (or ESPFLEET_PASSKEY)');
  const port = intOption(o.port, 'port', 1, 65535);
  const v = await hostCall<HostValve>(t, 'POST', '/api/v1/valves', { name, address: `${host}:${port}`, passkey });
  out.say(`valve ${v.valveId} "${v.name}" registered at ${v.address}; waiting for the host to link to it…`);
  const linked = await waitLinked(t, v.valveId, parseTimeout(o.timeout), (_, ms) => out.progress(`linking to ${v.address}… ${Math.round(ms / 1000)} s`));
  if (linked.online) out.say(`linked: ${linked.name} at ${linked.angle ?? '?'}°`);
  else out.error(`registered, but not linked yet: the host keeps retrying (check the address and passkey; espfleet valve status --host ${host} --port ${port})`);
  out.emit({ type: 'added', valve: linked });
  return linked.online ? 0 : VALVE_EXIT.unreachable;
}

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
    name: { type: 'string', value: 'NAME', help: 'add: the valve\'s name on the host' },
    server: { type: 'string', value: 'URL', help: 'add, list, remove, and actions with --id: the host server (default: env ESPFLEET_SERVER or http://127.0.0.1:3000)' },
    id: { type: 'string', value: 'N', help: 'status, move, open, close, stop through the host server\'s link to its valve N (see valve list) instead of the valve\'s own address' },
    token: { type: 'string', value: 'TOKEN', help: 'add, list, remove: an admin token; actions with --id: an admin or client token (default: env ESPFLEET_TOKEN; none for an --open server)' },
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
    'espfleet valve add --name "Riego norte" --host 192.168.1.40 --passkey pk-valve-1 --server http://127.0.0.1:3000 --token …',
    'espfleet valve list --server http://127.0.0.1:3000 --json',
    'espfleet valve move 45 --id 1 --server http://127.0.0.1:3000   # through the host',
    `exit status: 0 done, 2 usage, ${VALVE_EXIT.auth} wrong passkey, ${VALVE_EXIT.unreachable} unreachable, ${VALVE_EXIT.timeout} timeout, ${VALVE_EXIT.fault} device fault, ${VALVE_EXIT.protocol} not a valve answer`,
  ],
  async run(o, out: Output) {
    const [action, ...words] = o._ as string[];
    if (!action) throw new UsageError(`give an action: ${ACTIONS}`);
    if (HOST_ACTIONS.includes(action) || (o.id !== undefined && VIA_HOST.includes(action))) {
      try {
        return await hostAction(action, words, o, out);
      } catch (e) {
        if (e instanceof ValveError) return report(out, e);
        throw e;
      }
    }
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

