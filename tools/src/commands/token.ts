// espfleet token: mint a token for a charger, a dashboard, a sensor client or an operator.
// It signs with the server's secret and never invents one silently: a token signed with a
// secret the server does not use is refused by it. It says which secret it used (on stderr,
// so the token alone is on stdout).
import { readFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { signToken, secretKeyId, loadConfig, type Role } from '@espfleet/host-server';
import { type Command, type Output, UsageError, intOption } from '../command.js';

const ROLES: Role[] = ['publisher', 'client', 'sensor', 'admin'];

function ttl(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const m = /^([0-9]+)([smhd])$/.exec(String(v));
  if (!m) throw new UsageError('--ttl is a number with s, m, h or d, e.g. 30d');
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

interface Secret {
  value: string;
  /** Where it came from, for the user: the file or the environment variable. */
  source: string;
  created: boolean;
}

/** The server's secret as `espfleet serve` with the same settings would find it. */
function findSecret(o: Record<string, unknown>): Secret {
  const cfg = loadConfig({ env: process.env, flags: o['data-dir'] ? { dataDir: String(o['data-dir']) } : {} });
  if (cfg.jwtSecret) return { value: cfg.jwtSecret, source: 'the ESPFLEET_JWT_SECRET environment variable', created: false };
  const file = resolve(join(cfg.dataDir, 'jwt-secret'));
  if (existsSync(file)) {
    const value = readFileSync(file, 'utf8').trim();
    if (!value) throw new UsageError(`the server secret ${file} is empty`);
    return { value, source: file, created: false };
  }
  if (!o['create-secret']) {
    throw new UsageError(
      `no server secret at ${file}: give the server's data directory with --data-dir (or ESPFLEET_DATA_DIR), ` +
        'set ESPFLEET_JWT_SECRET, or pass --create-secret to create a new secret there for a server not yet started',
    );
  }
  // The server creates the same file on first start; a server started later on this directory uses it.
  mkdirSync(cfg.dataDir, { recursive: true });
  const value = randomBytes(32).toString('base64url');
  writeFileSync(file, value, { mode: 0o600, flag: 'wx' });
  return { value, source: file, created: true };
}

export const token: Command = {
  name: 'token',
  summary: 'Mint a token for a charger (publisher), a dashboard (client), a sensor client or an operator (admin).',
  usage: 'espfleet token ROLE [--station N] [--ttl 30d] [--data-dir DIR] [--create-secret]   (ROLE: publisher | client | sensor | admin)',
  options: {
    role: { type: 'string', value: 'ROLE', help: 'publisher, client, sensor or admin (or give it as the first word)' },
    station: { type: 'string', value: 'N', help: 'the estacionId it is for (required for publisher)' },
    subject: { type: 'string', value: 'NAME', help: 'who holds it, for the logs (default: the role and station)' },
    ttl: { type: 'string', value: 'T', help: 'lifetime, e.g. 12h or 30d (default: no expiry)' },
    'data-dir': { type: 'string', value: 'DIR', help: 'the server\'s data directory, where its secret jwt-secret is (env ESPFLEET_DATA_DIR; default ./data); env ESPFLEET_JWT_SECRET wins' },
    'create-secret': { type: 'boolean', help: 'create the secret in the data directory when there is none yet (for a server started later on it)' },
  },
  examples: ['espfleet token publisher --station 1', 'espfleet token client --ttl 12h --data-dir /var/lib/espfleet', 'espfleet token admin --json'],
  async run(o, out: Output) {
    const role = o.role as string | undefined;
    if (!role || !ROLES.includes(role as Role)) throw new UsageError(`give the role: ${ROLES.join(', ')}`);
    const station = o.station === undefined ? undefined : intOption(o.station, 'station', 1, 999_999_999);
    if (role === 'publisher' && station === undefined) throw new UsageError('a publisher token is for one station: give --station N');
    const secret = findSecret(o);
    const keyId = secretKeyId(secret.value);
    const claims = { sub: (o.subject as string | undefined) ?? `${role}${station === undefined ? '' : `:${station}`}`, role: role as Role, ...(station === undefined ? {} : { estacionId: station }) };
    const t = signToken(secret.value, claims, ttl(o.ttl));
    if (!out.json) process.stderr.write(`${secret.created ? 'created a new secret and signed with it' : 'signed with the secret'}: ${secret.source} (key id ${keyId})\n`);
    out.say(t);
    out.emit({ type: 'token', token: t, claims, secret: { source: secret.source, keyId, created: secret.created } });
    return 0;
  },
};
