// Row counts of every table of a test server's database, to show a refused write left nothing.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PG_URL } from '../support.js';

export interface TableCounter {
  counts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export async function tableCounter(s: { dir: string; config: { databaseUrl?: string } }): Promise<TableCounter> {
  const url = s.config.databaseUrl;
  if (!url) {
    const db = new Database(join(s.dir, 'espfleet.db'), { readonly: true });
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    return {
      async counts() {
        return Object.fromEntries(tables.map((t) => [t, (db.prepare(`SELECT COUNT(*) AS n FROM "${t}"`).get() as { n: number }).n]));
      },
      async close() {
        db.close();
      },
    };
  }
  const schema = new URL(url).searchParams.get('schema');
  if (!schema) throw new Error('the test server has no schema of its own');
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  const tables = (await c.query('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', [schema])).rows.map((r) => r.table_name as string);
  return {
    async counts() {
      const out: Record<string, number> = {};
      for (const t of tables) out[t] = Number((await c.query(`SELECT COUNT(*) AS n FROM "${schema}"."${t}"`)).rows[0].n);
      return out;
    },
    close: () => c.end(),
  };
}
