// The demo's valves: simulated valves running the valve firmware, each on a fixed loopback port
// and registered once with the host, which links to them. The port is the one the host already
// knows when it is free (a later demo run with the same data directory, a rebooted valve), else
// a free one, and the registration moves with it: one registration per valve name, never two.
import { createServer, type AddressInfo } from 'node:net';
import { SimulatedValve, type Clock } from '@espfleet/simulator';
import type { EspfleetServer, Store } from '@espfleet/host-server';

export interface DemoValve {
  sim: SimulatedValve;
  valveId: number;
  name: string;
  port: number;
  passkey: string;
}

type ValveHub = EspfleetServer['valves'];

function listen(port: number): Promise<number | undefined> {
  return new Promise((ok) => {
    const s = createServer();
    s.once('error', () => ok(undefined));
    s.listen({ host: '127.0.0.1', port }, () => {
      const got = (s.address() as AddressInfo).port;
      s.close(() => ok(got));
    });
  });
}

/** The loopback port of a registered address (ws://127.0.0.1:P/ws), when it is free now. */
async function reusablePort(address: string): Promise<number | undefined> {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return undefined;
  }
  if (url.hostname !== '127.0.0.1' || !url.port) return undefined;
  return listen(Number(url.port));
}

export async function startDemoValves(o: {
  hub: ValveHub;
  count: number;
  bundle: string;
  clock: Clock;
  progress: (text: string) => void;
  /** Each simulated valve as it starts, so a stop in the middle of this can stop it. */
  started: (sim: SimulatedValve) => void;
}): Promise<DemoValve[]> {
  const valves: DemoValve[] = [];
  for (let i = 1; i <= o.count; i++) {
    const name = `Válvula ${i}`;
    const passkey = `demo-valve-${i}`;
    let known = o.hub.list().find((v) => v.name === name);
    let port = known ? await reusablePort(known.address) : undefined;
    if (known && port === undefined) {
      await o.hub.remove(known.valveId);
      known = undefined;
    }
    port ??= (await listen(0))!;
    o.progress(`starting valve ${i}/${o.count} on port ${port} (valve firmware)…`);
    const sim = new SimulatedValve({ id: `valve-${i}`, bundle: o.bundle, bundleName: 'valve.js', clock: o.clock, port, passkey }).start();
    o.started(sim);
    const valveId = known ? known.valveId : (await o.hub.add({ name, address: `127.0.0.1:${port}`, passkey })).valveId;
    valves.push({ sim, valveId, name, port, passkey });
  }
  return valves;
}

/**
 * Removes the devices an earlier demo made to stand in for its valves (it published their angles
 * itself, and they would show frozen now): the host's link to each valve is the source now.
 */
export async function removeStandIns(store: Store): Promise<number> {
  let removed = 0;
  for (const d of await store.listDevices()) {
    if (d.kind === 'valve' && /^Simulated valve-\d+$/.test(d.name) && (await store.deleteDevice(d.id))) removed++;
  }
  return removed;
}
