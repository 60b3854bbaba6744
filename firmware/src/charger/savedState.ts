// The state file read back at boot, checked field by field: a damaged file is reported and
// ignored rather than trusted (the relay stays open either way).
import type { SavedState } from './machine.js';
import type { Reading, UrgentMessage } from './messages.js';

function isReading(r: unknown): boolean {
  if (!Array.isArray(r) || r.length !== 6) return false;
  for (let i = 0; i < 6; i++) if (typeof r[i] !== 'number' || !isFinite(r[i])) return false;
  return true;
}

function isUrgent(m: unknown): boolean {
  const o = m as Record<string, unknown>;
  if (!o || (o.type !== 'stop' && o.type !== 'emergency')) return false;
  return o.session_id === undefined ? o.type === 'emergency' : typeof o.session_id === 'number';
}

export function savedState(raw: Record<string, unknown>): { state: SavedState | null; problem: string } {
  if (raw.e === undefined) return { state: null, problem: '' };
  const u = raw.u as unknown[];
  const q = raw.q as unknown[];
  let ok = typeof raw.e === 'number' && raw.e >= 0 && (raw.s === null || typeof raw.s === 'number') && typeof raw.l === 'boolean';
  ok = ok && Array.isArray(u) && Array.isArray(q);
  for (let i = 0; ok && i < u.length; i++) ok = isUrgent(u[i]);
  for (let i = 0; ok && i < q.length; i++) ok = isReading(q[i]);
  if (!ok) return { state: null, problem: 'not a charger state file' };
  return { state: { e: raw.e as number, s: raw.s as number | null, l: raw.l as boolean, u: u as UrgentMessage[], q: q as Reading[] }, problem: '' };
}
