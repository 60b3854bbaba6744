// Refused tokens are logged with their reason (never the token) and counted in /metrics.
import { describe, it, expect } from 'vitest';
import { Writable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { pino } from 'pino';
import { Authenticator } from '../../src/auth/authenticator.js';
import { Metrics } from '../../src/metrics.js';
import { signToken, secretKeyId } from '../../src/auth/jwt.js';

function setup(open = false) {
  const lines: any[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const metrics = new Metrics();
  const auth = new Authenticator(open, 'server-secret', { log: pino({ level: 'info' }, sink), metrics });
  return { auth, metrics, lines };
}

const req = (token?: string, url = '/api/v1/cards') =>
  ({ url, method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} }) as unknown as IncomingMessage;
const ADMIN = { roles: ['admin'] as const, scope: 'fleet' as const };

describe('Authenticator', () => {
  it('logs and counts each REST refusal by reason, without the token', async () => {
    const { auth, metrics, lines } = setup();
    const foreign = signToken('another-secret', { sub: 'esp', role: 'admin' });
    const expired = signToken('server-secret', { sub: 'old', role: 'admin', iat: 1000 }, 1);
    const publisher = signToken('server-secret', { sub: 'esp-1', role: 'publisher', estacionId: 1 });
    const q = new URLSearchParams();
    expect(auth.route(req(), q, ADMIN)).toMatchObject({ ok: false, status: 401, reason: 'missing' });
    // The caller is told why, but not the key ids: those are for the server's log.
    expect(auth.route(req(foreign), q, ADMIN)).toMatchObject({ ok: false, status: 401, reason: 'bad_signature', message: 'token signed with another secret, or altered' });
    expect(auth.route(req(expired), q, ADMIN)).toMatchObject({ ok: false, status: 401, reason: 'expired' });
    expect(auth.route(req('garbage'), q, ADMIN)).toMatchObject({ ok: false, status: 401, reason: 'malformed' });
    expect(auth.route(req(publisher), q, ADMIN)).toMatchObject({ ok: false, status: 403, reason: 'wrong_role' });
    expect(auth.route(req(signToken('server-secret', { sub: 'op', role: 'admin' })), q, ADMIN).ok).toBe(true);

    for (const reason of ['missing', 'bad_signature', 'expired', 'malformed', 'wrong_role']) {
      expect(metrics.get('espfleet_auth_refused_total', { reason, surface: 'rest' })).toBe(1);
    }
    expect(metrics.text()).toContain('espfleet_auth_refused_total{reason="bad_signature",surface="rest"} 1');
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => l.reason)).toEqual(['missing', 'bad_signature', 'expired', 'malformed', 'wrong_role']);
    const signature = lines.find((l) => l.reason === 'bad_signature');
    expect(signature.msg).toContain('signed with another secret');
    expect(signature.msg).toContain(secretKeyId('server-secret'));
    expect(lines.find((l) => l.reason === 'wrong_role')).toMatchObject({ surface: 'rest', role: 'publisher', sub: 'esp-1', path: '/api/v1/cards' });
    const all = JSON.stringify(lines);
    for (const t of [foreign, expired, publisher]) {
      expect(all).not.toContain(t);
      expect(all).not.toContain(t.split('.')[2]);
    }
  });

  it('counts WebSocket refusals as surface ws, and logs the path without the query that holds the token', async () => {
    const { auth, metrics, lines } = setup(true);
    const other = signToken('server-secret', { sub: 'esp-2', role: 'publisher', estacionId: 2 });
    const url = `/ws?role=publisher&estacionId=1&token=${other}`;
    const q = new URL(url, 'http://x').searchParams;
    expect(auth.allows({ url, method: 'GET', headers: {} } as unknown as IncomingMessage, q, 'publisher', 1)).toBe(false);
    expect(auth.allows({ url: '/ws', method: 'GET', headers: {} } as unknown as IncomingMessage, new URLSearchParams(), 'publisher', 1)).toBe(true);
    expect(metrics.get('espfleet_auth_refused_total', { reason: 'wrong_station', surface: 'ws' })).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ surface: 'ws', reason: 'wrong_station', path: '/ws', estacionId: 2 });
    expect(JSON.stringify(lines)).not.toContain(other.split('.')[2]);
  });
});
