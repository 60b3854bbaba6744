// Who may connect: with --open everyone (the specs' unauthenticated clients); otherwise a
// token, from ?token= or an Authorization: Bearer header, is required and must fit the role
// and station asked for. A wrong token is refused even in open mode.
import type { IncomingMessage } from 'node:http';
import { verifyToken, TokenError, type Claims, type Role } from './jwt.js';

export class Authenticator {
  constructor(
    readonly open: boolean,
    private readonly secret: string,
  ) {}

  token(req: IncomingMessage, q?: URLSearchParams): string | undefined {
    const fromQuery = q?.get('token');
    if (fromQuery) return fromQuery;
    const h = req.headers.authorization;
    if (h && /^Bearer\s+/i.test(h)) return h.replace(/^Bearer\s+/i, '').trim();
    return undefined;
  }

  /** The token's claims, or why it was refused; undefined when there is no token. */
  claims(req: IncomingMessage, q?: URLSearchParams): Claims | TokenError | undefined {
    const t = this.token(req, q);
    if (!t) return undefined;
    try {
      return verifyToken(this.secret, t);
    } catch (e) {
      return e instanceof TokenError ? e : new TokenError(String(e));
    }
  }

  /** May this request act as `role` (for `station`, when given)? */
  allows(req: IncomingMessage, q: URLSearchParams | undefined, role: Role, station?: number): boolean {
    const c = this.claims(req, q);
    if (c === undefined) return this.open;
    if (c instanceof TokenError) return false;
    if (c.role === 'admin') return true;
    if (role === 'client' && c.role !== 'client') return false;
    if (role === 'publisher' && c.role !== 'publisher') return false;
    if (role === 'sensor' && c.role !== 'sensor' && c.role !== 'client') return false;
    if (c.estacionId !== undefined && station !== undefined && c.estacionId !== station) return false;
    if (role === 'publisher' && c.estacionId === undefined) return false;
    return true;
  }
}
