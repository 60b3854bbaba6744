// Billing only from plausible readings, over real sockets: refused readings are answered with a
// code, stored as flagged, and change nothing billed (issue 7 §2).
import { describe, it, expect, afterEach, afterAll } from 'vitest';
import { start as startServer, rest, Client, wsUrl, seedStation, postgresReachable, pgSchemaUrl, dropTestSchemas } from '../support.js';
import type { ServerConfig } from '../../src/config.js';

const pgUp = await postgresReachable();
if (!pgUp && process.env.CI === 'true') throw new Error('PostgreSQL at 127.0.0.1:5432 is not reachable: the server suites must run against it in CI');
const backends = pgUp ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);
afterAll(async () => {
  if (pgUp) await dropTestSchemas();
});

const nowS = () => Math.floor(Date.now() / 1000);

describe.each(backends)('plausible readings on %s', (backend) => {
  const open: Array<{ close(): void | Promise<void> }> = [];
  afterEach(async () => {
    for (const x of open.splice(0).reverse()) await x.close();
  });
  async function server(o: Partial<ServerConfig> = {}) {
    const s = await startServer(backend === 'postgres' ? { databaseUrl: pgSchemaUrl(), ...o } : o);
    open.push(s);
    return s;
  }
  async function client(s: { url: string }, q: string) {
    const c = new Client(wsUrl(s, `/ws?${q}`));
    open.push(c);
    await c.opened();
    return c;
  }
  async function session(s: { url: string }, esp: Client) {
    esp.send({ type: 'nfc_scan', nfc_uid: 'VIRTUAL-1-A4F2E8' });
    const sid: number = (await esp.type('start')).session_id;
    const startedAt: number = (await rest(s, 'GET', `/api/v1/sessions/${sid}`)).body.startedAt;
    return { sid, startedAt };
  }

  it("the issue's clock jump and w: 1e300 bill nothing; a long gap bills nothing and is flagged; time follows ts", async () => {
    // A wide skew so that the reading after the gap is not in the future.
    const s = await server({ chargerClockSkewS: 3600 });
    await seedStation(s, { tariff: 7 });
    const esp = await client(s, 'role=publisher&estacionId=1');
    const dash = await client(s, 'role=client&estacionId=1');
    const { sid, startedAt } = await session(s, esp);
    const m = (ts: number, w = 3600) => ({ type: 'metrics', session_id: sid, v: 230, a: 16, w, ts });
    const elapsed = (ts: number) => Math.max(0, Math.round(ts - startedAt / 1000));
    const t0 = nowS();
    esp.send(m(t0));
    esp.send(m(t0 + 100));
    expect(await dash.type('metrics')).toMatchObject({ kwh: 0, time: elapsed(t0) });
    const billed = await dash.type('metrics');
    expect(billed).toMatchObject({ kwh: 0.1, cost: 0.7, time: elapsed(t0 + 100) });

    esp.send(m(t0 + 1_000_000_000)); // the charger's clock jumps (1795971000 → 2795971000 in the report)
    expect(await esp.type('error')).toMatchObject({ code: 'TS_IN_FUTURE' });
    esp.send(m(t0 + 103, 1e300));
    expect(await esp.type('error')).toEqual({
      type: 'error',
      code: 'POWER_OUT_OF_RANGE',
      message: 'Potencia 1e+300 W fuera del rango de la estación (0 a 22000 W)',
    });
    esp.send(m(t0 - 4000));
    expect(await esp.type('error')).toMatchObject({ code: 'TS_BEFORE_START' });
    esp.send({ ...m(t0 + 104), v: 230, a: 1, w: 3600 });
    expect(await esp.type('error')).toMatchObject({ code: 'POWER_MISMATCH' });

    esp.send(m(t0 + 100 + 301)); // after a silence longer than the allowed 300 s
    const afterGap = await dash.type('metrics');
    expect(afterGap).toMatchObject({ kwh: 0.1, cost: 0.7, time: elapsed(t0 + 401) });
    await new Promise((r) => setTimeout(r, 100));
    expect(dash.received.filter((x) => x.type === 'metrics')).toEqual([]);

    const stored = (await rest(s, 'GET', `/api/v1/sessions/${sid}`)).body;
    expect(stored.kwh).toBeCloseTo(0.1, 9);
    expect(stored.cost).toBe(0.7);
    expect(stored.metrics.map((x: { ts: number }) => x.ts)).toEqual([t0, t0 + 100, t0 + 401]);
    const flagged = await s.store.listFlaggedMetrics(sid);
    expect(flagged.map((f) => [f.flag, f.ts, f.w])).toEqual([
      ['TS_IN_FUTURE', t0 + 1_000_000_000, 3600],
      ['POWER_OUT_OF_RANGE', t0 + 103, 1e300],
      ['TS_BEFORE_START', t0 - 4000, 3600],
      ['POWER_MISMATCH', t0 + 104, 3600],
      ['GAP_TOO_LONG', t0 + 401, 3600],
    ]);
    const counters = await (await fetch(`${s.url}/metrics`)).text();
    expect(counters).toContain('espfleet_charger_readings_flagged_total{code="POWER_OUT_OF_RANGE"} 1');
  });

  it('an energy register that runs backwards or jumps is flagged and not billed; the station rating bounds readings', async () => {
    const s = await server();
    await seedStation(s, { tariff: 10 });
    await s.store.createStation({ id: 2, name: 'Wallbox', tariff: 10, maxPowerW: 7400 });
    await rest(s, 'POST', '/api/v1/cards', { uid: 'CARD-2', userId: (await rest(s, 'POST', '/api/v1/users', { name: 'Ana' })).body.id });
    const esp = await client(s, 'role=publisher&estacionId=1');
    const { sid } = await session(s, esp);
    const m = (ts: number, wh: number) => ({ type: 'metrics', session_id: sid, v: 230, a: 10, w: 2300, ts, energy_wh: wh });
    const t = nowS();
    esp.send(m(t, 500));
    esp.send(m(t + 3, 490));
    expect(await esp.type('error')).toMatchObject({ code: 'ENERGY_REGISTER_BACKWARDS' });
    esp.send(m(t + 6, 1_000_000));
    expect(await esp.type('error')).toMatchObject({ code: 'ENERGY_REGISTER_JUMP' });
    esp.send(m(t + 9, 520));
    esp.send({ type: 'stop', session_id: sid });
    await new Promise((r) => setTimeout(r, 200));
    const stored = (await rest(s, 'GET', `/api/v1/sessions/${sid}`)).body;
    expect(stored.metrics.map((x: { ts: number }) => x.ts)).toEqual([t, t + 9]);
    expect(stored.kwh).toBeCloseTo(0.02, 9);
    expect(stored.cost).toBe(0.2);
    expect((await s.store.listFlaggedMetrics(sid)).map((f) => [f.flag, f.energyWh])).toEqual([
      ['ENERGY_REGISTER_BACKWARDS', 490],
      ['ENERGY_REGISTER_JUMP', 1_000_000],
    ]);

    const wallbox = await client(s, 'role=publisher&estacionId=2');
    wallbox.send({ type: 'nfc_scan', nfc_uid: 'CARD-2' });
    const sid2 = (await wallbox.type('start')).session_id;
    wallbox.send({ type: 'metrics', session_id: sid2, v: 230, a: 32, w: 7401, ts: nowS() });
    expect(await wallbox.type('error')).toMatchObject({ code: 'POWER_OUT_OF_RANGE', message: 'Potencia 7401 W fuera del rango de la estación (0 a 7400 W)' });
  });
});
