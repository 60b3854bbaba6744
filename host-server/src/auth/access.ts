// Who may do what, as pure decisions over a presented token: the REST routes' roles and
// station scope, and the WebSocket roles. The Authenticator reads the token and records refusals.
import type { Claims, Role, TokenError, TokenFault } from './jwt.js';

/** Why a request was refused: the `reason` label of espfleet_auth_refused_total. */
export type Refusal = 'missing' | TokenFault | 'wrong_role' | 'wrong_station' | 'signaling_token';

/** What a request presented: verified claims, the reason its token failed, or no token. */
export type Presented = Claims | TokenError | undefined;

export interface Caller {
  /** Absent in open mode for a request without a token (it may do anything). */
  claims?: Claims;
  /** The one station this caller speaks for; absent = every station. */
  station?: number;
  /** On signaling-user routes: the signaling account whose login token was presented. */
  account?: { id: number; email: string };
}

/** `message` is for the caller; `detail`, for the server's log, may name the secrets' key ids. */
export type Refused = { ok: false; status: 401 | 403; reason: Refusal; message: string; detail?: string };
export type Access = { ok: true; caller: Caller } | Refused;

/**
 * A route's audience. `fleet` routes serve data that belongs to no single station (devices,
 * sensors, users), so a station-scoped token is refused there; `station` routes serve a
 * station's own records and their handlers keep a scoped caller to its station.
 */
export interface RouteAccess {
  roles: readonly Role[];
  scope: 'fleet' | 'station';
}

/**
 * The signaling router's account routes stand beside the roles: `public` ones (register, login)
 * take no token; `user` ones take a signaling login token (a UUID from login, not a JWT).
 */
export interface SignalingAccess {
  signaling: 'public' | 'user';
}

export type AnyRouteAccess = RouteAccess | SignalingAccess;

const PUBLIC: Record<TokenFault, string> = {
  malformed: 'malformed token',
  bad_signature: 'token signed with another secret, or altered',
  expired: 'token expired',
};

const refuse = (status: 401 | 403, reason: Refusal, message: string): Refused => ({ ok: false, status, reason, message });

/** Open mode admits a request without a token; a token, when given, is always checked. */
function presented(t: Presented, open: boolean): Access | Claims {
  if (t === undefined) return open ? { ok: true, caller: {} } : refuse(401, 'missing', 'a token is required (espfleet token ROLE)');
  if (!('role' in t)) return { ...refuse(401, t.reason, PUBLIC[t.reason]), detail: t.message };
  return t;
}

export function restAccess(t: Presented, open: boolean, route: RouteAccess): Access {
  const c = presented(t, open);
  if ('ok' in c) return c;
  // An admin token is the operator's: every route, every station, whatever estacionId it carries.
  if (c.role === 'admin') return { ok: true, caller: { claims: c } };
  if (!route.roles.includes(c.role)) return refuse(403, 'wrong_role', `a ${c.role} token may not call this route (allowed: ${route.roles.join(', ')})`);
  if (c.role === 'publisher' && c.estacionId === undefined) return refuse(403, 'wrong_station', 'a publisher token must name its station');
  if (c.estacionId !== undefined && route.scope === 'fleet') return refuse(403, 'wrong_station', `this token is for station ${c.estacionId} only`);
  return { ok: true, caller: { claims: c, station: c.estacionId } };
}

/** May this caller see station `id`'s records? */
export function stationAccess(caller: Caller, id: number): Access {
  if (caller.station !== undefined && caller.station !== id) return refuse(403, 'wrong_station', `this token is for station ${caller.station} only`);
  return { ok: true, caller };
}

/** May this WebSocket act as `role`, for `station` when given? */
export function wsAccess(t: Presented, open: boolean, role: Role, station?: number): Access {
  const c = presented(t, open);
  if ('ok' in c) return c;
  if (c.role === 'admin') return { ok: true, caller: { claims: c } };
  const fits = role === 'sensor' ? c.role === 'sensor' || c.role === 'client' : c.role === role;
  if (!fits) return refuse(403, 'wrong_role', `a ${c.role} token may not connect as ${role}`);
  if (c.estacionId !== undefined && station !== undefined && c.estacionId !== station) {
    return refuse(403, 'wrong_station', `this token is for station ${c.estacionId}, not ${station}`);
  }
  if (role === 'publisher' && c.estacionId === undefined) return refuse(403, 'wrong_station', 'a publisher token must name its station');
  return { ok: true, caller: { claims: c, station: c.estacionId } };
}
