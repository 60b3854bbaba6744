// REST for the signaling accounts under /api/v1: register and login are public; logout and the
// connection requests take the signaling user's login token (Authorization: Bearer <uuid>).
import { json, field, idParam, type Router, type Ctx } from '../http/router.js';
import { HttpError } from '../http/router.js';
import type { SignalingAccess } from '../auth/access.js';
import type { Accounts } from './accounts.js';

const PUBLIC: SignalingAccess = { signaling: 'public' };
const USER: SignalingAccess = { signaling: 'user' };
const P = '/api/v1';

function me(c: Ctx): { id: number; email: string } {
  if (!c.caller.account) throw new HttpError(401, 'UNAUTHORIZED', 'a login token is required');
  return c.caller.account;
}

export function accountRoutes(r: Router, accounts: () => Accounts): void {
  r.on('POST', `${P}/auth/register`, PUBLIC, async (c) => accounts().register(field.obj(await c.body())));
  r.on('POST', `${P}/auth/login`, PUBLIC, async (c) => json(c.res, 200, await accounts().login(field.obj(await c.body()))));
  r.on('POST', `${P}/auth/logout`, USER, async (c) => {
    await accounts().logout(c.req);
    json(c.res, 200, { ok: true });
  });
  r.on('GET', `${P}/connections`, USER, (c) => accounts().list(me(c)));
  r.on('POST', `${P}/connections`, USER, async (c) => accounts().request(me(c), field.obj(await c.body())));
  r.on('POST', `${P}/connections/:id/accept`, USER, async (c) => json(c.res, 200, await accounts().answer(me(c), idParam(c.params, 'id'), 'accepted')));
  r.on('POST', `${P}/connections/:id/reject`, USER, async (c) => json(c.res, 200, await accounts().answer(me(c), idParam(c.params, 'id'), 'rejected')));
}
