// Who may connect and call: with --open a request without a token is let in (the specs'
// unauthenticated clients) and may do anything; otherwise a token, from ?token= or an
// Authorization: Bearer header, is required. A token, when given, is always checked — in open
// mode too: a wrong or expired one gets 401, one of a role or station the route does not serve
// gets 403. Every refusal is logged with its reason (never the token) and counted in /metrics
// as espfleet_auth_refused_total{reason, surface}.
import type { IncomingMessage } from 'node:http';
import { verifyToken, TokenError, type Role } from './jwt.js';
import { restAccess, wsAccess, type Access, type Presented, type Refused, type RouteAccess } from './access.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';

export type Surface = 'rest' | 'ws';

const REFUSED = 'espfleet_auth_refused_total';

export class Authenticator {
  constructor(
    readonly open: boolean,
    private readonly secret: string,
    private readonly o: { log?: Logger; metrics?: Metrics } = {},
  ) {
    o.metrics?.describe(REFUSED, 'Requests and connections refused for their token, by reason and surface (rest or ws)');
  }

  token(req: IncomingMessage, q?: URLSearchParams): string | undefined {
    const fromQuery = q?.get('token');
    if (fromQuery) return fromQuery;
    const h = req.headers.authorization;
    if (h && /^Bearer\s+/i.test(h)) return h.replace(/^Bearer\s+/i, '').trim();
    return undefined;
  }

  /** The token's claims, or why it was refused; undefined when there is no token. */
  claims(req: IncomingMessage, q?: URLSearchParams): Presented {
    const t = this.token(req, q);
    if (!t) return undefined;
    try {
      return verifyToken(this.secret, t);
    } catch (e) {
      return e instanceof TokenError ? e : new TokenError('malformed', `malformed token: ${(e as Error).message}`);
    }
  }

  /** May this REST request call a route open to `route`? Refusals are recorded. */
  route(req: IncomingMessage, q: URLSearchParams, route: RouteAccess): Access {
    const presented = this.claims(req, q);
    const a = restAccess(presented, this.open, route);
    if (!a.ok) this.refused(req, 'rest', a, presented);
    return a;
  }

  /** May this WebSocket act as `role` (for `station`, when given)? Refusals are recorded. */
  allows(req: IncomingMessage, q: URLSearchParams | undefined, role: Role, station?: number): boolean {
    const presented = this.claims(req, q);
    const a = wsAccess(presented, this.open, role, station);
    if (!a.ok) this.refused(req, 'ws', a, presented);
    return a.ok;
  }

  /** Logs and counts a refusal, including those a REST handler decides (another station's record). */
  refused(req: IncomingMessage, surface: Surface, r: Refused, presented: Presented = this.claims(req)): void {
    this.o.metrics?.inc(REFUSED, { reason: r.reason, surface });
    // The path only: a WebSocket's query string may carry the token.
    const path = (req.url ?? '').split('?')[0];
    const who = presented && !(presented instanceof TokenError) ? { role: presented.role, sub: presented.sub, estacionId: presented.estacionId } : {};
    const fields = { surface, reason: r.reason, method: req.method, path, ...who };
    // A request without a token is routine (a browser, a probe); a wrong token is worth a warning.
    const text = `token refused: ${r.detail ?? r.message}`;
    if (r.reason === 'missing') this.o.log?.info(fields, text);
    else this.o.log?.warn(fields, text);
  }
}
