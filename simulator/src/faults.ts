// Faults by name, so the API, the CLI and tests inject them the same way:
//   jam[:angle]  unjam  stick-limit:open|close[:engaged|released|clear]  chatter-limit:open|close[:off]
//   ina-fault[:off]  garble-nfc  wifi-loss:seconds  power-cut:seconds
// and the people at a charger: card:UID  remove-card  stop-button  emergency[:release]  plug[:soc]  unplug
import type { SimulatedDevice } from './devices/simulatedDevice.js';
import { SimulatedValve } from './devices/simulatedValve.js';
import { SimulatedCharger } from './devices/simulatedCharger.js';

export class FaultError extends Error {}

export const FAULT_HELP = [
  'jam[:ANGLE]                     valve: the shaft jams at ANGLE (default: where it is)',
  'unjam                           valve: clear a jam',
  'stick-limit:open|close[:STATE]  valve: a limit switch stuck engaged|released, or clear',
  'chatter-limit:open|close[:off]  valve: a limit switch chatters (or stops)',
  'ina-fault[:off]                 the INA chip stops answering on I2C (or recovers)',
  'garble-nfc                      charger: the next NFC frame has a bad checksum',
  'wifi-loss:SECONDS               WiFi drops for SECONDS',
  'power-cut:SECONDS               power is cut for SECONDS, then the device boots',
  'card:UID | remove-card          charger: a card (hex UID, 4 or 7 bytes) at the reader',
  'stop-button | emergency[:release] | plug[:SOC%] | unplug   charger: people at the station',
];

function num(v: string | undefined, what: string): number {
  const n = Number(v);
  if (v === undefined || v === '' || !Number.isFinite(n)) throw new FaultError(`${what} needs a number`);
  return n;
}

function valve(d: SimulatedDevice, kind: string): SimulatedValve {
  if (!(d instanceof SimulatedValve)) throw new FaultError(`${kind} applies to valves; ${d.id} is not one`);
  return d;
}

function charger(d: SimulatedDevice, kind: string): SimulatedCharger {
  if (!(d instanceof SimulatedCharger)) throw new FaultError(`${kind} applies to chargers; ${d.id} is not one`);
  return d;
}

/** Applies `spec` (e.g. "jam:45", "wifi-loss:10") to a device. */
export function applyFault(d: SimulatedDevice, spec: string): void {
  const [kind, a, b] = spec.split(':');
  switch (kind) {
    case 'jam':
      return a === undefined ? valve(d, kind).jam() : valve(d, kind).jam(num(a, 'jam'));
    case 'unjam':
      return valve(d, kind).clearJam();
    case 'stick-limit':
    case 'chatter-limit': {
      if (a !== 'open' && a !== 'close') throw new FaultError(`${kind} needs open or close`);
      if (kind === 'chatter-limit') return valve(d, kind).chatterLimit(a, b !== 'off');
      const state = b === undefined || b === 'engaged' ? true : b === 'released' ? false : b === 'clear' ? undefined : null;
      if (state === null) throw new FaultError('stick-limit state is engaged, released or clear');
      return valve(d, kind).stickLimit(a, state);
    }
    case 'ina-fault':
      if (d instanceof SimulatedValve || d instanceof SimulatedCharger) return d.inaFault(a !== 'off');
      throw new FaultError(`${d.id} has no INA chip`);
    case 'garble-nfc':
      return charger(d, kind).garbleNfc();
    case 'wifi-loss':
      return d.wifiLoss(num(a, 'wifi-loss'));
    case 'power-cut':
      return d.powerCut(num(a, 'power-cut'));
    case 'card':
      if (!a) throw new FaultError('card needs a hex UID, e.g. card:04A1B2C3');
      return charger(d, kind).placeCard(a);
    case 'remove-card':
      return charger(d, kind).removeCard();
    case 'stop-button':
      return charger(d, kind).pressStop();
    case 'emergency':
      return a === 'release' ? charger(d, kind).releaseEmergency() : charger(d, kind).pressEmergency();
    case 'plug':
      return charger(d, kind).plugVehicle(a === undefined ? undefined : num(a, 'plug') / 100);
    case 'unplug':
      return charger(d, kind).unplugVehicle();
    default:
      throw new FaultError(`unknown fault "${kind}"; one of: ${FAULT_HELP.map((l) => l.split(/\s/)[0]).join(', ')}`);
  }
}
