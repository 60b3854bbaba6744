// The demo's stations and the people who charge at them: station N, its own user and card,
// created once in the demo's database (a later run with the same data directory finds them).
import type { Store } from '@espfleet/host-server';

export interface DemoPerson {
  station: number;
  name: string;
  /** The card's UID, as the charger's reader reads it (4 bytes, hex). */
  card: string;
}

const NAMES = ['Juan Pérez', 'María González'];
/** Tariff per kWh. */
const TARIFF = 7;

/** Station N's person: the first two have names, the rest are numbered; UIDs stay 4 bytes up to 100 stations. */
export function demoPerson(station: number): DemoPerson {
  const uid = 0xb2c3 + (station === 1 ? 0 : station);
  return { station, name: NAMES[station - 1] ?? `Usuario ${station}`, card: `04A1${uid.toString(16).toUpperCase()}` };
}

/** Stations 1…n with their device, user and card, each created only when missing. */
export async function ensureStations(store: Store, n: number): Promise<DemoPerson[]> {
  const people: DemoPerson[] = [];
  for (let i = 1; i <= n; i++) {
    const p = demoPerson(i);
    if (!(await store.getStation(i))) {
      const d = await store.createDevice({ name: `Estación ${i}`, kind: 'charger', status: 'desconectado' });
      await store.createStation({ id: i, name: `Estación ${i}`, tariff: TARIFF, deviceId: d.id });
      await store.setStationStatus(i, 'desconectado');
    }
    const card = await store.findCard(p.card);
    if (card) p.name = card.user.name;
    else await store.createCard({ uid: p.card, userId: (await store.createUser({ name: p.name })).id });
    people.push(p);
  }
  return people;
}
