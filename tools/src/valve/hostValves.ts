// `espfleet valve add | list | remove`: the valves a host server links to, over its REST API
// (/api/v1/valves) with an admin token. Errors are UsageErrors or ValveErrors with the
// server's own message.
import type { ValveSnapshot } from '@espfleet/host-server';
import { ValveError } from './errors.js';

export interface HostTarget {
  server: string;
  token?: string;
}

/** A valve as the host server reports it. */
export type HostValve = ValveSnapshot;

/** One line for a valve as the host knows it. */
export function hostValveLine(v: HostValve): string {
  return `${v.name} (valve ${v.valveId}): ${v.online ? 'online' : 'offline'}${v.angle === null ? '' : `, ${v.angle}°`}${v.motion && v.motion !== 'idle' ? `, ${v.motion}` : ''}${v.fault ? `, FAULT ${v.fault}` : ''}`;
}

export async function hostCall<T>(t: HostTarget, method: string, path: string, body?: unknown): Promise<T> {
  let r: Response;
  try {
    r = await fetch(new URL(path, t.server), {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(t.token ? { authorization: `Bearer ${t.token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ValveError('unreachable', `cannot reach the host server at ${t.server}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`);
  }
  const text = await r.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ValveError('protocol', `${t.server} answered ${r.status} with something other than JSON: is it an espfleet server?`);
  }
  if (!r.ok) {
    const err = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    const hint = r.status === 401 || r.status === 403 ? ' (give an admin token with --token or ESPFLEET_TOKEN: espfleet token admin)' : '';
    // The host's answers about the valve keep the CLI's exit statuses: offline 4, timeout 5, fault 6.
    const kind = r.status === 401 || r.status === 403 ? 'auth' : r.status === 503 ? 'unreachable' : r.status === 504 ? 'timeout' : 'fault';
    throw new ValveError(kind, `the host server answered ${r.status} ${err?.code ?? ''} ${err?.message ?? text}${hint}`.replace(/\s+/g, ' ').trim());
  }
  return parsed as T;
}

/** Waits until the host's link to the valve is up, reporting each wait; false after `ms`. */
export async function waitLinked(t: HostTarget, id: number, ms: number, tick: (v: HostValve, waitedMs: number) => void): Promise<HostValve> {
  const start = Date.now();
  for (;;) {
    const v = await hostCall<HostValve>(t, 'GET', `/api/v1/valves/${id}`);
    if (v.online || Date.now() - start >= ms) return v;
    tick(v, Date.now() - start);
    await new Promise((r) => setTimeout(r, 250));
  }
}
