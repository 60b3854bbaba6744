// The bridge's pure parts: topic scheme, command payloads, discovery configs, event messages.
import { describe, expect, it } from 'vitest';
import { Topics } from '../../src/mqtt/topics.js';
import { parseCommand, parseSet, parseSetPosition, parseSetSchedule, parseSetSensor } from '../../src/mqtt/valveCommands.js';
import { angleToPercent, percentToAngle } from '../../src/mqtt/valvePosition.js';
import { stationDiscovery, valveDiscovery } from '../../src/mqtt/discovery.js';
import { chargerMessages, stationStatusMessages, valveMessages } from '../../src/mqtt/fleetMessages.js';
import { snapshot } from './support.js';

const t = new Topics('espfleet', 'homeassistant');

describe('topics', () => {
  it('names every topic under the prefix', () => {
    expect(t.bridgeAvailability()).toBe('espfleet/bridge/availability');
    expect(t.valve(3, 'state')).toBe('espfleet/valve-3/state');
    expect(t.station(2, 'energy')).toBe('espfleet/station-2/energy');
    expect(t.discovery('valve', 'espfleet_valve_3')).toBe('homeassistant/valve/espfleet_valve_3/config');
    expect(t.commandSubscriptions()).toEqual(['espfleet/+/set', 'espfleet/+/set_position', 'espfleet/+/set_schedule', 'espfleet/+/set_sensor']);
  });

  it('parses command topics and nothing else', () => {
    expect(t.parseCommand('espfleet/valve-3/set')).toEqual({ segment: 'valve-3', valveId: 3, leaf: 'set' });
    expect(t.parseCommand('espfleet/valve-12/set_position')).toEqual({ segment: 'valve-12', valveId: 12, leaf: 'set_position' });
    expect(t.parseCommand('espfleet/station-1/set')).toEqual({ segment: 'station-1', valveId: null, leaf: 'set' });
    expect(t.parseCommand('espfleet/valve-03/set')?.valveId).toBeNull();
    expect(t.parseCommand('espfleet/valve-3/state')).toBeUndefined();
    expect(t.parseCommand('espfleet/a/b/set')).toBeUndefined();
    expect(t.parseCommand('other/valve-3/set')).toBeUndefined();
    expect(new Topics('site/a').parseCommand('site/a/valve-1/set')?.valveId).toBe(1);
  });

  it('refuses prefixes with wildcards or empty levels', () => {
    for (const p of ['', 'a/#', '+', 'a//b', '/a', 'a/']) expect(() => new Topics(p)).toThrow(/prefix/);
  });
});

