// HS256 JSON Web Tokens for stations, dashboards and operators: signed and checked with
// node:crypto, compared in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type Role = 'publisher' | 'client' | 'sensor' | 'admin';

export interface Claims {
  sub: string;
  role: Role;
  /** The station a publisher or dashboard token is for; absent = every station (dashboards only). */
  estacionId?: number;
  iat: number;
  exp?: number;
}

export class TokenError extends Error {}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export function signToken(secret: string, claims: Omit<Claims, 'iat'> & { iat?: number }, ttlSeconds?: number): string {
  const iat = claims.iat ?? Math.floor(Date.now() / 1000);
  const body: Claims = { ...claims, iat };
  if (ttlSeconds !== undefined) body.exp = iat + ttlSeconds;
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify(body));
  const sig = createHmac('sha256', secret).update(`${head}.${payload}`).digest('base64url');
  return `${head}.${payload}.${sig}`;
}

export function verifyToken(secret: string, token: string, now = Date.now()): Claims {
  const parts = token.split('.');
  if (parts.length !== 3) throw new TokenError('malformed token');
  const [head, payload, sig] = parts;
  let header: { alg?: string };
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8'));
  } catch {
    throw new TokenError('malformed token');
  }
  if (header.alg !== 'HS256') throw new TokenError('unsupported token algorithm');
  const expected = createHmac('sha256', secret).update(`${head}.${payload}`).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new TokenError('bad token signature');
  let claims: Claims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new TokenError('malformed token');
  }
  if (!claims || typeof claims.sub !== 'string' || !['publisher', 'client', 'sensor', 'admin'].includes(claims.role)) {
    throw new TokenError('token lacks a subject or role');
  }
  if (claims.exp !== undefined && claims.exp * 1000 < now) throw new TokenError('token expired');
  return claims;
}
