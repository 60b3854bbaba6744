// Signaling accounts over REST on SQLite and PostgreSQL: register, login (UUID token with an
// expiry, Argon2id hash), logout, and connection requests, with a clear error for each refusal.
import { afterAll, describe, expect, it } from 'vitest';
import { start, rest, pgSchemaUrl, postgresReachable, dropTestSchemas } from '../support.js';
import { CI } from './support.js';

const pg = await postgresReachable();
if (!pg && CI) throw new Error('PostgreSQL is required at 127.0.0.1:5432 (CI=true: not skipped)');
const backends = [{ name: 'sqlite', databaseUrl: undefined as string | undefined }, ...(pg ? [{ name: 'postgres', databaseUrl: pgSchemaUrl() }] : [])];

afterAll(async () => {
  if (pg) await dropTestSchemas();
});

describe.each(backends)('signaling accounts on $name', ({ databaseUrl }) => {
  const servers: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  it('registers, logs in with a UUID token that expires, and logs out', async () => {
    const s = await start({ databaseUrl });
    servers.push(s);
    const r = await rest(s, 'POST', '/api/v1/auth/register', { email: ' Ana@Example.com ', password: 'correct horse' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ email: 'ana@example.com' });
    expect(r.body.passwordHash).toBeUndefined();
    const stored = await s.store.findSignalingUser('ana@example.com');
    expect(stored!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect((await rest(s, 'POST', '/api/v1/auth/register', { email: 'ANA@example.com', password: 'another one' })).body).toEqual({
      error: { code: 'EMAIL_TAKEN', message: 'a user with email ana@example.com already exists' },
    });
    const before = Date.now();
    const l = await rest(s, 'POST', '/api/v1/auth/login', { email: 'ana@example.com', password: 'correct horse' });
    expect(l.status).toBe(200);
    expect(l.body.token).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(l.body.expiresAt).toBeGreaterThanOrEqual(before + 7 * 24 * 3600_000);
    expect(l.body.email).toBe('ana@example.com');
    expect((await rest(s, 'POST', '/api/v1/auth/login', { email: 'ana@example.com', password: 'wrong horse' }))).toEqual({
      status: 401, body: { error: { code: 'WRONG_PASSWORD', message: 'wrong password for ana@example.com' } },
    });
    expect((await rest(s, 'POST', '/api/v1/auth/login', { email: 'nobody@example.com', password: 'whatever1' }))).toEqual({
      status: 404, body: { error: { code: 'UNKNOWN_USER', message: 'no user with email nobody@example.com: register first' } },
    });
    expect((await rest(s, 'GET', '/api/v1/connections', undefined, l.body.token)).status).toBe(200);
    expect((await rest(s, 'POST', '/api/v1/auth/logout', undefined, l.body.token)).body).toEqual({ ok: true });
    expect((await rest(s, 'GET', '/api/v1/connections', undefined, l.body.token))).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED', message: 'Invalid or expired token' } } });
    expect((await rest(s, 'POST', '/api/v1/auth/logout')).status).toBe(401);
  });

  it('refuses bad bodies with the field named', async () => {
    const s = await start({ databaseUrl });
    servers.push(s);
    const cases: Array<[unknown, string]> = [
      [{ password: 'long enough' }, 'email must be a string'],
      [{ email: 'no-at-sign', password: 'long enough' }, 'email "no-at-sign" is not an email address (name@domain)'],
      [{ email: 'a b@c.d', password: 'long enough' }, 'email "a b@c.d" is not an email address (name@domain)'],
      [{ email: 'a@b.c', password: 'short' }, 'password must be 8 to 256 characters'],
      [{ email: 'a@b.c', password: 12345678 }, 'password must be a string'],
      [{ email: `${'x'.repeat(251)}@b.c`, password: 'long enough' }, 'email must be at most 254 characters'],
    ];
    for (const [body, message] of cases) expect((await rest(s, 'POST', '/api/v1/auth/register', body)).body).toEqual({ error: { code: 'INVALID_FIELD', message } });
    expect((await rest(s, 'POST', '/api/v1/auth/register', '[1]')).body.error.code).toBe('INVALID_BODY');
    expect((await rest(s, 'POST', '/api/v1/auth/register', '{oops')).body.error.code).toBe('INVALID_JSON');
  });

  it('requests, accepts, rejects and lists connections, refusing each wrong step clearly', async () => {
    const s = await start({ databaseUrl });
    servers.push(s);
    const token: Record<string, string> = {};
    for (const n of ['ana', 'bea', 'cai']) {
      await rest(s, 'POST', '/api/v1/auth/register', { email: `${n}@example.com`, password: 'correct horse' });
      token[n] = (await rest(s, 'POST', '/api/v1/auth/login', { email: `${n}@example.com`, password: 'correct horse' })).body.token;
    }
    const ask = (from: string, to: string) => rest(s, 'POST', '/api/v1/connections', { email: `${to}@example.com` }, token[from]);
    const r1 = await ask('ana', 'bea');
    expect(r1.status).toBe(201);
    expect(r1.body).toMatchObject({ email: 'bea@example.com', direction: 'outgoing', status: 'pending' });
    expect((await ask('ana', 'bea')).body.error).toEqual({ code: 'ALREADY_REQUESTED', message: `your request to bea@example.com is still pending (request ${r1.body.id})` });
    expect((await ask('bea', 'ana')).body.error).toEqual({ code: 'REQUEST_PENDING', message: `ana@example.com has already asked to connect with you: accept request ${r1.body.id}` });
    expect((await ask('ana', 'ana')).body.error.code).toBe('SELF_CONNECTION');
    expect((await ask('ana', 'zed')).body.error).toEqual({ code: 'UNKNOWN_USER', message: 'no user with email zed@example.com' });
    expect((await rest(s, 'POST', `/api/v1/connections/${r1.body.id}/accept`, undefined, token.ana)).body.error).toEqual({ code: 'NOT_ADDRESSEE', message: `only bea@example.com can accept request ${r1.body.id}` });
    expect((await rest(s, 'POST', `/api/v1/connections/${r1.body.id}/accept`, undefined, token.cai)).status).toBe(404);
    expect((await rest(s, 'POST', '/api/v1/connections/999999/accept', undefined, token.bea)).status).toBe(404);
    const acc = await rest(s, 'POST', `/api/v1/connections/${r1.body.id}/accept`, undefined, token.bea);
    expect(acc).toMatchObject({ status: 200, body: { email: 'ana@example.com', direction: 'incoming', status: 'accepted' } });
    expect((await rest(s, 'POST', `/api/v1/connections/${r1.body.id}/reject`, undefined, token.bea)).body.error).toEqual({ code: 'NOT_PENDING', message: `request ${r1.body.id} is already accepted` });
    expect((await ask('bea', 'ana')).body.error.code).toBe('ALREADY_CONNECTED');
    // Rejected, then asked again (by the other side).
    const r2 = await ask('cai', 'ana');
    expect((await rest(s, 'POST', `/api/v1/connections/${r2.body.id}/reject`, undefined, token.ana)).body.status).toBe('rejected');
    const again = await ask('ana', 'cai');
    expect(again).toMatchObject({ status: 201, body: { id: r2.body.id, email: 'cai@example.com', direction: 'outgoing', status: 'pending' } });
    const list = (await rest(s, 'GET', '/api/v1/connections', undefined, token.ana)).body;
    expect(list.map((c: { email: string; status: string; direction: string }) => [c.email, c.status, c.direction])).toEqual([
      ['cai@example.com', 'pending', 'outgoing'],
      ['bea@example.com', 'accepted', 'outgoing'],
    ]);
    expect(await s.store.connectedEmails('ana@example.com')).toEqual(['bea@example.com']);
    expect((await rest(s, 'POST', '/api/v1/connections/abc/accept', undefined, token.ana)).body.error.code).toBe('INVALID_ID');
  });
});
