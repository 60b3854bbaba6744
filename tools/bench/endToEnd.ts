// npm run bench -w @espfleet/tools
// End to end on one machine: `espfleet serve --open` (SQLite) in one process, a simulated fleet
// of BENCH_E2E_VALVES valves and BENCH_E2E_CHARGERS chargers running the real firmware in another,
// the bench's clients (REST, one dashboard per station) in this one. Per run: every valve is sent
// a 10° move over REST, spread over BENCH_E2E_SPREAD_S seconds (latency: the request until the
// host answers that the valve reported arriving, travel included); every charger gets its user's
// card, spread the same way (latency: the tap until its dashboard shows session_started); then
// every session is stopped. Every command must succeed and every session start, or the bench
// fails. CPU: each process's user + system time during the run.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import os from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

const here = dirname(fileURLToPath(import.meta.url));
const QUICK = process.env.BENCH_QUICK === '1';
const NV = Number(process.env.BENCH_E2E_VALVES ?? (QUICK ? 4 : 200));
const NC = Number(process.env.BENCH_E2E_CHARGERS ?? (QUICK ? 4 : 200));
const SPREAD_S = Number(process.env.BENCH_E2E_SPREAD_S ?? (QUICK ? 1 : 10));
const RUNS = Number(process.env.BENCH_E2E_RUNS ?? (QUICK ? 1 : 3));

interface Proc {
  child: ChildProcess;
  lines: AsyncIterator<string>;
  send(l: string): void;
}

function proc(args: string[]): Proc {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return { child, lines, send: (l) => child.stdin!.write(l + '\n') };
}

async function nextJson(p: Proc, type: string): Promise<any> {
  for (;;) {
    const r = await p.lines.next();
    if (r.done) throw new Error(`process exited before "${type}"`);
    if (!r.value.startsWith('{')) continue;
    const m = JSON.parse(r.value);
    if (m.type === type) return m;
  }
}

