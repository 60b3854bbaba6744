// Back-pressure: a consumer whose unsent data passes the limit is dropped, not buffered.
import { describe, it, expect } from 'vitest';
import { EventEmitter } from 'node:events';
import { Peer, CLOSE_SLOW_CONSUMER } from '../../src/ws/peer.js';
import { Metrics } from '../../src/metrics.js';

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
    const p = new Peer(ws as never, 'charger', metrics, 1000);
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
    const p = new Peer(ws as never, 'sensors', new Metrics(), 1000);
    for (let i = 0; i < 100; i++) {
      expect(p.send('y'.repeat(500))).toBe(true);
      ws.bufferedAmount = 0;
    }
  });
});
