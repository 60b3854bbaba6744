// The fleet's peers, in a worker thread so their work is not counted against the simulator's
// event loop (as a real backend and real clients are other machines): a charger backend that
// answers as the host server does (`connected`, a `start` for every card, metrics counted), and
// one WebSocket client per moving valve that sweeps it between two angles, a new command as soon
// as the valve reports itself idle at the last target.
import { parentPort } from 'node:worker_threads';
import type { IncomingMessage } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import type { PeerCounts, PeersRequest, ValveToDrive } from './peersProtocol.js';

const port = parentPort!;
const SWEEP = [10, 80];
const counts: PeerCounts = { moves: {}, valveErrors: 0, metrics: {}, starts: {}, publishers: 0, errors: [] };
const sockets: WebSocket[] = [];

function serveChargers(): Promise<number> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/ws' });
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    sockets.push(ws);
    const q = new URL(req.url ?? '/', 'ws://x').searchParams;
    const station = Number(q.get('estacionId'));
    counts.publishers++;
    ws.send(JSON.stringify({ type: 'connected', role: 'publisher', estacionId: String(station) }));
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type: string };
      if (m.type === 'nfc_scan') {
        counts.starts[station] = (counts.starts[station] ?? 0) + 1;
        ws.send(JSON.stringify({ type: 'start', session_id: station, user_name: 'bench' }));
      } else if (m.type === 'metrics') counts.metrics[station] = (counts.metrics[station] ?? 0) + 1;
    });
    ws.on('error', (e) => counts.errors.push(`station ${station}: ${e.message}`));
  });
  return new Promise((resolve) => wss.on('listening', () => resolve((wss.address() as { port: number }).port)));
}

function drive(v: ValveToDrive): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${v.port}/ws`);
    sockets.push(ws);
    let leg = 0;
    const command = () => ws.send(JSON.stringify({ event: 'set_valve_basic', valve_data: { set_angle: true, angle: SWEEP[leg % 2] } }));
    ws.on('open', () => ws.send(JSON.stringify({ event: 'request_device_info', passkey: v.passkey })));
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { event: string; motion?: string; get_valvedata?: { angle: number } };
      if (m.event === 'device_info' && leg === 0) {
        resolve();
        command();
      } else if (m.event === 'valve_error') counts.valveErrors++;
      else if (m.event === 'valve_data' && m.motion === 'idle' && m.get_valvedata?.angle === SWEEP[leg % 2]) {
        counts.moves[v.id] = (counts.moves[v.id] ?? 0) + 1;
        leg++;
        command();
      }
    });
    ws.on('error', (e) => {
      counts.errors.push(`${v.id}: ${e.message}`);
      resolve();
    });
  });
}

port.on('message', async (r: PeersRequest) => {
  if (r.type === 'serve') port.postMessage({ type: 'serving', port: await serveChargers() });
  else if (r.type === 'drive') {
    await Promise.all(r.valves.map(drive));
    port.postMessage({ type: 'driving' });
  } else if (r.type === 'counts') port.postMessage({ type: 'counts', counts: structuredClone(counts) });
  else if (r.type === 'close') {
    for (const ws of sockets) ws.terminate();
    port.postMessage({ type: 'closed' });
    port.close();
  }
});
