// WebSocket throughput: frames per second the firmware's server (the wsEcho test fixture, built
// by the firmware build) sustains in the simulator, next to the same load on a Node `ws` server;
// every echo checked; RUNS runs each, median and range.
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { EspruinoDevice } from '../../src/espruino/device.js';
import { WallClock } from '../../src/espruino/clock.js';
import { echoLoad, type EchoLoad, type EchoResult } from './echoLoad.js';
import { fixtureBundle } from './firmwarePaths.js';
import { fmt, median } from './stats.js';

const RUNS = 3;
const LOAD: EchoLoad = { clients: 4, frames: Number(process.env.BENCH_FRAMES ?? 10000), size: 64, window: 16 };

interface Server {
  url: string;
  stop(): void;
}

async function simulatedServer(): Promise<Server> {
  const clock = new WallClock();
  const device = new EspruinoDevice({ id: 'bench', bundle: await fixtureBundle('wsEcho'), clock, networks: [{ ssid: 'lab', password: 'lab-pass' }], byteStrings: true });
  device.boot();
  device.radio.connect('lab', 'lab-pass');
  for (let i = 0; i < 500 && !device.online; i++) await new Promise((r) => setTimeout(r, 10));
  device.eval('wsServe(8080, 0)');
  for (let i = 0; i < 500 && !device.addresses.has(8080); i++) await new Promise((r) => setTimeout(r, 10));
  const port = device.addresses.get(8080);
  if (!port) throw new Error(`the simulated server did not listen:\n${device.logs.join('\n')}`);
  return { url: `ws://127.0.0.1:${port}/ws`, stop: () => device.stop() };
}

async function nodeServer(): Promise<Server> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/ws' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  let id = 0;
  wss.on('connection', (ws) => {
    ws.send(`welcome ${++id}`);
    ws.on('message', (d) => ws.send(d.toString()));
  });
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`, stop: () => wss.close() };
}

async function measure(name: string, start: () => Promise<Server>): Promise<EchoResult[]> {
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

function row(name: string, rs: EchoResult[]): string {
  const f = rs.map((r) => r.framesPerSecond);
  return `| ${name} | ${fmt(median(f))} | ${fmt(Math.min(...f))} – ${fmt(Math.max(...f))} | ${rs.map((r) => r.echoed).join(', ')} |`;
}

/** Runs the load on both servers and returns the section's lines. */
export async function wsThroughputSection(): Promise<string[]> {
  const sim = await measure('simulator', simulatedServer);
  const node = await measure('node ws', nodeServer);
  const share = (median(sim.map((r) => r.framesPerSecond)) / median(node.map((r) => r.framesPerSecond))) * 100;
  return [
    '## WebSocket server throughput',
    '',
    `- Load: ${LOAD.clients} Node \`ws\` clients at once, each sending ${LOAD.frames} text frames of ${LOAD.size} bytes, at most ${LOAD.window} unanswered; the server echoes each; every echo is checked (once, in order) and a run with any missing fails. Frames per second = echoes received / seconds from the first send to the last echo. ${RUNS} runs each.`,
    '- Simulator: the firmware server (`startWsServer`, in the `test/fixtures/wsEcho.ts` bundle built by the firmware build) on a simulated ESP32 on the wall clock, sockets bridged to loopback. Node: a `ws` WebSocketServer doing the same echo.',
    '',
    '| server | frames/s (median) | range | echoes checked per run |',
    '| --- | ---: | ---: | --- |',
    row('firmware server in the simulator', sim),
    row('Node `ws` server', node),
    '',
    `The simulated server sustains ${share.toFixed(0)}% of the Node server's rate on the same load. This measures the firmware code under V8; a real ESP32 is far slower (see \`firmware/README.md\`, "Net").`,
  ];
}
