// The bridge and a mosquitto of the test's own (no persistence): a broker that is not there
// yet, then killed and restarted mid-test. Each time the bridge reconnects, subscribes again,
// re-announces discovery and republishes the latest state, including what changed while the
// broker was down; a command sent after the restart still works.
import { afterEach, expect, it } from 'vitest';
import { OwnMosquitto, Rig, eventually, freePort, mosquittoInstalled, snapshot, type Watcher } from './support.js';

const installed = mosquittoInstalled();

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it.skipIf(!installed)('connects once the broker is up, and after a restart holds the latest state and takes commands', async () => {
  const broker = new OwnMosquitto(await freePort());
  cleanups.push(() => broker.remove());
  const r = await Rig.create();
  cleanups.push(() => r.close());
  const watchers: Watcher[] = [];
  cleanups.push(async () => {
    for (const w of watchers) await w.close();
  });
  const watch = async () => {
    const w = await r.watch(broker.url);
    watchers.push(w);
    return w;
  };
  const p = r.prefix;
  const station = await r.store.createStation({ name: 'Estación 1', tariff: 7 });
  r.valves.put(snapshot(1, { angle: 0 }));

  // No broker yet: start() resolves and the bridge keeps trying.
  await r.bridge(broker.url).start();
  r.events.emit({ kind: 'charger-metrics', stationId: station.id, sessionId: 1, v: 230, a: 10, w: 2300, kwh: 0.1, cost: 0.7 });
  await new Promise((res) => setTimeout(res, 500));
  expect(r.up).toBe(0);
  expect(r.metrics.get('espfleet_mqtt_published_total')).toBe(0);

  await broker.up();
  await eventually(() => r.up === 1, 5000, 'the bridge connected to the new broker');
  const first = await watch();
  expect((await first.next(`${r.discoveryPrefix}/valve/espfleet_valve_1/config`)).retain).toBe(true);
  expect((await first.next(`${p}/station-${station.id}/power`)).payload).toBe('2300');
  await first.publish(`${p}/valve-1/set`, '50');
  await first.next(`${p}/valve-1/angle`, (m) => m.payload === '45');

  // The broker dies; the fleet goes on changing meanwhile.
  await broker.kill();
  await eventually(() => r.up === 0, 5000, 'the bridge saw the broker go');
  r.valves.put(snapshot(1, { angle: 60, motion: 'idle' }));
  r.events.emit({ kind: 'charger-metrics', stationId: station.id, sessionId: 1, v: 231, a: 12, w: 2772, kwh: 0.3, cost: 2.1 });
  r.events.emit({ kind: 'station-status', stationId: station.id, status: 'cargando' });

  // Back without any retained message of its own: everything a subscriber sees came from the bridge.
  await broker.up();
  await eventually(() => r.up === 1, 5000, 'the bridge reconnected');
  const after = await watch();
  for (const [topic, payload] of [
    [`${p}/bridge/availability`, 'online'],
    [`${p}/valve-1/angle`, '60'],
    [`${p}/valve-1/position`, '67'],
    [`${p}/valve-1/availability`, 'online'],
    [`${p}/station-${station.id}/power`, '2772'],
    [`${p}/station-${station.id}/energy`, '0.3'],
    [`${p}/station-${station.id}/status`, 'cargando'],
  ]) {
    const m = await after.next(topic);
    expect([m.payload, m.retain], topic).toEqual([payload, true]);
  }
  expect(JSON.parse((await after.next(`${r.discoveryPrefix}/valve/espfleet_valve_1/config`)).payload).command_topic).toBe(`${p}/valve-1/set`);
  for (const key of ['voltage', 'current', 'power', 'energy', 'status']) {
    expect((await after.next(`${r.discoveryPrefix}/sensor/espfleet_station_${station.id}_${key}/config`)).retain).toBe(true);
  }

  // Subscribed again: a command after the restart reaches the fleet.
  const before = r.valves.commands.length;
  await after.publish(`${p}/valve-1/set`, 'CLOSE');
  await eventually(() => r.valves.commands.length === before + 1, 5000, 'the command after the restart reached the fleet');
  expect(r.valves.commands.at(-1)).toEqual({ valveId: 1, command: { kind: 'close' } });
  await after.next(`${p}/valve-1/angle`, (m) => m.payload === '0');
});

it('closes promptly while the broker is down', async () => {
  const r = await Rig.create();
  cleanups.push(() => r.close());
  const bridge = r.bridge(`mqtt://127.0.0.1:${await freePort()}`);
  await bridge.start();
  await new Promise((res) => setTimeout(res, 300));
  const t0 = Date.now();
  await bridge.close();
  expect(Date.now() - t0).toBeLessThan(1000);
  expect(r.up).toBe(0);
});