function cpuOfPid(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
const median = (xs: number[]) => pct(xs, 50);

export async function endToEnd(): Promise<{ runs: Run[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'espfleet-e2e-'));
  const server = proc([join(here, '../dist/cli.js'), 'serve', '--open', '--port', '0', '--json', '--data-dir', dir, '--log-level', 'warn']);
  let fleet: Proc | undefined;
  const dashboards: WebSocket[] = [];
  try {
    const { url } = await nextJson(server, 'listening');
    const rest = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(url + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const b = (await r.json()) as any;
      return { status: r.status, body: b };
    };
    for (let i = 1; i <= NC; i++) {
      await rest('POST', '/api/v1/stations', { id: i, name: `Estación ${i}`, tariff: 7 });
      const u = (await rest('POST', '/api/v1/users', { name: `Usuario ${i}` })).body;
      await rest('POST', '/api/v1/cards', { uid: cardOf(i), userId: u.id });
    }
    const started = new Map<number, number>();
    for (let i = 1; i <= NC; i++) {
      const ws = new WebSocket(`${url.replace('http', 'ws')}/ws?role=client&estacionId=${i}`);
      ws.on('message', (d) => {
        const t = d.toString();
        if (t.includes('"type":"session_started"')) started.set(i, performance.now());
      });
      dashboards.push(ws);
    }
    fleet = proc(['--import', 'tsx', join(here, 'fleetChild.ts'), String(NV), String(NC), `${url.replace('http', 'ws')}/ws`]);
    const ready = await nextJson(fleet, 'ready');
    const valveIds: number[] = [];
    for (const v of ready.valves) valveIds.push((await rest('POST', '/api/v1/valves', { name: v.id, address: `127.0.0.1:${v.port}`, passkey: v.passkey })).body.valveId);
    await waitFor(async () => (await rest('GET', '/api/v1/valves')).body.every((v: any) => v.online), 60_000, 'every valve linked');
    await waitFor(async () => (await rest('GET', '/api/v1/stations')).body.every((s: any) => s.status === 'disponible'), 60_000, 'every charger connected');
    const cpu = async () => {
      fleet!.send('cpu');
      return { server: cpuOfPid(server.child.pid!), fleet: (await nextJson(fleet!, 'cpu')).ms, bench: (process.cpuUsage().user + process.cpuUsage().system) / 1000 };
    };
    const runs: Run[] = [];
    for (let run = 0; run < RUNS; run++) {
      const c0 = await cpu();
      const t0 = performance.now();
      // Valves: each moves 10° (up on even runs, down on odd ones), spread over the window.
      const target = run % 2 ? 10 : 20;
      const valveLat = await Promise.all(
        valveIds.map(async (id, k) => {
          await sleep((k * SPREAD_S * 1000) / valveIds.length);
          const at = performance.now();
          const r = await rest('POST', `/api/v1/valves/${id}/angle`, { angle: target });
          if (r.status !== 200) throw new Error(`valve ${id}: ${r.status} ${JSON.stringify(r.body)}`);
          return performance.now() - at;
        }),
      );
      // Cards: each charger its user's card, spread the same way.
      started.clear();
      const tapped = new Map<number, number>();
      for (let i = 1; i <= NC; i++) {
        await sleep(Math.max(0, t0 + SPREAD_S * 1000 + ((i - 1) * SPREAD_S * 1000) / NC - performance.now()));
        tapped.set(i, performance.now());
        fleet.send(`tap ${i} ${cardOf(i)}`);
      }
      await waitFor(() => started.size === NC, 30_000, `every session started (${started.size} of ${NC})`);
      const cardLat = [...tapped].map(([i, at]) => started.get(i)! - at);
      const c1 = await cpu();
      const secs = (performance.now() - t0) / 1000;
      runs.push({
        valveP50: pct(valveLat, 50), valveP99: pct(valveLat, 99), cardP50: pct(cardLat, 50), cardP99: pct(cardLat, 99),
        serverCores: (c1.server - c0.server) / 1000 / secs, fleetCores: (c1.fleet - c0.fleet) / 1000 / secs, benchCores: (c1.bench - c0.bench) / 1000 / secs,
      });
      for (let i = 1; i <= NC; i++) fleet.send(`stop ${i}`);
      await waitFor(async () => (await rest('GET', '/api/v1/stations')).body.every((s: any) => s.status === 'disponible'), 30_000, 'every session ended');
    }
    return { runs };
  } finally {
    for (const d of dashboards) d.terminate();
    fleet?.child.stdin!.end();
    fleet?.child.kill();
    server.child.kill();
    await new Promise((r) => setTimeout(r, 200));
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Run {
  valveP50: number;
  valveP99: number;
  cardP50: number;
  cardP99: number;
  serverCores: number;
  fleetCores: number;
  benchCores: number;
}

const cardOf = (i: number) => `04E2E${i.toString(16).toUpperCase().padStart(3, '0')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`not within ${ms / 1000} s: ${what}`);
    await sleep(100);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const { runs } = await endToEnd();
  const f = (x: number, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const mr = (k: keyof Run, d = 0) => {
    const xs = runs.map((r) => r[k]);
    return `${f(median(xs), d)} (${f(Math.min(...xs), d)}–${f(Math.max(...xs), d)})`;
  };
  const text = [
    '# @espfleet/tools benchmark: the whole system on one machine',
    '',
    `- Machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}; ${new Date().toISOString()}; load average ${load} before`,
    `- Command: \`npm run bench -w @espfleet/tools\`${QUICK ? ' with BENCH_QUICK=1' : ''} (BENCH_E2E_VALVES=${NV}, BENCH_E2E_CHARGERS=${NC}, BENCH_E2E_SPREAD_S=${SPREAD_S}, BENCH_E2E_RUNS=${RUNS})`,
    '',
    `\`espfleet serve --open\` (SQLite) in one process; ${NV} simulated valves and ${NC} simulated chargers running the real \`firmware/dist/valve.js\` and \`charger.js\` on the wall clock in a second; the bench's REST calls and ${NC} station dashboards in a third. Each run: every valve gets a 10° move over REST (\`POST /api/v1/valves/{id}/angle\`), spread over ${SPREAD_S} s — latency from the request until the host answers that the valve reported arriving, the motor's travel included (about 15°/s at full speed, slower on the final approach); then every charger gets its user's card, spread over ${SPREAD_S} s — latency from the tap until the station's dashboard shows \`session_started\` (the firmware polls its PN532 every 50 ms); then every session is stopped. A failed command or a session that does not start fails the bench. CPU in cores (user + system seconds per second of the run) for each process. ${RUNS} runs: median (range).`,
    '',
    '| valve command → arrival p50 | p99 | card → session_started p50 | p99 | server CPU | fleet CPU | bench clients CPU |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${mr('valveP50')} ms | ${mr('valveP99')} ms | ${mr('cardP50')} ms | ${mr('cardP99')} ms | ${mr('serverCores', 2)} | ${mr('fleetCores', 2)} | ${mr('benchCores', 2)} |`,
    '',
  ].join('\n');
  console.log(text);
  if (!QUICK) writeFileSync(join(here, 'RESULTS.md'), text);
  process.exit(0);
}