describe('command payloads', () => {
  it("takes Home Assistant's valve payloads and positions on set", () => {
    expect(parseSet('OPEN')).toEqual({ ok: true, command: { kind: 'open' } });
    expect(parseSet(' close\n')).toEqual({ ok: true, command: { kind: 'close' } });
    expect(parseSet('STOP')).toEqual({ ok: true, command: { kind: 'stop' } });
    expect(parseSet('50')).toEqual({ ok: true, command: { kind: 'angle', angle: 45 } });
    expect(parseSet('0')).toEqual({ ok: true, command: { kind: 'angle', angle: 0 } });
  });

  it('takes a percent or JSON angle/position on set_position', () => {
    expect(parseSetPosition('100')).toEqual({ ok: true, command: { kind: 'angle', angle: 90 } });
    expect(parseSetPosition('33')).toEqual({ ok: true, command: { kind: 'angle', angle: 29.7 } });
    expect(parseSetPosition('{"angle":45}')).toEqual({ ok: true, command: { kind: 'angle', angle: 45 } });
    expect(parseSetPosition('{"position":25}')).toEqual({ ok: true, command: { kind: 'angle', angle: 22.5 } });
  });

  it('refuses anything else with a message that says what is taken', () => {
    for (const p of ['', 'OPEN SESAME', '101', '-1', '0x10', '1e2', 'NaN', '{"angle":45}']) {
      const r = parseSet(p);
      expect(r.ok, p).toBe(false);
      if (!r.ok) expect(r.message).toMatch(/OPEN, CLOSE, STOP|0…100/);
    }
    for (const p of ['', 'OPEN', '{"angle":91}', '{"angle":"45"}', '{"angle":null}', '{"position":"x"}', '{"angle":1,"position":2}', '[45]', 'null', '{']) {
      expect(parseSetPosition(p).ok, p).toBe(false);
    }
    const long = parseSet('x'.repeat(10_000));
    expect(!long.ok && long.message.length).toBeLessThan(200);
  });

  it('takes schedule and sensor modes as OFF or JSON, and refuses anything else', () => {
    expect(parseSetSchedule('off')).toEqual({ ok: true, command: { kind: 'schedule', enabled: false, windows: [] } });
    expect(parseSetSchedule('{"enabled":true,"windows":[{"start":"06:30","duration":20,"angle":90}]}')).toEqual({
      ok: true, command: { kind: 'schedule', enabled: true, windows: [{ start: '06:30', duration: 20, angle: 90 }] },
    });
    expect(parseSetSensor('OFF')).toEqual({ ok: true, command: { kind: 'sensor', enabled: false, threshold: 0, angle: 0 } });
    expect(parseSetSensor('{"enabled":true,"threshold":30.5,"angle":60}')).toEqual({ ok: true, command: { kind: 'sensor', enabled: true, threshold: 30.5, angle: 60 } });
    for (const p of ['', 'ON', '{"enabled":"yes"}', '{"enabled":true,"windows":[{"start":"25:00","duration":20,"angle":90}]}', '{"enabled":true,"windows":[{"start":"06:30","duration":0,"angle":90}]}', '{"enabled":true,"windows":{}}']) {
      const r = parseSetSchedule(p);
      expect(r.ok, p).toBe(false);
      if (!r.ok) expect(r.message).toMatch(/set_schedule takes OFF or JSON/);
    }
    for (const p of ['', 'ON', '{"enabled":true}', '{"enabled":true,"threshold":"30","angle":60}', '{"enabled":true,"threshold":30,"angle":95}']) {
      expect(parseSetSensor(p).ok, p).toBe(false);
    }
    expect(parseCommand('set_schedule', 'OFF')).toEqual(parseSetSchedule('OFF'));
    expect(parseCommand('set_sensor', 'OFF')).toEqual(parseSetSensor('OFF'));
  });

  it('converts angle and percent', () => {
    expect([0, 45, 90, 100, -5].map(angleToPercent)).toEqual([0, 50, 100, 100, 0]);
    expect([0, 50, 100].map(percentToAngle)).toEqual([0, 45, 90]);
  });
});

