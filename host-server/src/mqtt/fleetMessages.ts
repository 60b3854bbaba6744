// The MQTT messages that say what the fleet's events say: retained state a subscriber wants at
// once (valve state, readings, station status, availability), not retained for what only
// matters when it happens (session events). Pure: events in, messages out.
import type { FleetEvent, ValveSnapshot } from '../fleet/fleetEvents.js';
import type { Topics } from './topics.js';
import { angleToPercent } from './valvePosition.js';

export interface Outgoing {
  topic: string;
  payload: string;
  retain: boolean;
}

const retained = (topic: string, payload: string): Outgoing => ({ topic, payload, retain: true });

export function valveMessages(t: Topics, v: ValveSnapshot): Outgoing[] {
  const out = [retained(t.valve(v.valveId, 'state'), JSON.stringify(v))];
  // Nothing to say about the position until the valve first reported it.
  if (v.angle !== null) {
    out.push(retained(t.valve(v.valveId, 'angle'), String(v.angle)), retained(t.valve(v.valveId, 'position'), String(angleToPercent(v.angle))));
  }
  out.push(retained(t.valve(v.valveId, 'availability'), v.online ? 'online' : 'offline'));
  return out;
}

/** Empty retained payloads: the broker forgets a removed valve's state. */
export function valveClearing(t: Topics, valveId: number): Outgoing[] {
  return (['state', 'angle', 'position', 'availability'] as const).map((leaf) => retained(t.valve(valveId, leaf), ''));
}

export function stationStatusMessages(t: Topics, stationId: number, status: string): Outgoing[] {
  return [
    retained(t.station(stationId, 'status'), status),
    // The charger's link: the hub marks a silent or disconnected charger `desconectado`.
    retained(t.station(stationId, 'availability'), status === 'desconectado' ? 'offline' : 'online'),
  ];
}

type ChargerEvent = Extract<FleetEvent, { kind: 'charger-metrics' | 'session-started' | 'session-ended' }>;

export function chargerMessages(t: Topics, e: ChargerEvent): Outgoing[] {
  const session = (body: Record<string, unknown>): Outgoing => ({ topic: t.station(e.stationId, 'session'), payload: JSON.stringify(body), retain: false });
  switch (e.kind) {
    case 'charger-metrics':
      return [
        retained(t.station(e.stationId, 'voltage'), String(e.v)),
        retained(t.station(e.stationId, 'current'), String(e.a)),
        retained(t.station(e.stationId, 'power'), String(e.w)),
        retained(t.station(e.stationId, 'energy'), String(e.kwh)),
      ];
    case 'session-started':
      return [session({ event: 'started', stationId: e.stationId, sessionId: e.sessionId, userName: e.userName, startedAt: e.startedAt })];
    case 'session-ended':
      return [
        session({ event: 'ended', stationId: e.stationId, sessionId: e.sessionId, kwh: e.kwh, cost: e.cost, reason: e.reason, endedAt: e.endedAt }),
        // No session, no charging: the last reading's power and current are not what flows now.
        retained(t.station(e.stationId, 'current'), '0'),
        retained(t.station(e.stationId, 'power'), '0'),
      ];
  }
}
