import { join } from 'node:path';
import { PostgresStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './store.js';

/**
 * PostgreSQL when `databaseUrl` is set (postgres:// or postgresql://), else the SQLite file
 * `<dataDir>/espfleet.db`; migrated and ready. Failing to open it rejects with an Error that
 * names the database (never its password) and the reason.
 */
export async function openStore(o: { databaseUrl?: string; dataDir: string }): Promise<Store> {
  const url = o.databaseUrl?.trim();
  if (!url) {
    const file = join(o.dataDir, 'espfleet.db');
    return open(() => new SqliteStore(file), `SQLite database ${file}`);
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== 'postgres' && scheme !== 'postgresql') {
    throw new Error(
      `Unsupported database URL scheme ${scheme ? `"${scheme}:"` : '(none)'}: DATABASE_URL must start with postgres:// or postgresql://`,
    );
  }
  // espfleet's own `schema` parameter puts every table in that schema (tests isolate themselves so).
  let pgUrl = url;
  let schema: string | undefined;
  try {
    const u = new URL(url);
    schema = u.searchParams.get('schema') ?? undefined;
    if (schema !== undefined) {
      u.searchParams.delete('schema');
      pgUrl = u.toString();
    }
  } catch {
    // An unparsable URL is reported by the driver below.
  }
  return open(() => new PostgresStore(pgUrl, schema ? { schema } : undefined), `PostgreSQL database ${describePostgres(url)}`, url);
}

async function open(create: () => Store, what: string, url?: string): Promise<Store> {
  let store: Store | undefined;
  try {
    store = create();
    await store.migrate();
    return store;
  } catch (e) {
    await store?.close().catch(() => {});
    const reason = redact(reasonOf(e), url);
    // No `cause` for PostgreSQL: driver errors (e.g. a URL parse error) can carry the URL itself.
    throw new Error(`Could not open ${what}: ${reason}`, url ? undefined : { cause: e });
  }
}

/** user@host:port/database, without the password. */
function describePostgres(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    return `${u.username ? `${decodeURIComponent(u.username)}@` : ''}${host}:${u.port || 5432}${u.pathname || '/'}`;
  } catch {
    return '(unparsable URL)';
  }
}

function reasonOf(e: unknown): string {
  if (e instanceof AggregateError && e.errors.length) return e.errors.map(reasonOf).join('; ');
  if (e instanceof Error) return e.message || String((e as { code?: unknown }).code ?? e.name);
  return String(e);
}

function redact(text: string, url: string | undefined): string {
  if (!url) return text;
  let out = text.split(url).join('<DATABASE_URL>');
  try {
    const password = new URL(url).password;
    for (const p of new Set([password, decodeURIComponent(password)])) if (p.length >= 3) out = out.split(p).join('***');
  } catch {
    // an unparsable URL has no password to find
  }
  return out;
}
