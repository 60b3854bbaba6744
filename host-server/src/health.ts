// /healthz: the server is healthy when its database answers. Each request probes it afresh
// (a read of the sessions table, bounded in time), so the report recovers by itself as soon
// as the database is back.
import type { ServerResponse } from 'node:http';
import type { Store } from './storage/store.js';
import { json } from './http/router.js';

export interface HealthReport {
  status: 'ok' | 'degraded';
  store: Store['kind'];
  uptime: number;
  /** Why the database is not answering. */
  error?: string;
}

export class DatabaseHealth {
  constructor(
    private readonly store: Store,
    private readonly timeoutMs = 2000,
  ) {}

  async report(): Promise<HealthReport> {
    const base = { store: this.store.kind, uptime: Math.round(process.uptime()) };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new Error(`no answer in ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      await Promise.race([this.store.getSession(0), timeout]);
      return { status: 'ok', ...base };
    } catch (e) {
      return { status: 'degraded', ...base, error: `database unreachable: ${(e as Error).message}` };
    } finally {
      clearTimeout(timer);
    }
  }

  /** 200 with status ok, or 503 with status degraded and the reason. */
  async respond(res: ServerResponse): Promise<void> {
    const r = await this.report();
    json(res, r.status === 'ok' ? 200 : 503, r);
  }
}
