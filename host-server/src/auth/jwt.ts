// HS256 JSON Web Tokens for stations, dashboards and operators: signed and checked with
// node:crypto, compared in constant time. Each token's header names the secret it was signed
// with by a key id (a short hash of the secret), so a refusal can say "signed with another
// secret" rather than only "bad signature".
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type Role = 'publisher' | 'client' | 'sensor' | 'admin';

export const ROLES: readonly Role[] = ['publisher', 'client', 'sensor', 'admin'];

/** Largest station id: the charger endpoint accepts `^[0-9]{1,9}$`. */
export const MAX_STATION_ID = 999_999_999;

export interface Claims {
  sub: string;
  role: Role;
  /** The station a publisher or dashboard token is for; absent = every station (dashboards only). */
  estacionId?: number;
  iat: number;
  exp?: number;
}

/** Why a token was refused: the label counted in /metrics. */
export type TokenFault = 'malformed' | 'bad_signature' | 'expired';

export class TokenError extends Error {
  constructor(
    readonly reason: TokenFault,
    message: string,
  ) {
    super(message);
  }
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/**
 * A public name for a secret. HMAC tokens already let anyone holding one test guesses of the
 * secret offline, so this short hash reveals nothing a token does not.
 */
export function secretKeyId(secret: string): string {
  return createHash('sha256').update(`espfleet-jwt-key-id:${secret}`).digest('hex').slice(0, 12);
}

export function signToken(secret: string, claims: Omit<Claims, 'iat'> & { iat?: number }, ttlSeconds?: number): string {
  const iat = claims.iat ?? Math.floor(Date.now() / 1000);
  const body: Claims = { ...claims, iat };
  if (ttlSeconds !== undefined) body.exp = iat + ttlSeconds;
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: secretKeyId(secret) }));
  const payload = b64url(JSON.stringify(body));
  const sig = createHmac('sha256', secret).update(`${head}.${payload}`).digest('base64url');
  return `${head}.${payload}.${sig}`;
}

function parsePart(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new TokenError('malformed', 'malformed token: a part is not base64url JSON');
  }
}

function validClaims(c: unknown): c is Claims {
  if (!c || typeof c !== 'object') return false;
  const o = c as Record<string, unknown>;
  const whole = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
  return (
    typeof o.sub === 'string' &&
    ROLES.includes(o.role as Role) &&
    (o.estacionId === undefined || whole(o.estacionId, 1, MAX_STATION_ID)) &&
    (o.exp === undefined || (typeof o.exp === 'number' && Number.isFinite(o.exp))) &&
    typeof o.iat === 'number'
  );
}

export function verifyToken(secret: string, token: string, now = Date.now()): Claims {
  const parts = token.split('.');
  if (parts.length !== 3) throw new TokenError('malformed', 'malformed token: not three dot-separated parts');
  const [head, payload, sig] = parts;
  const header = parsePart(head) as { alg?: unknown; kid?: unknown } | null;
  if (!header || header.alg !== 'HS256') throw new TokenError('malformed', 'malformed token: the algorithm is not HS256');
  const expected = createHmac('sha256', secret).update(`${head}.${payload}`).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    const ours = secretKeyId(secret);
    if (typeof header.kid === 'string' && header.kid !== ours) {
      throw new TokenError('bad_signature', `token signed with another secret (its key id ${header.kid}; this server's secret is ${ours})`);
    }
    if (header.kid === ours) throw new TokenError('bad_signature', 'bad token signature: the token names this server\'s secret but was altered');
    throw new TokenError('bad_signature', `bad token signature: signed with another secret, or altered (this server's secret is ${ours})`);
  }
  const claims = parsePart(payload);
  if (!validClaims(claims)) throw new TokenError('malformed', 'malformed token: claims lack a subject or role, or have a wrong type');
  if (claims.exp !== undefined && claims.exp * 1000 < now) throw new TokenError('expired', 'token expired');
  return claims;
}
