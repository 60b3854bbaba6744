// The MQTT bridge against the machine's Mosquitto, checked with an independent client: retained
// discovery and state, fleet events, commands, refusals, and the last will.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ValveCommandError } from '../../src/fleet/fleetEvents.js';
import { MACHINE_MQTT, Rig, TcpDoor, Watcher, clearRetained, eventually, machineBroker, snapshot } from './support.js';

const up = await machineBroker();
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function rig(): Promise<Rig> {
  const r = await Rig.create();
  cleanups.push(async () => {
    await r.close();
    await clearRetained(MACHINE_MQTT, [r.prefix, r.discoveryPrefix]);
  });
  return r;
}

async function watch(r: Rig, url = MACHINE_MQTT): Promise<Watcher> {
  const w = await r.watch(url);
  cleanups.push(() => w.close());
  return w;
}

const json = (m: { payload: string }) => JSON.parse(m.payload);

describe.skipIf(!up)('MQTT bridge (machine Mosquitto)', () => {
  beforeAll(() => {
    expect(up).toBe(true);
  });

  it('announces valves and stations with retained discovery configs and state', async () => {
    const r = await rig();
    r.valves.put(snapshot(3, { name: 'Riego norte', angle: 45, hardwareId: 'ESP-1' }));
    const station = await r.store.createStation({ name: 'Estación Norte', tariff: 7 });
    await r.bridge(MACHINE_MQTT).start();
    await eventually(() => r.up === 1, 5000, 'the bridge connected');
    // Subscribed only now: everything it gets was retained.
    const w = await watch(r);
    const p = r.prefix;
    const valve = await w.next(`${r.discoveryPrefix}/valve/espfleet_valve_3/config`);
    expect(valve.retain).toBe(true);
    expect(json(valve)).toEqual({
      name: null,
      unique_id: 'espfleet_valve_3',
      device_class: 'water',
      command_topic: `${p}/valve-3/set`,
      state_topic: `${p}/valve-3/position`,
      json_attributes_topic: `${p}/valve-3/state`,
      reports_position: true,
      position_open: 100,
      position_closed: 0,
      payload_stop: 'STOP',
      availability: [
        { topic: `${p}/bridge/availability`, payload_available: 'online', payload_not_available: 'offline' },
        { topic: `${p}/valve-3/availability`, payload_available: 'online', payload_not_available: 'offline' },
      ],
      availability_mode: 'all',
      device: { identifiers: ['espfleet_valve_3'], name: 'Riego norte', manufacturer: 'espfleet', model: 'Motorised valve', sw_version: '9.8.7', serial_number: 'ESP-1' },
      origin: { name: 'espfleet', sw_version: '9.8.7' },
    });
    for (const [key, unit, cls] of [['voltage', 'V', 'measurement'], ['current', 'A', 'measurement'], ['power', 'W', 'measurement'], ['energy', 'kWh', 'total_increasing']]) {
      const m = await w.next(`${r.discoveryPrefix}/sensor/espfleet_station_${station.id}_${key}/config`);
      expect(m.retain).toBe(true);
      expect(json(m)).toMatchObject({
        unique_id: `espfleet_station_${station.id}_${key}`,
        state_topic: `${p}/station-${station.id}/${key}`,
        device_class: key,
        unit_of_measurement: unit,
        state_class: cls,
        availability_mode: 'all',
        device: { identifiers: [`espfleet_station_${station.id}`], name: 'Estación Norte', manufacturer: 'espfleet', model: 'EV charger', sw_version: '9.8.7' },
      });
    }
    expect(json(await w.next(`${p}/valve-3/state`))).toMatchObject({ valveId: 3, angle: 45, online: true });
    for (const [topic, payload] of [
      [`${p}/valve-3/angle`, '45'],
      [`${p}/valve-3/position`, '50'],
      [`${p}/valve-3/availability`, 'online'],
      [`${p}/bridge/availability`, 'online'],
      [`${p}/station-${station.id}/status`, 'disponible'],
      [`${p}/station-${station.id}/availability`, 'online'],
    ]) {
      const m = await w.next(topic);
      expect([m.payload, m.retain], topic).toEqual([payload, true]);
    }
    // Bridge online, 6 discovery configs, 4 valve and 2 station topics: each once.
    expect(r.metrics.get('espfleet_mqtt_published_total')).toBe(13);
    // Home Assistant came back: everything retained is published again (12 topics; not the bridge's own online).
    await w.publish(`${r.discoveryPrefix}/status`, 'online');
    await eventually(() => r.metrics.get('espfleet_mqtt_published_total') === 25, 5000, 'the fleet published again');
  });

  it('republishes fleet events: readings, sessions, status, valve changes and removals', async () => {
    const r = await rig();
    r.valves.put(snapshot(5, { angle: 0 }));
    await r.bridge(MACHINE_MQTT).start();
    await eventually(() => r.up === 1, 5000, 'the bridge connected');
    const w = await watch(r);
    const p = r.prefix;
    await w.next(`${r.discoveryPrefix}/valve/espfleet_valve_5/config`);

    // A station created after start: its first event announces it.
    const s = await r.store.createStation({ name: 'Estación Sur', tariff: 7 });
    r.events.emit({ kind: 'session-started', stationId: s.id, sessionId: 11, userName: 'Juan Pérez', startedAt: 1000 });
    r.events.emit({ kind: 'charger-metrics', stationId: s.id, sessionId: 11, v: 229.5, a: 16, w: 3672, kwh: 0.42, cost: 2.94 });
    const started = await w.next(`${p}/station-${s.id}/session`);
    expect([json(started), started.retain]).toEqual([{ event: 'started', stationId: s.id, sessionId: 11, userName: 'Juan Pérez', startedAt: 1000 }, false]);
    for (const [leaf, value] of [['voltage', '229.5'], ['current', '16'], ['power', '3672'], ['energy', '0.42']]) expect((await w.next(`${p}/station-${s.id}/${leaf}`)).payload).toBe(value);
    expect(json(await w.next(`${r.discoveryPrefix}/sensor/espfleet_station_${s.id}_energy/config`)).device.name).toBe('Estación Sur');

    r.events.emit({ kind: 'session-ended', stationId: s.id, sessionId: 11, kwh: 0.5, cost: 3.5, reason: 'stop-charger', endedAt: 2000 });
    expect(json(await w.next(`${p}/station-${s.id}/session`, (m) => m.payload.includes('ended')))).toMatchObject({ event: 'ended', kwh: 0.5, reason: 'stop-charger' });
    await w.next(`${p}/station-${s.id}/power`, (m) => m.payload === '0');
    r.events.emit({ kind: 'station-status', stationId: s.id, status: 'desconectado' });
    await w.next(`${p}/station-${s.id}/availability`, (m) => m.payload === 'offline');
    expect(w.last(`${p}/station-${s.id}/status`)?.payload).toBe('desconectado');
    // Live messages arrive without the retain flag (MQTT 3.1.1); a new subscriber shows what was kept.
    const later = await watch(r);
    for (const [leaf, value] of [['availability', 'offline'], ['status', 'desconectado'], ['power', '0'], ['current', '0'], ['voltage', '229.5'], ['energy', '0.42']]) {
      const m = await later.next(`${p}/station-${s.id}/${leaf}`);
      expect([m.payload, m.retain], leaf).toEqual([value, true]);
    }
    await new Promise((res) => setTimeout(res, 200));
    expect(later.received.filter((m) => m.topic.endsWith('/session'))).toEqual([]);

    r.valves.put(snapshot(5, { angle: 90, online: false, motion: 'idle' }));
    await w.next(`${p}/valve-5/position`, (m) => m.payload === '100');
    await w.next(`${p}/valve-5/availability`, (m) => m.payload === 'offline');

    // A removed valve: its discovery config and state are emptied, so a new subscriber gets none.
    r.events.emit({ kind: 'valve-removed', valveId: 5, deviceId: 105 });
    await w.next(`${r.discoveryPrefix}/valve/espfleet_valve_5/config`, (m) => m.payload === '');
    await w.next(`${p}/valve-5/state`, (m) => m.payload === '');
    const fresh = await watch(r);
    await fresh.next(`${p}/bridge/availability`);
    await new Promise((res) => setTimeout(res, 200));
    expect(fresh.received.filter((m) => m.topic.includes('valve-5') || m.topic.includes('espfleet_valve_5'))).toEqual([]);
  });

  it('refuses a retained command instead of running it at every connect', async () => {
    const r = await rig();
    r.valves.put(snapshot(9));
    const w = await watch(r);
    const p = r.prefix;
    // On the broker before the bridge subscribes: it arrives flagged retained.
    await w.publish(`${p}/valve-9/set`, 'OPEN', true);
    await r.bridge(MACHINE_MQTT).start();
    const refused = await w.next(`${p}/valve-9/error`);
    expect(json(refused)).toMatchObject({ topic: `${p}/valve-9/set`, error: 'bad-payload', payload: 'OPEN' });
    expect(json(refused).message).toMatch(/retained command is not run/);
    await w.publish(`${p}/valve-9/set`, '', true);
    expect(r.valves.commands).toEqual([]);
    expect(r.metrics.get('espfleet_mqtt_commands_total', { result: 'bad-payload' })).toBe(1);
  });

  it('runs valve commands from set and set_position', async () => {
    const r = await rig();
    r.valves.put(snapshot(7));
    await r.bridge(MACHINE_MQTT).start();
    await eventually(() => r.up === 1, 5000, 'the bridge connected');
    const w = await watch(r);
    const p = r.prefix;
    await w.next(`${p}/valve-7/state`);
    const sent: Array<[string, string]> = [
      ['set', 'OPEN'],
      ['set', 'close'],
      ['set', 'STOP'],
      ['set', '50'],
      ['set_position', '100'],
      ['set_position', '{"angle":30}'],
    ];
    for (const [leaf, payload] of sent) await w.publish(`${p}/valve-7/${leaf}`, payload);
    await eventually(() => r.valves.commands.length === sent.length, 5000, 'every command reached the fleet');
    expect(r.valves.commands).toEqual([
      { valveId: 7, command: { kind: 'open' } },
      { valveId: 7, command: { kind: 'close' } },
      { valveId: 7, command: { kind: 'stop' } },
      { valveId: 7, command: { kind: 'angle', angle: 45 } },
      { valveId: 7, command: { kind: 'angle', angle: 90 } },
      { valveId: 7, command: { kind: 'angle', angle: 30 } },
    ]);
    // The fleet's new state goes out as usual.
    await w.next(`${p}/valve-7/angle`, (m) => m.payload === '30');
    await eventually(() => r.metrics.get('espfleet_mqtt_commands_total', { result: 'ok' }) === 6, 2000, 'six commands counted ok');
    expect(w.received.filter((m) => m.topic.endsWith('/error'))).toEqual([]);
  });

  it('answers bad payloads and failed commands on the error topic, and keeps working', async () => {
    const r = await rig();
    r.valves.put(snapshot(8));
    const s = await r.store.createStation({ name: 'Estación 1', tariff: 7 });
    await r.bridge(MACHINE_MQTT).start();
    await eventually(() => r.up === 1, 5000, 'the bridge connected');
    const w = await watch(r);
    const p = r.prefix;
    await w.next(`${p}/valve-8/state`);
    const errors = () => w.received.filter((m) => m.topic === `${p}/valve-8/error`);

    const bad: Array<[string, string | Buffer, RegExp]> = [
      ['set', 'OPEN SESAME', /set takes OPEN, CLOSE, STOP or a position 0…100, not "OPEN SESAME"/],
      ['set', '150', /position must be 0…100/],
      ['set_position', '{"angle":100}', /angle must be a number 0…90/],
      ['set_position', 'half', /set_position takes/],
      ['set_position', Buffer.from([0xff, 0xfe, 0x00, 0x80]), /set_position takes/],
      ['set', 'x'.repeat(100_000), /not "x{64}…"/],
    ];
    for (const [leaf, payload] of bad) await w.publish(`${p}/valve-8/${leaf}`, payload);
    await eventually(() => errors().length === bad.length, 5000, 'every bad payload answered');
    errors().forEach((m, i) => {
      expect(m.retain).toBe(false);
      expect(json(m)).toMatchObject({ topic: `${p}/valve-8/${bad[i][0]}`, error: 'bad-payload' });
      expect(json(m).message).toMatch(bad[i][2]);
    });

    await w.publish(`${p}/station-${s.id}/set`, 'OPEN');
    expect(json(await w.next(`${p}/station-${s.id}/error`)).message).toMatch(/is not a valve/);
    // Empty deletes a retained message: neither run nor answered.
    await w.publish(`${p}/valve-8/set`, '');
    expect(r.valves.commands).toEqual([]);

    // The fleet refuses: its reason goes back to the sender.
    r.valves.failWith = new ValveCommandError('offline', 'Valve 8 is offline (ws://127.0.0.1:9008/ws)');
    await w.publish(`${p}/valve-8/set`, 'OPEN');
    const offline = await w.next(`${p}/valve-8/error`, (m) => m.payload.includes('offline'));
    expect(json(offline)).toEqual({ topic: `${p}/valve-8/set`, error: 'offline', message: 'Valve 8 is offline (ws://127.0.0.1:9008/ws)', command: { kind: 'open' } });
    r.valves.failWith = new Error('database gone');
    await w.publish(`${p}/valve-8/set_position`, '{"angle":10}');
    expect(json(await w.next(`${p}/valve-8/error`, (m) => m.payload.includes('database gone')))).toMatchObject({ error: 'error', command: { kind: 'angle', angle: 10 } });
    r.valves.failWith = undefined;
    await w.publish(`${p}/valve-404/set`, 'CLOSE');
    expect(json(await w.next(`${p}/valve-404/error`))).toMatchObject({ error: 'not-found' });

    // Still taking commands.
    await w.publish(`${p}/valve-8/set`, 'OPEN');
    await w.next(`${p}/valve-8/angle`, (m) => m.payload === '90');
    expect(r.metrics.get('espfleet_mqtt_commands_total', { result: 'bad-payload' })).toBe(bad.length + 1);
    expect(r.metrics.get('espfleet_mqtt_commands_total', { result: 'offline' })).toBe(1);
    expect(r.metrics.get('espfleet_mqtt_commands_total', { result: 'error' })).toBe(1);
    expect(r.metrics.get('espfleet_mqtt_commands_total', { result: 'not-found' })).toBe(1);
    expect(r.metrics.get('espfleet_mqtt_commands_total', { result: 'ok' })).toBe(1);
  });

  it("publishes the last will when the bridge's connection dies, and online again after it reconnects", async () => {
    const r = await rig();
    const door = await TcpDoor.open(MACHINE_MQTT);
    cleanups.push(() => door.close());
    r.valves.put(snapshot(2));
    // Slow to come back, so the will can be seen before the bridge is online again.
    const bridge = r.bridge(door.url, { reconnectPeriodMs: 1500 });
    await bridge.start();
    await eventually(() => r.up === 1, 5000, 'the bridge connected');
    const w = await watch(r);
    const availability = `${r.prefix}/bridge/availability`;
    await w.next(availability, (m) => m.payload === 'online');

    const from = w.received.length;
    door.cut();
    const will = await w.next(availability, (m) => m.payload === 'offline', 5000, from);
    // Retained: a subscriber arriving while the bridge is away learns it at once.
    const meanwhile = await watch(r);
    expect((await meanwhile.next(availability)).payload).toBe('offline');
    await w.next(availability, (m) => m.payload === 'online', 5000, w.received.indexOf(will));
    await eventually(() => r.up === 1, 5000, 'the bridge reconnected');
    // Retained: a late subscriber sees the bridge online.
    const fresh = await watch(r);
    expect((await fresh.next(availability)).payload).toBe('online');

    const closing = w.received.length;
    await bridge.close();
    const bye = await w.next(availability, (m) => m.payload === 'offline', 5000, closing);
    expect(bye.payload).toBe('offline');
    expect(r.up).toBe(0);
    const after = await watch(r);
    expect((await after.next(availability)).payload).toBe('offline');
  });
});
