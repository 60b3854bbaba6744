// Device gateway API keys, pure: minting (shown once, kept as a SHA-256 — the keys are 192
// random bits, so a slow password hash would add nothing but connect latency), where a
// Socket.io handshake presents one, and what the spec's connect_error says about it.
import { createHash, randomBytes } from 'node:crypto';
import { GATEWAY_ERRORS } from '@espfleet/protocol/gateway';
import type { ApiKey } from '../storage/store.js';

export const API_KEY_PREFIX = 'efk_';

export interface MintedKey {
  key: string;
  /** Enough of the key to tell it apart in a list; never enough to use it. */
  prefix: string;
  hash: string;
}

export function mintApiKey(): MintedKey {
  const key = API_KEY_PREFIX + randomBytes(24).toString('base64url');
  return { key, prefix: key.slice(0, API_KEY_PREFIX.length + 6), hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export interface Handshake {
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  auth: Record<string, unknown>;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : Array.isArray(v) && typeof v[0] === 'string' && v[0] !== '' ? v[0] : undefined);

/** The `apiKey` query parameter (the spec's JavaScript example), header (its Python example) or auth payload field. */
export function presentedKey(h: Handshake): string | undefined {
  return text(h.query.apiKey) ?? text(h.headers.apikey) ?? text(h.auth?.apiKey);
}

export type KeyVerdict = { ok: true; key: ApiKey } | { ok: false; error: (typeof GATEWAY_ERRORS)[keyof typeof GATEWAY_ERRORS] };

/** May the key found for the presented one open device `deviceId`'s namespace? */
export function judgeKey(presented: string | undefined, found: ApiKey | undefined, deviceId: number): KeyVerdict {
  if (presented === undefined) return { ok: false, error: GATEWAY_ERRORS.API_KEY_REQUIRED };
  if (!found || found.revokedAt !== null || found.deviceId !== deviceId) return { ok: false, error: GATEWAY_ERRORS.INVALID_API_KEY };
  return { ok: true, key: found };
}
