// Home Assistant MQTT discovery configs (retained under `<discoveryPrefix>/<component>/<id>/config`):
// a position-reporting valve entity per valve, and voltage, current, power, energy and status
// sensors per charger station, each under one device. Pure: topics in, JSON objects out.
//
// A valve that reports its position takes no payload_open/payload_close/state_open/state_closed
// (Home Assistant refuses the config), and has no set_position_topic: open, close and a wanted
// position (0–100) all go to command_topic as OPEN, CLOSE and the number, stop as payload_stop.
import type { Topics } from './topics.js';

export interface DiscoveryConfig {
  topic: string;
  config: Record<string, unknown>;
}

export interface DiscoveredValve {
  valveId: number;
  name: string;
  /** The valve's own id, once it reported one. */
  hardwareId: string | null;
}

export interface DiscoveredStation {
  id: number;
  name: string;
}

export const STATION_STATUSES = ['disponible', 'cargando', 'emergencia', 'desconectado'];

function availability(t: Topics, own?: string): Record<string, unknown> {
  const topics = [t.bridgeAvailability(), ...(own ? [own] : [])];
  return {
    availability: topics.map((topic) => ({ topic, payload_available: 'online', payload_not_available: 'offline' })),
    availability_mode: 'all',
  };
}

function origin(swVersion: string): Record<string, unknown> {
  return { name: 'espfleet', sw_version: swVersion };
}

export const valveObjectId = (valveId: number) => `espfleet_valve_${valveId}`;
export const stationObjectId = (stationId: number, sensor: string) => `espfleet_station_${stationId}_${sensor}`;

export const valveDiscoveryTopic = (t: Topics, valveId: number) => t.discovery('valve', valveObjectId(valveId));

export function valveDiscovery(t: Topics, v: DiscoveredValve, swVersion: string): DiscoveryConfig {
  const id = valveObjectId(v.valveId);
  return {
    topic: valveDiscoveryTopic(t, v.valveId),
    config: {
      // null: the entity takes the device's name.
      name: null,
      unique_id: id,
      device_class: 'water',
      command_topic: t.valve(v.valveId, 'set'),
      state_topic: t.valve(v.valveId, 'position'),
      json_attributes_topic: t.valve(v.valveId, 'state'),
      reports_position: true,
      position_open: 100,
      position_closed: 0,
      payload_stop: 'STOP',
      ...availability(t, t.valve(v.valveId, 'availability')),
      device: {
        identifiers: [id],
        name: v.name,
        manufacturer: 'espfleet',
        model: 'Motorised valve',
        sw_version: swVersion,
        ...(v.hardwareId ? { serial_number: v.hardwareId } : {}),
      },
      origin: origin(swVersion),
    },
  };
}

const MEASUREMENTS = [
  { key: 'voltage', name: 'Voltage', unit: 'V', stateClass: 'measurement' },
  { key: 'current', name: 'Current', unit: 'A', stateClass: 'measurement' },
  { key: 'power', name: 'Power', unit: 'W', stateClass: 'measurement' },
  // The session's energy: it falls back to 0 when a session starts, which total_increasing reads as a meter reset.
  { key: 'energy', name: 'Energy', unit: 'kWh', stateClass: 'total_increasing' },
] as const;

export function stationDiscovery(t: Topics, s: DiscoveredStation, swVersion: string): DiscoveryConfig[] {
  const device = {
    identifiers: [`espfleet_station_${s.id}`],
    name: s.name,
    manufacturer: 'espfleet',
    model: 'EV charger',
    sw_version: swVersion,
  };
  const measurements = MEASUREMENTS.map((m): DiscoveryConfig => {
    const id = stationObjectId(s.id, m.key);
    return {
      topic: t.discovery('sensor', id),
      config: {
        name: m.name,
        unique_id: id,
        state_topic: t.station(s.id, m.key),
        device_class: m.key,
        unit_of_measurement: m.unit,
        state_class: m.stateClass,
        // A disconnected charger's readings are stale: shown unavailable, not as its last values.
        ...availability(t, t.station(s.id, 'availability')),
        device,
        origin: origin(swVersion),
      },
    };
  });
  const statusId = stationObjectId(s.id, 'status');
  const status: DiscoveryConfig = {
    topic: t.discovery('sensor', statusId),
    config: {
      name: 'Status',
      unique_id: statusId,
      state_topic: t.station(s.id, 'status'),
      device_class: 'enum',
      options: STATION_STATUSES,
      // Only the bridge's availability: `desconectado` is worth showing, not hiding.
      ...availability(t),
      device,
      origin: origin(swVersion),
    },
  };
  return [...measurements, status];
}
