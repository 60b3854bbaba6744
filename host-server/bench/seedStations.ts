// Stations for the benches, as POST /stations makes them (each with its device and power,
// voltage and current sensors), each with a user and a card CARD-<id>; returns the users' ids.
import type { Store } from '../src/storage/store.js';
import { STATION_SENSORS } from '../src/http/api.js';

export async function seedStations(store: Store, n: number): Promise<number[]> {
  const users: number[] = [];
  for (let i = 1; i <= n; i++) {
    await store.createStationWithDevice({
      station: { id: i, name: `E${i}`, tariff: 7, status: 'desconectado' },
      device: { name: `E${i}`, kind: 'charger', status: 'desconectado' },
      sensors: STATION_SENSORS,
      maxId: 999_999_999,
    });
    const u = await store.createUser({ name: `User ${i}` });
    users.push(u.id);
    await store.createCard({ uid: `CARD-${i}`, userId: u.id });
  }
  return users;
}
