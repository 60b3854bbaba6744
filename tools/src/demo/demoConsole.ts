// What a person types while the demo runs (one command a line on stdin): the people at the
// simulated chargers (a card tap, STOP, the emergency button and the reset), and the fleet's state.
import { createInterface, type Interface } from 'node:readline';
import type { SimulatedCharger, SimulatedValve } from '@espfleet/simulator';
import type { Output } from '../command.js';
import type { DemoPerson } from './demoPeople.js';

/** How long a tapped card stays on the reader (the firmware polls it every 250 ms). */
const TAP_MS = 1000;
/** Longer than the charger firmware's reset hold (reset_hold_s, 3 s by default). */
const RESET_HOLD_MS = 3500;

export interface DemoStation {
  person: DemoPerson;
  charger: SimulatedCharger;
}

export interface DemoConsoleOptions {
  stations: DemoStation[];
  valves: Array<{ name: string; sim: SimulatedValve }>;
  out: Output;
  /** The server's side of a station reset (its status back to disponible). */
  resetStation(station: number): Promise<void>;
}

export const CONSOLE_HELP = [
  'tap N        the Nth user taps their card on charger N (starts a charging session)',
  'stop N       press STOP on charger N (ends its session)',
  'emergency N  press the emergency button on charger N',
  'reset N      release it and reset station N (hold STOP, then the server\'s reset)',
  'status       the simulated devices\' state',
  'help         this list',
];

function chargerLine(s: DemoStation): string {
  const c = s.charger;
  return `charger ${s.person.station}: ${c.esp.online ? 'online' : 'offline'}, relay ${c.relayClosed ? 'closed' : 'open'}, ${c.ev.energyWh.toFixed(1)} Wh delivered${c.emergencyButton.isClosed ? ', EMERGENCY pressed' : ''}`;
}

/** Device state for `status`; a charger's energy to the mWh, so a session's bill can be checked against it. */
function state(o: DemoConsoleOptions): Record<string, unknown> {
  return {
    type: 'state',
    valves: o.valves.map((v) => ({ name: v.name, ...v.sim.snapshot() })),
    chargers: o.stations.map((s) => ({ ...s.charger.snapshot(), station: s.person.station, energyWh: Math.round(s.charger.ev.energyWh * 1000) / 1000 })),
  };
}

export class DemoConsole {
  private readonly rl: Interface;

  constructor(private readonly o: DemoConsoleOptions) {
    // No output stream: the terminal stays in line mode, so Ctrl-C still reaches the process as SIGINT.
    this.rl = createInterface({ input: process.stdin });
    this.rl.on('line', (line) => {
      this.run(line).catch((e: unknown) => o.out.error(`"${line.trim()}" failed: ${(e as Error).message}`));
    });
  }

  close(): void {
    this.rl.close();
  }

  private station(word: string | undefined, command: string): DemoStation | undefined {
    const n = Number(word);
    const s = this.o.stations.find((x) => x.person.station === n);
    if (!s) this.o.out.error(`${command} N: N is a station from 1 to ${this.o.stations.length}${this.o.stations.length ? '' : ' (this demo runs no chargers)'}`);
    return s;
  }

  private async run(line: string): Promise<void> {
    const { out } = this.o;
    const [command, arg, ...extra] = line.trim().split(/\s+/);
    if (!command) return;
    if (extra.length) return out.error(`"${line.trim()}": one number after the command; type help`);
    switch (command) {
      case 'help':
      case '?':
        out.say(CONSOLE_HELP.map((l) => `  ${l}`).join('\n'));
        return;
      case 'status':
        for (const v of this.o.valves) out.say(`${v.name}: ${v.sim.esp.online ? 'online' : 'offline'}, ${v.sim.angle.toFixed(1)}°, motor ${v.sim.motor.mode}`);
        for (const s of this.o.stations) out.say(chargerLine(s));
        out.emit(state(this.o));
        return;
      case 'tap': {
        const s = this.station(arg, command);
        if (!s) return;
        s.charger.placeCard(s.person.card);
        setTimeout(() => s.charger.removeCard(), TAP_MS);
        out.say(`${s.person.name} taps card ${s.person.card} on charger ${s.person.station}`);
        out.emit({ type: 'tap', station: s.person.station, card: s.person.card, user: s.person.name });
        return;
      }
      case 'stop': {
        const s = this.station(arg, command);
        if (!s) return;
        s.charger.pressStop();
        out.say(`STOP pressed on charger ${s.person.station}`);
        out.emit({ type: 'stop-button', station: s.person.station });
        return;
      }
      case 'emergency': {
        const s = this.station(arg, command);
        if (!s) return;
        s.charger.pressEmergency();
        out.say(`emergency button pressed on charger ${s.person.station} (reset ${s.person.station} releases it)`);
        out.emit({ type: 'emergency', station: s.person.station });
        return;
      }
      case 'reset': {
        const s = this.station(arg, command);
        if (!s) return;
        s.charger.releaseEmergency();
        s.charger.pressStop(RESET_HOLD_MS);
        out.say(`station ${s.person.station}: emergency button released, STOP held ${RESET_HOLD_MS / 1000} s…`);
        await new Promise((r) => setTimeout(r, RESET_HOLD_MS + 200));
        await this.o.resetStation(s.person.station);
        out.say(`station ${s.person.station} reset`);
        out.emit({ type: 'reset', station: s.person.station });
        return;
      }
      default:
        out.error(`unknown command "${command}"; type help`);
    }
  }
}
