// Migration 4's API keys and provisioning on both back ends: SQLite and PostgreSQL (a throw-away
// schema; with CI=true a missing PostgreSQL fails).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/storage/openStore.js';
import { PostgresStore } from '../../src/storage/postgres.js';
import { ConstraintError } from '../../src/storage/migrations.js';
import type { Store } from '../../src/storage/store.js';

const PG = 'postgres://postgres@127.0.0.1:5432/test';
const schema = `espfleet_keys_${randomBytes(6).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'espfleet-keys-'));

async function postgres(): Promise<Store> {
  const s = new PostgresStore(PG, { schema });
  await s.migrate();
  return s;
}

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  const c = new pg.Client(PG);
  await c.connect().then(() => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).catch(() => undefined);
  await c.end().catch(() => undefined);
});

describe.each([
  ['sqlite', () => openStore({ dataDir: dir })],
  ['postgres', postgres],
] as const)('%s: device api keys', (_name, open) => {
  it('creates, finds by hash, lists, revokes once, and deletes with the device', async () => {
    const store = await open();
    try {
      const dev = await store.createDevice({ name: 'V', kind: 'valve' });
      const other = await store.createDevice({ name: 'W', kind: 'valve' });
      const k = await store.createApiKey({ deviceId: dev.id, name: 'n', prefix: 'efk_abc', hash: 'h1' });
      expect(k).toEqual({ id: expect.any(Number), deviceId: dev.id, name: 'n', prefix: 'efk_abc', createdAt: expect.any(Number), revokedAt: null });
      await expect(store.createApiKey({ deviceId: dev.id, name: '', prefix: 'p', hash: 'h1' })).rejects.toBeInstanceOf(ConstraintError);
      expect(await store.apiKeyByHash('h1')).toEqual(k);
      expect(await store.apiKeyByHash('nope')).toBeUndefined();
      expect(await store.revokeApiKey(other.id, k.id, 5)).toBeUndefined();
      expect((await store.revokeApiKey(dev.id, k.id, 5))?.revokedAt).toBe(5);
      expect((await store.revokeApiKey(dev.id, k.id, 9))?.revokedAt).toBe(5);
      expect(await store.listApiKeys(dev.id)).toEqual([{ ...k, revokedAt: 5 }]);
      expect(await store.deviceProvisioned(dev.id)).toBe(false);
      expect(await store.markDeviceProvisioned(dev.id, 7)).toBe(true);
      expect(await store.markDeviceProvisioned(dev.id, 8)).toBe(false);
      expect(await store.deviceProvisioned(dev.id)).toBe(true);
      expect(await store.deleteDevice(dev.id)).toBe(true);
      expect(await store.deleteDevice(dev.id)).toBe(false);
      expect(await store.apiKeyByHash('h1')).toBeUndefined();
      expect(await store.getDevice(other.id)).toBeDefined();
    } finally {
      await store.close();
    }
  });
});
