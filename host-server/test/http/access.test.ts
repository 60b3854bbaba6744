// The pure authorisation decisions and token checks, with every reason a token is refused.
import { describe, it, expect } from 'vitest';
import { restAccess, wsAccess, stationAccess, type RouteAccess } from '../../src/auth/access.js';
import { signToken, verifyToken, secretKeyId, TokenError, type Claims } from '../../src/auth/jwt.js';

const claims = (role: Claims['role'], estacionId?: number): Claims => ({ sub: 't', role, iat: 0, ...(estacionId === undefined ? {} : { estacionId }) });
const ADMIN_ONLY: RouteAccess = { roles: ['admin'], scope: 'fleet' };
const STATION: RouteAccess = { roles: ['admin', 'client', 'publisher'], scope: 'station' };
const FLEET: RouteAccess = { roles: ['admin', 'client', 'sensor'], scope: 'fleet' };

describe('REST access', () => {
  it('needs a token unless open; open mode still checks a token that is given', () => {
    expect(restAccess(undefined, false, ADMIN_ONLY)).toMatchObject({ ok: false, status: 401, reason: 'missing' });
    expect(restAccess(undefined, true, ADMIN_ONLY)).toEqual({ ok: true, caller: {} });
    const bad = new TokenError('bad_signature', 'token signed with another secret');
    expect(restAccess(bad, true, ADMIN_ONLY)).toMatchObject({ ok: false, status: 401, reason: 'bad_signature' });
    expect(restAccess(claims('publisher', 1), true, ADMIN_ONLY)).toMatchObject({ ok: false, status: 403, reason: 'wrong_role' });
  });

  it('admits the roles a route names, admin everywhere, and keeps scoped tokens to their station', () => {
    expect(restAccess(claims('admin', 3), false, FLEET)).toEqual({ ok: true, caller: { claims: claims('admin', 3) } });
    expect(restAccess(claims('sensor'), false, STATION)).toMatchObject({ status: 403, reason: 'wrong_role' });
    expect(restAccess(claims('client'), false, FLEET)).toMatchObject({ ok: true, caller: { station: undefined } });
    expect(restAccess(claims('client', 2), false, FLEET)).toMatchObject({ status: 403, reason: 'wrong_station', message: 'this token is for station 2 only' });
    expect(restAccess(claims('client', 2), false, STATION)).toMatchObject({ ok: true, caller: { station: 2 } });
    expect(restAccess(claims('publisher'), false, STATION)).toMatchObject({ status: 403, reason: 'wrong_station' });
  });

  it('lets a scoped caller see its own station only', () => {
    expect(stationAccess({ station: 2 }, 2).ok).toBe(true);
    expect(stationAccess({ station: 2 }, 3)).toMatchObject({ status: 403, reason: 'wrong_station' });
    expect(stationAccess({}, 3).ok).toBe(true);
  });
});

describe('WebSocket access', () => {
  it('keeps the charger endpoint rules, with a reason for each refusal', () => {
    expect(wsAccess(undefined, true, 'publisher', 1).ok).toBe(true);
    expect(wsAccess(undefined, false, 'publisher', 1)).toMatchObject({ reason: 'missing' });
    expect(wsAccess(claims('publisher', 1), false, 'publisher', 1).ok).toBe(true);
    expect(wsAccess(claims('publisher', 2), false, 'publisher', 1)).toMatchObject({ reason: 'wrong_station' });
    expect(wsAccess(claims('client', 1), false, 'publisher', 1)).toMatchObject({ reason: 'wrong_role' });
    expect(wsAccess(claims('publisher'), false, 'publisher', 1)).toMatchObject({ reason: 'wrong_station' });
    expect(wsAccess(claims('client'), false, 'sensor').ok).toBe(true);
    expect(wsAccess(claims('admin'), false, 'publisher', 9).ok).toBe(true);
  });
});

describe('tokens', () => {
  const reason = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return [(e as TokenError).reason, (e as Error).message];
    }
    return undefined;
  };

  it('name the secret they were signed with, so another secret is reported as such', () => {
    const t = signToken('secret-a', { sub: 'x', role: 'admin' });
    expect(JSON.parse(Buffer.from(t.split('.')[0], 'base64url').toString())).toMatchObject({ alg: 'HS256', kid: secretKeyId('secret-a') });
    expect(verifyToken('secret-a', t)).toMatchObject({ role: 'admin' });
    const [why, msg] = reason(() => verifyToken('secret-b', t))!;
    expect(why).toBe('bad_signature');
    expect(msg).toContain('signed with another secret');
    expect(msg).toContain(secretKeyId('secret-a'));
    expect(msg).toContain(secretKeyId('secret-b'));
    const [, altered] = reason(() => verifyToken('secret-a', t.slice(0, -2) + (t.endsWith('AA') ? 'BB' : 'AA')))!;
    expect(altered).toContain('altered');
  });

  it('are refused as expired or malformed with that reason', () => {
    const old = signToken('s', { sub: 'x', role: 'client', iat: 1000 }, 60);
    expect(reason(() => verifyToken('s', old))![0]).toBe('expired');
    expect(reason(() => verifyToken('s', 'nope'))![0]).toBe('malformed');
    expect(reason(() => verifyToken('s', '%%.%%.%%'))![0]).toBe('malformed');
    const wrongStation = signToken('s', { sub: 'x', role: 'publisher', estacionId: 1e12 });
    expect(reason(() => verifyToken('s', wrongStation))![0]).toBe('malformed');
    const none = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    expect(reason(() => verifyToken('s', `${none}.${old.split('.')[1]}.`))![0]).toBe('malformed');
  });
});
