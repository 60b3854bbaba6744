// The README's two-instance deployment: two instances sharing PostgreSQL and Redis behind
// HAProxy running deploy/haproxy.cfg as committed (its addresses from the environment), on a
// free loopback port. With CI=true a missing haproxy fails the suite.
import { describe, it, expect, afterEach, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seedStation, dropTestSchemas, rest, Client, wsUrl } from '../support.js';
import { freePort, CI } from '../signaling/support.js';
import { services, clusterRedis, instances, nowS, reading, eventually, type Instance } from './support.js';

const CONFIG = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'deploy', 'haproxy.cfg');
const HAPROXY = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((p) => existsSync(p));
if (!HAPROXY && CI) throw new Error('haproxy is not installed (scripts/setup.sh installs it): the deployment test must run in CI');
const up = await services();
afterAll(async () => {
  if (up) await dropTestSchemas();
});

/** HAProxy in the foreground on the committed configuration. */
async function proxy(a: Instance, b: Instance): Promise<{ url: string; p: ChildProcess; output(): string }> {
  const port = await freePort();
  const hostPort = (s: Instance) => new URL(s.url).host;
  const env = { ...process.env, ESPFLEET_LISTEN: `127.0.0.1:${port}`, ESPFLEET_INSTANCE_A: hostPort(a), ESPFLEET_INSTANCE_B: hostPort(b) };
  const p = spawn(HAPROXY!, ['-db', '-f', CONFIG], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout!.on('data', (d) => (out += d));
  p.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => (await fetch(url + '/healthz').catch(() => undefined))?.status === 200, 10_000, `haproxy answering: ${out}`);
  return { url, p, output: () => out };
}

const served = (r: Response) => r.headers.get('x-espfleet-instance');

describe.skipIf(!up || !HAPROXY)('two instances behind HAProxy (deploy/haproxy.cfg)', () => {
  const clients: Client[] = [];
  const running: Instance[] = [];
  let haproxy: ChildProcess | undefined;
  let redis: Awaited<ReturnType<typeof clusterRedis>> | undefined;
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    if (haproxy && haproxy.exitCode === null) {
      const exited = new Promise((r) => haproxy!.once('exit', r));
      haproxy.kill('SIGTERM');
      await exited;
    }
    for (const s of running.splice(0)) await s.close();
    await redis?.release();
  });

  it('spreads new clients over both instances, keeps a client on its instance by cookie, and bills a charger on one watched from the other', async () => {
    redis = await clusterRedis();
    const [a, b] = await instances(2, redis.url);
    running.push(a, b);
    const lb = await proxy(a, b);
    haproxy = lb.p;

    // Round robin for clients without the cookie; the cookie names the instance.
    const seen = new Set<string | null>();
    let cookie = '';
    for (let i = 0; i < 4; i++) {
      const r = await fetch(lb.url + '/healthz');
      seen.add(served(r));
      cookie ||= /ESPFLEET_INSTANCE=[ab]/.exec(r.headers.get('set-cookie') ?? '')?.[0] ?? '';
    }
    expect(seen).toEqual(new Set(['a', 'b']));
    expect(cookie).toMatch(/^ESPFLEET_INSTANCE=[ab]$/);
    // Sticky: every request carrying the cookie (as a long-polling client's do) reaches the same instance.
    const pinned = new Set<string | null>();
    for (let i = 0; i < 6; i++) pinned.add(served(await fetch(lb.url + '/healthz', { headers: { cookie } })));
    expect(pinned).toEqual(new Set([cookie.slice(-1)]));

    await seedStation(lb);
    const on = (instance: 'a' | 'b', q: string) => {
      const c = new Client(wsUrl(lb, `/ws?${q}`), { headers: { cookie: `ESPFLEET_INSTANCE=${instance}` } });
      clients.push(c);
      return c;
    };
    const esp = on('a', 'role=publisher&estacionId=1');
    const dash = on('b', 'role=client&estacionId=1');
    await dash.type('init', 5000);
    await esp.type('connected', 5000);
    esp.send({ type: 'nfc_scan', nfc_uid: 'VIRTUAL-1-A4F2E8' });
    const sid = (await esp.type('start', 5000)).session_id;
    const t0 = nowS();
    for (let i = 0; i <= 10; i++) esp.send(reading(sid, t0 + i));
    let last;
    do last = await dash.type('metrics', 5000);
    while (last.kwh < 0.01);
    dash.send({ type: 'stop', session_id: sid });
    expect(await esp.type('stop', 5000)).toEqual({ type: 'stop', session_id: sid });
    expect(await dash.type('session_ended', 5000)).toMatchObject({ session_id: sid, kwh: 0.01, cost: 0.07 });
    expect((await rest(lb, 'GET', `/api/v1/sessions/${sid}`)).body).toMatchObject({ kwh: 0.01, cost: 0.07 });
    // The charger was on A and the dashboard on B, as their cookies asked.
    expect(a.metrics.text()).toMatch(/espfleet_sessions_started_total 1/);
    expect(b.metrics.text()).not.toMatch(/espfleet_sessions_started_total/);
    expect(lb.output()).not.toMatch(/\[ALERT\]/);
  });
});
