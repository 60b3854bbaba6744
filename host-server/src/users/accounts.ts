// The signaling router's accounts: register and log in with an email and password (a UUID login
// token with an expiry), log out, and the spec's UserConnection requests (request, accept,
// reject, list). Refusals are HttpErrors the REST layer answers as they are.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from '../http/router.js';
import { ConstraintError } from '../storage/migrations.js';
import type { SignalingUser, Store, UserConnection } from '../storage/store.js';
import type { Access, SignalingAccess } from '../auth/access.js';
import { checkPassword, normaliseEmail } from './credentials.js';
import { hashPassword, passwordMatches } from './passwords.js';

/** A connection request as its caller sees it: the other user and which way it went. */
export interface ConnectionView {
  id: number;
  email: string;
  direction: 'outgoing' | 'incoming';
  status: UserConnection['status'];
  createdAt: number;
  updatedAt: number;
}

export function viewOf(c: UserConnection, me: number): ConnectionView {
  const outgoing = c.requesterId === me;
  return {
    id: c.id,
    email: outgoing ? c.addresseeEmail : c.requesterEmail,
    direction: outgoing ? 'outgoing' : 'incoming',
    status: c.status,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

function email(v: unknown): string {
  const r = normaliseEmail(v);
  if (!r.ok) throw new HttpError(400, 'INVALID_FIELD', r.message);
  return r.email;
}

function password(v: unknown): string {
  const r = checkPassword(v);
  if (!r.ok) throw new HttpError(400, 'INVALID_FIELD', r.message);
  return r.password;
}

export class Accounts {
  constructor(
    private readonly store: Store,
    private readonly tokenTtlMs: number,
    /** Told when a connection becomes accepted, so routing sees it at once. */
    private readonly onAccepted: (a: string, b: string) => void = () => {},
  ) {}

  async register(body: Record<string, unknown>): Promise<SignalingUser> {
    const e = email(body.email);
    const p = password(body.password);
    try {
      return await this.store.createSignalingUser({ email: e, passwordHash: await hashPassword(p) });
    } catch (err) {
      if (err instanceof ConstraintError && err.kind === 'unique') throw new HttpError(409, 'EMAIL_TAKEN', `a user with email ${e} already exists`);
      throw err;
    }
  }

  async login(body: Record<string, unknown>): Promise<{ token: string; email: string; expiresAt: number }> {
    const e = email(body.email);
    const p = password(body.password);
    const user = await this.store.findSignalingUser(e);
    if (!user) throw new HttpError(404, 'UNKNOWN_USER', `no user with email ${e}: register first`);
    if (!(await passwordMatches(user.passwordHash, p))) throw new HttpError(401, 'WRONG_PASSWORD', `wrong password for ${e}`);
    const token = randomUUID();
    const expiresAt = Date.now() + this.tokenTtlMs;
    await this.store.addSignalingToken({ token, userId: user.id, expiresAt });
    return { token, email: user.email, expiresAt };
  }

  async logout(req: IncomingMessage): Promise<void> {
    const t = bearer(req);
    if (t) await this.store.deleteSignalingToken(t);
  }

  /** The account behind a valid, unexpired login token, if any. */
  userForToken(token: string): Promise<SignalingUser | undefined> {
    return this.store.signalingUserForToken(token, Date.now());
  }

  /** The Router's check for signaling routes: public ones pass, user ones need a live login token. */
  async authorise(req: IncomingMessage, access: SignalingAccess): Promise<Access> {
    if (access.signaling === 'public') return { ok: true, caller: {} };
    const t = bearer(req);
    if (!t) return { ok: false, status: 401, reason: 'missing', message: 'a login token is required (Authorization: Bearer <token from POST /api/v1/auth/login>)' };
    const user = await this.userForToken(t);
    if (!user) return { ok: false, status: 401, reason: 'signaling_token', message: 'Invalid or expired token' };
    return { ok: true, caller: { account: { id: user.id, email: user.email } } };
  }

  async request(me: { id: number; email: string }, body: Record<string, unknown>): Promise<ConnectionView> {
    const other = email(body.email);
    if (other === me.email) throw new HttpError(400, 'SELF_CONNECTION', 'you cannot send a connection request to yourself');
    const target = await this.store.findSignalingUser(other);
    if (!target) throw new HttpError(404, 'UNKNOWN_USER', `no user with email ${other}`);
    const existing = await this.store.connectionBetween(me.id, target.id);
    if (existing?.status === 'accepted') throw new HttpError(409, 'ALREADY_CONNECTED', `you are already connected with ${other}`);
    if (existing?.status === 'pending') {
      if (existing.requesterId === me.id) throw new HttpError(409, 'ALREADY_REQUESTED', `your request to ${other} is still pending (request ${existing.id})`);
      throw new HttpError(409, 'REQUEST_PENDING', `${other} has already asked to connect with you: accept request ${existing.id}`);
    }
    const parties = { requesterId: me.id, addresseeId: target.id };
    try {
      // A rejected request may be asked again, by either side.
      const made = existing
        ? await this.store.updateConnection(existing.id, 'rejected', { ...parties, status: 'pending' })
        : await this.store.insertConnection(parties);
      if (!made) throw new HttpError(409, 'CONFLICT', `the request between you and ${other} changed meanwhile: try again`);
      return viewOf(made, me.id);
    } catch (e) {
      if (e instanceof ConstraintError && e.kind === 'unique') throw new HttpError(409, 'CONFLICT', `a request between you and ${other} was just made: list your connections`);
      throw e;
    }
  }

  /** Accepts or rejects a pending request addressed to `me`. */
  async answer(me: { id: number; email: string }, id: number, status: 'accepted' | 'rejected'): Promise<ConnectionView> {
    const c = await this.store.getConnection(id);
    // Someone else's request is as unknown to the caller as one that does not exist.
    if (!c || (c.requesterId !== me.id && c.addresseeId !== me.id)) throw new HttpError(404, 'NOT_FOUND', `connection request ${id} not found`);
    const verb = status === 'accepted' ? 'accept' : 'reject';
    if (c.addresseeId !== me.id) throw new HttpError(403, 'NOT_ADDRESSEE', `only ${c.addresseeEmail} can ${verb} request ${id}`);
    if (c.status !== 'pending') throw new HttpError(409, 'NOT_PENDING', `request ${id} is already ${c.status}`);
    const done = await this.store.updateConnection(id, 'pending', { requesterId: c.requesterId, addresseeId: c.addresseeId, status });
    if (!done) throw new HttpError(409, 'NOT_PENDING', `request ${id} was answered meanwhile`);
    if (status === 'accepted') this.onAccepted(c.requesterEmail, c.addresseeEmail);
    return viewOf(done, me.id);
  }

  async list(me: { id: number }): Promise<ConnectionView[]> {
    return (await this.store.listConnections(me.id)).map((c) => viewOf(c, me.id));
  }
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (!h || !/^Bearer\s+/i.test(h)) return undefined;
  return h.replace(/^Bearer\s+/i, '').trim() || undefined;
}
