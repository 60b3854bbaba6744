// npm run bench -w @espfleet/firmware
// WebSocket throughput: frames per second the firmware's server (the wsEcho test fixture, built
// by the firmware build) sustains in the simulator, next to the same load on a Node `ws` server;
// every echo checked; 3 runs each, median and range. Writes its section of bench/RESULTS.md and
// keeps the others (the valve app's bundle bytes and JsVars after boot).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { EspruinoDevice, WallClock } from '@espfleet/simulator';
import { bundleApp } from '../build/bundle.js';
import { echoLoad, type EchoLoad, type EchoResult } from './echoLoad.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = 3;
const LOAD: EchoLoad = { clients: 4, frames: Number(process.env.BENCH_FRAMES ?? 10000), size: 64, window: 16 };

async function simulatedServer(): Promise<{ url: string; stop(): void }> {
  const b = await bundleApp(join(root, 'test', 'fixtures', 'wsEcho.ts'), 'wsEcho', root);
  if (b.problems.length) throw new Error(b.problems.join('\n'));
  const clock = new WallClock();
  const device = new EspruinoDevice({ id: 'bench', bundle: b.minified, clock, networks: [{ ssid: 'lab', password: 'lab-pass' }], byteStrings: true });
  device.boot();
  device.radio.connect('lab', 'lab-pass');
  for (let i = 0; i < 500 && !device.online; i++) await new Promise((r) => setTimeout(r, 10));
  device.eval('wsServe(8080, 0)');
  for (let i = 0; i < 500 && !device.addresses.has(8080); i++) await new Promise((r) => setTimeout(r, 10));
  const port = device.addresses.get(8080);
  if (!port) throw new Error(`the simulated server did not listen:\n${device.logs.join('\n')}`);
  return { url: `ws://127.0.0.1:${port}/ws`, stop: () => device.stop() };
}

async function nodeServer(): Promise<{ url: string; stop(): void }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/ws' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  let id = 0;
  wss.on('connection', (ws) => {
    ws.send(`welcome ${++id}`);
    ws.on('message', (d) => ws.send(d.toString()));
  });
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`, stop: () => wss.close() };
}

async function measure(name: string, start: () => Promise<{ url: string; stop(): void }>): Promise<EchoResult[]> {
  const out: EchoResult[] = [];
  for (let i = 0; i < RUNS; i++) {
    const s = await start();
    try {
      out.push(await echoLoad(s.url, LOAD));
      console.log(`${name} run ${i + 1}: ${Math.round(out[i].framesPerSecond)} frames/s`);
    } finally {
      s.stop();
    }
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function row(name: string, rs: EchoResult[]): string {
  const f = rs.map((r) => r.framesPerSecond);
  return `| ${name} | ${fmt(median(f))} | ${fmt(Math.min(...f))} – ${fmt(Math.max(...f))} | ${rs.map((r) => r.echoed).join(', ')} |`;
}

const sim = await measure('simulator', simulatedServer);
const node = await measure('node ws', nodeServer);
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const section = [
  '<!-- websocket-throughput: written by bench/run.ts -->',
  '## WebSocket server throughput',
  '',
  `- Machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}; Node ${process.version}; ${new Date().toISOString()}`,
  '- Command: `npm run bench -w @espfleet/firmware`',
  `- Load: ${LOAD.clients} Node \`ws\` clients at once, each sending ${LOAD.frames} text frames of ${LOAD.size} bytes, at most ${LOAD.window} unanswered; the server echoes each; every echo is checked (once, in order) and a run with any missing fails. Frames per second = echoes received / seconds from the first send to the last echo. ${RUNS} runs each.`,
  '- Simulator: the firmware server (`startWsServer`, in the `test/fixtures/wsEcho.ts` bundle built by the firmware build) on a simulated ESP32 on the wall clock, sockets bridged to loopback. Node: a `ws` WebSocketServer doing the same echo.',
  '',
  '| server | frames/s (median) | range | echoes checked per run |',
  '| --- | ---: | ---: | --- |',
  row('firmware server in the simulator', sim),
  row('Node `ws` server', node),
  '',
  `The simulated server sustains ${(median(sim.map((r) => r.framesPerSecond)) / median(node.map((r) => r.framesPerSecond)) * 100).toFixed(0)}% of the Node server's rate on the same load. This measures the firmware code under V8; a real ESP32 is far slower (see README, "Net").`,
  '<!-- /websocket-throughput -->',
].join('\n');

const file = join(root, 'bench', 'RESULTS.md');
const header = '# @espfleet/firmware benchmark\n';
let text = existsSync(file) ? readFileSync(file, 'utf8') : header;
const start = text.indexOf('<!-- websocket-throughput');
const endMark = '<!-- /websocket-throughput -->';
text = start >= 0 ? text.slice(0, start) + section + text.slice(text.indexOf(endMark) + endMark.length) : text.trimEnd() + '\n\n' + section + '\n';
writeFileSync(file, text);
console.log(section);
