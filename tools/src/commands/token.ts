// espfleet token: mint a token for a station, a dashboard, a sensor client or an operator.
import { readFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { signToken, loadConfig, type Role } from '@espfleet/host-server';
import { type Command, type Output, UsageError, intOption } from '../command.js';

const ROLES: Role[] = ['publisher', 'client', 'sensor', 'admin'];

function ttl(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const m = /^([0-9]+)([smhd])$/.exec(String(v));
  if (!m) throw new UsageError('--ttl is a number with s, m, h or d, e.g. 30d');
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

export const token: Command = {
  name: 'token',
  summary: 'Mint a token for a charger (publisher), a dashboard (client), a sensor client or an operator (admin).',
  usage: 'espfleet token ROLE [--station N] [--ttl 30d] [--data-dir DIR]   (ROLE: publisher | client | sensor | admin)',
  options: {
    role: { type: 'string', value: 'ROLE', help: 'publisher, client, sensor or admin (or give it as the first word)' },
    station: { type: 'string', value: 'N', help: 'the estacionId it is for (required for publisher)' },
    subject: { type: 'string', value: 'NAME', help: 'who holds it, for the logs (default: the role and station)' },
    ttl: { type: 'string', value: 'T', help: 'lifetime, e.g. 12h or 30d (default: no expiry)' },
    'data-dir': { type: 'string', value: 'DIR', help: 'the server\'s data directory, where its secret is (env ESPFLEET_DATA_DIR; default ./data)' },
  },
  examples: ['espfleet token publisher --station 1', 'espfleet token client --ttl 12h', 'espfleet token admin --json'],
  async run(o, out: Output) {
    const role = o.role as string | undefined;
    if (!role || !ROLES.includes(role as Role)) throw new UsageError(`give the role: ${ROLES.join(', ')}`);
    const station = o.station === undefined ? undefined : intOption(o.station, 'station', 0, 999_999_999);
    if (role === 'publisher' && station === undefined) throw new UsageError('a publisher token is for one station: give --station N');
    const cfg = loadConfig({ env: process.env, flags: o['data-dir'] ? { dataDir: String(o['data-dir']) } : {} });
    let secret = cfg.jwtSecret;
    if (!secret) {
      const file = join(cfg.dataDir, 'jwt-secret');
      if (existsSync(file)) secret = readFileSync(file, 'utf8').trim();
      else {
        // The server creates the same file on first start; creating it here lets tokens be minted first.
        mkdirSync(cfg.dataDir, { recursive: true });
        secret = randomBytes(32).toString('base64url');
        writeFileSync(file, secret, { mode: 0o600 });
      }
    }
    const claims = { sub: (o.subject as string | undefined) ?? `${role}${station === undefined ? '' : `:${station}`}`, role: role as Role, ...(station === undefined ? {} : { estacionId: station }) };
    const t = signToken(secret, claims, ttl(o.ttl));
    out.say(t);
    out.emit({ type: 'token', token: t, claims });
    return 0;
  },
};
