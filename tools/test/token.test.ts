// espfleet token finds the server's secret, never invents one unasked, and says which it used;
// the server's log names a token signed with another secret as such.
import { describe, it, expect } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyToken, secretKeyId } from '@espfleet/host-server';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const clean = { ...process.env, ESPFLEET_JWT_SECRET: '', ESPFLEET_DATA_DIR: '', ...env };
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000, env: clean });
};
const tmp = () => mkdtempSync(join(tmpdir(), 'espfleet-token-'));

describe('espfleet token', () => {
  it('refuses a data directory without a secret, and creates nothing there', () => {
    const dir = tmp();
    const r = run(['token', 'admin', '--data-dir', dir]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`no server secret at ${join(dir, 'jwt-secret')}`);
    expect(r.stderr).toContain('--create-secret');
    expect(existsSync(join(dir, 'jwt-secret'))).toBe(false);
  });

  it('creates the secret only when asked, and says so', () => {
    const dir = tmp();
    const r = run(['token', 'client', '--data-dir', dir, '--create-secret']);
    expect(r.status).toBe(0);
    const secret = readFileSync(join(dir, 'jwt-secret'), 'utf8');
    expect(r.stderr).toBe(`created a new secret and signed with it: ${join(dir, 'jwt-secret')} (key id ${secretKeyId(secret)})\n`);
    expect(verifyToken(secret, r.stdout.trim())).toMatchObject({ role: 'client' });
    // A second run uses the same secret and names it.
    const again = run(['token', 'publisher', '--station', '4', '--data-dir', dir, '--create-secret', '--json']);
    const doc = JSON.parse(again.stdout);
    expect(doc.secret).toEqual({ source: join(dir, 'jwt-secret'), keyId: secretKeyId(secret), created: false });
    expect(verifyToken(secret, doc.token)).toMatchObject({ role: 'publisher', estacionId: 4 });
  });

  it('names the environment variable when the secret comes from it', () => {
    const dir = tmp();
    const r = run(['token', 'admin', '--data-dir', dir], { ESPFLEET_JWT_SECRET: 'from-env' });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`signed with the secret: the ESPFLEET_JWT_SECRET environment variable (key id ${secretKeyId('from-env')})`);
    expect(verifyToken('from-env', r.stdout.trim()).role).toBe('admin');
    expect(existsSync(join(dir, 'jwt-secret'))).toBe(false);
  });

  it('mints a token that a server on another secret refuses, saying in its log that it was signed with another secret', async () => {
    const serverDir = tmp();
    const otherDir = tmp();
    const foreign = run(['token', 'admin', '--data-dir', otherDir, '--create-secret']).stdout.trim();
    const logFile = join(serverDir, 'server.log');
    const child = spawn(process.execPath, [cli, 'serve', '--json', '--port', '0', '--data-dir', serverDir, '--log-file', logFile], {
      env: { ...process.env, ESPFLEET_JWT_SECRET: '', ESPFLEET_DATA_DIR: '' },
    });
    try {
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const url = await new Promise<string>((ok, fail) => {
        const t = setInterval(() => {
          const m = /"type":"listening","url":"([^"]+)"/.exec(out);
          if (m) ok((clearInterval(t), m[1]));
        }, 20);
        child.on('exit', () => fail(new Error('serve exited: ' + out)));
      });
      const r = await fetch(`${url}/api/v1/devices`, { headers: { authorization: `Bearer ${foreign}` } });
      expect(r.status).toBe(401);
      const ours = secretKeyId(readFileSync(join(serverDir, 'jwt-secret'), 'utf8'));
      const answer = (await r.json()).error.message;
      expect(answer).toContain('signed with another secret');
      expect(answer).not.toContain(ours);
      const deadline = Date.now() + 3000;
      let refusal: any;
      while (!refusal && Date.now() < deadline) {
        const lines = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
        refusal = lines.find((l) => l.reason === 'bad_signature');
        if (!refusal) await new Promise((res) => setTimeout(res, 50));
      }
      expect(refusal).toMatchObject({ surface: 'rest', path: '/api/v1/devices' });
      expect(refusal.msg).toContain('signed with another secret');
      expect(refusal.msg).toContain(ours);
      expect(readFileSync(logFile, 'utf8')).not.toContain(foreign.split('.')[2]);
    } finally {
      child.kill('SIGINT');
      await new Promise((res) => child.on('exit', res));
    }
  });
});
