// Back-pressure: a consumer whose unsent data passes the limit is dropped, not buffered.
import { describe, it, expect } from 'vitest';
import { EventEmitter } from 'node:events';
import { Peer, CLOSE_SLOW_CONSUMER } from '../../src/ws/peer.js';
import { Metrics } from '../../src/metrics.js';
import { ConnectionBook } from '../../src/ws/connection.js';

class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readonly CLOSED = 3;
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  closedWith?: [number, string];
  terminated = false;
  send(t: string) {
    this.sent.push(t);
    this.bufferedAmount += t.length;
  }
  close(code: number, reason: string) {
    this.closedWith = [code, reason];
    this.readyState = 2;
  }
  terminate() {
    this.terminated = true;
    this.readyState = 3;
  }
}

describe('Peer', () => {
  it('sends while the peer keeps up, drops it once its unsent data passes the limit', () => {
    const ws = new FakeSocket();
    const metrics = new Metrics();
    const p = new Peer(ws as never, 'charger', new ConnectionBook(metrics, 1000));
    expect(p.send('x'.repeat(600))).toBe(true);
    expect(p.send('x'.repeat(600))).toBe(false);
    expect(ws.sent).toHaveLength(1);
    expect(ws.closedWith).toEqual([CLOSE_SLOW_CONSUMER, 'send buffer limit exceeded']);
    expect(metrics.get('espfleet_ws_dropped_total', { route: 'charger', reason: 'slow_consumer' })).toBe(1);
    expect(metrics.get('espfleet_ws_messages_out_total', { route: 'charger' })).toBe(1);
    expect(p.send('late')).toBe(false);
  });
  it('a consumer draining its buffer stays', () => {
    const ws = new FakeSocket();
    const p = new Peer(ws as never, 'sensors', new ConnectionBook(new Metrics(), 1000));
    for (let i = 0; i < 100; i++) {
      expect(p.send('y'.repeat(500))).toBe(true);
      ws.bufferedAmount = 0;
    }
  });
});

describe('prepared fan-out', () => {
  it('a frame built once reaches real clients intact, and counts', async () => {
    const { WebSocketServer, WebSocket } = await import('ws');
    const { prepare } = await import('../../src/ws/peer.js');
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
    await new Promise((r) => wss.once('listening', r));
    const port = (wss.address() as { port: number }).port;
    const metrics = new Metrics();
    const peers: Peer[] = [];
    const book = new ConnectionBook(metrics, 1 << 20);
    wss.on('connection', (ws) => peers.push(new Peer(ws, 'sensors', book)));
    const got: string[] = [];
    const clients = await Promise.all(
      [1, 2, 3].map(
        () =>
          new Promise<InstanceType<typeof WebSocket>>((ok) => {
            const c = new WebSocket(`ws://127.0.0.1:${port}`);
            c.on('message', (d) => got.push(d.toString()));
            c.on('open', () => ok(c));
          }),
      ),
    );
    while (peers.length < 3) await new Promise((r) => setTimeout(r, 10));
    const text = JSON.stringify({ type: 'sensor_data_update', value: 'ñ'.repeat(200) });
    const p = prepare(text);
    for (const peer of peers) expect(peer.sendPrepared(p)).toBe(true);
    while (got.length < 3) await new Promise((r) => setTimeout(r, 10));
    expect(got).toEqual([text, text, text]);
    expect(metrics.get('espfleet_ws_messages_out_total', { route: 'sensors' })).toBe(3);
    for (const c of clients) c.close();
    wss.close();
  });
});