describe('discovery configs', () => {
  it('describes a position-reporting valve Home Assistant accepts', () => {
    const d = valveDiscovery(t, { valveId: 3, name: 'Riego norte', hardwareId: 'ESP-AB12' }, '1.2.3');
    expect(d.topic).toBe('homeassistant/valve/espfleet_valve_3/config');
    expect(d.config).toEqual({
      name: null,
      unique_id: 'espfleet_valve_3',
      device_class: 'water',
      command_topic: 'espfleet/valve-3/set',
      state_topic: 'espfleet/valve-3/position',
      json_attributes_topic: 'espfleet/valve-3/state',
      reports_position: true,
      position_open: 100,
      position_closed: 0,
      payload_stop: 'STOP',
      availability: [
        { topic: 'espfleet/bridge/availability', payload_available: 'online', payload_not_available: 'offline' },
        { topic: 'espfleet/valve-3/availability', payload_available: 'online', payload_not_available: 'offline' },
      ],
      availability_mode: 'all',
      device: { identifiers: ['espfleet_valve_3'], name: 'Riego norte', manufacturer: 'espfleet', model: 'Motorised valve', sw_version: '1.2.3', serial_number: 'ESP-AB12' },
      origin: { name: 'espfleet', sw_version: '1.2.3' },
    });
    // Home Assistant refuses these on a valve that reports its position.
    for (const k of ['payload_open', 'payload_close', 'state_open', 'state_closed']) expect(d.config).not.toHaveProperty(k);
  });

  it('describes four measurements and the status of a station under one device', () => {
    const d = stationDiscovery(t, { id: 2, name: 'Estación 2' }, '1.2.3');
    expect(d.map((c) => c.topic)).toEqual(['voltage', 'current', 'power', 'energy', 'status'].map((k) => `homeassistant/sensor/espfleet_station_2_${k}/config`));
    const byKey = Object.fromEntries(d.map((c) => [c.config.unique_id as string, c.config]));
    expect(byKey.espfleet_station_2_voltage).toMatchObject({ device_class: 'voltage', unit_of_measurement: 'V', state_class: 'measurement', state_topic: 'espfleet/station-2/voltage', availability_mode: 'all' });
    expect(byKey.espfleet_station_2_current).toMatchObject({ device_class: 'current', unit_of_measurement: 'A', state_class: 'measurement' });
    expect(byKey.espfleet_station_2_power).toMatchObject({ device_class: 'power', unit_of_measurement: 'W', state_class: 'measurement' });
    expect(byKey.espfleet_station_2_energy).toMatchObject({ device_class: 'energy', unit_of_measurement: 'kWh', state_class: 'total_increasing' });
    expect(byKey.espfleet_station_2_status).toMatchObject({ device_class: 'enum', options: ['disponible', 'cargando', 'emergencia', 'desconectado'] });
    expect(new Set(d.map((c) => JSON.stringify(c.config.device)))).toEqual(new Set([JSON.stringify({ identifiers: ['espfleet_station_2'], name: 'Estación 2', manufacturer: 'espfleet', model: 'EV charger', sw_version: '1.2.3' })]));
  });
});

describe('event messages', () => {
  it('publishes a valve as JSON, angle, percent and availability, all retained', () => {
    const v = snapshot(4, { angle: 45, online: false });
    expect(valveMessages(t, v)).toEqual([
      { topic: 'espfleet/valve-4/state', payload: JSON.stringify(v), retain: true },
      { topic: 'espfleet/valve-4/angle', payload: '45', retain: true },
      { topic: 'espfleet/valve-4/position', payload: '50', retain: true },
      { topic: 'espfleet/valve-4/availability', payload: 'offline', retain: true },
    ]);
    expect(valveMessages(t, snapshot(4, { angle: null })).map((m) => m.topic)).toEqual(['espfleet/valve-4/state', 'espfleet/valve-4/availability']);
  });

  it('publishes readings retained, sessions not, and a station offline when desconectado', () => {
    expect(chargerMessages(t, { kind: 'charger-metrics', stationId: 1, sessionId: 9, v: 230.5, a: 16, w: 3688, kwh: 1.25, cost: 8.75 }).map((m) => [m.topic, m.payload, m.retain])).toEqual([
      ['espfleet/station-1/voltage', '230.5', true],
      ['espfleet/station-1/current', '16', true],
      ['espfleet/station-1/power', '3688', true],
      ['espfleet/station-1/energy', '1.25', true],
    ]);
    const [ended, ...zeros] = chargerMessages(t, { kind: 'session-ended', stationId: 1, sessionId: 9, kwh: 2, cost: 14, reason: 'stop-charger', endedAt: 5 });
    expect(ended).toEqual({ topic: 'espfleet/station-1/session', payload: JSON.stringify({ event: 'ended', stationId: 1, sessionId: 9, kwh: 2, cost: 14, reason: 'stop-charger', endedAt: 5 }), retain: false });
    expect(zeros.map((m) => [m.topic, m.payload])).toEqual([['espfleet/station-1/current', '0'], ['espfleet/station-1/power', '0']]);
    expect(stationStatusMessages(t, 1, 'desconectado').map((m) => m.payload)).toEqual(['desconectado', 'offline']);
    expect(stationStatusMessages(t, 1, 'emergencia').map((m) => m.payload)).toEqual(['emergencia', 'online']);
  });
});
