// The pure parts of routing across instances: the direct frames (several messages in one
// publish, addressed to one instance), the byte check that drops frames meant for others, the
// outbox of unanswered direct messages, and the view of which instance holds a device.
import { describe, expect, it } from 'vitest';
import {
  addressedElsewhere, decodeFrame, directEntry, directHeader, directTarget, encodeAck, encodeGone, encodeHandled, encodePresence, encodeRoute,
} from '../../src/signaling/busCodec.js';
import { Outbox } from '../../src/signaling/outbox.js';
import { RemoteDevices } from '../../src/signaling/remoteDevices.js';

describe('direct frames', () => {
  it('carry several messages to one instance, each text untouched', () => {
    const texts = ['{"event":"ice_candidate","payload":{"candidate":"a\\nb"}}', '{\n  "event": "sdp_offer",\n  "payload": {"sdp": "v=0\\r\\n", "x": "é→😀"}\n}'];
    const raw = directHeader('to-1', 'origin-2') + directEntry(directTarget('a@b.c', 'dev 1'), 7, texts[0]) + directEntry(directTarget('x@y.z', 'd:2'), 8, texts[1]);
    expect(decodeFrame(raw)).toEqual({
      kind: 'direct', to: 'to-1', origin: 'origin-2',
      messages: [
        { seq: 7, email: 'a@b.c', device: 'dev 1', text: texts[0] },
        { seq: 8, email: 'x@y.z', device: 'd:2', text: texts[1] },
      ],
    });
    expect(decodeFrame(encodeHandled('to-1', 'from-2', 12))).toEqual({ kind: 'handled', to: 'to-1', from: 'from-2', seq: 12 });
    expect(decodeFrame(encodeGone('to-1', 'from-2', 9, texts[1]))).toEqual({ kind: 'gone', to: 'to-1', from: 'from-2', seq: 9, text: texts[1] });
  });

  it('are refused when malformed', () => {
    const ok = directHeader('t', 'o') + directEntry(directTarget('a', 'd'), 1, '{}');
    expect(decodeFrame(ok)).toBeDefined();
    for (const raw of ['Dt\no', 'Dt', 'Dt\no\u001e1\na\n{}', 'Dt\no\u001ex\na\nd\n{}', 'Dt\no\u001e0\na\nd\n{}', `${ok}\u001e2\na`, 'Ct\nf\n', 'Ct\nf\n1.5', 'Gt\n3', 'Gt\nf\n3', 'At\nh\n1,x', 'At\nh']) {
      expect(decodeFrame(raw), JSON.stringify(raw)).toBeUndefined();
    }
  });

  it('are told apart by their first bytes: frames for another instance are dropped unread', () => {
    const self = Buffer.from('inst-a');
    const mine = [directHeader('inst-a', 'inst-b') + directEntry('x\nd\n', 1, '{}'), encodeHandled('inst-a', 'inst-b', 1), encodeGone('inst-a', 'inst-b', 1, '{}'), encodeAck('inst-a', 'inst-b', [1])];
    const others = [directHeader('inst-b', 'inst-a') + directEntry('x\nd\n', 1, '{}'), encodeHandled('inst-ab', 'x', 1), encodeGone('inst-', 'x', 1, '{}'), encodeAck('inst-b', 'inst-a', [1]), 'Dinst-a', 'D'];
    const broadcast = [encodeRoute('inst-a', 1, 'a', 'd', '{}'), encodePresence('inst-b', 'user_left', 'a', 'd', []), 'hello', ''];
    for (const raw of mine) expect(addressedElsewhere(Buffer.from(raw), self), raw).toBe(false);
    for (const raw of others) expect(addressedElsewhere(Buffer.from(raw), self), raw).toBe(true);
    for (const raw of broadcast) expect(addressedElsewhere(Buffer.from(raw), self), raw).toBe(false);
  });
});

describe('outbox', () => {
  const box = () => new Outbox<string>();

  const to = (device: string) => ({ email: 'a@b.c', device });

  it('forgets what the holder handled, hands back what it did not hold, and expires the rest in order', () => {
    const b = box();
    for (let seq = 1; seq <= 5; seq++) b.push(seq * 10, `s${seq}`, to(`d${seq}`), seq * 100);
    expect(b.size).toBe(5);
    expect(b.gone(30)).toEqual({ seq: 30, sender: 's3', to: to('d3') });
    expect(b.gone(30)).toBeUndefined();
    expect(b.gone(31)).toBeUndefined();
    b.handled(20);
    expect(b.size).toBe(3);
    // Sent at 300 (answered by gone), 400: the sweep at 450 returns only the one still unanswered.
    expect(b.expired(450).map((m) => m.seq)).toEqual([40]);
    expect(b.size).toBe(1);
    b.handled(1000);
    expect(b.size).toBe(0);
    expect(b.expired(Infinity)).toEqual([]);
  });

  it('hands every unanswered message back when Redis is lost', () => {
    const b = box();
    b.push(1, 's', to('d1'), 0);
    b.push(2, 's', to('d2'), 0);
    b.gone(1);
    expect(b.drain().map((m) => m.to.device)).toEqual(['d2']);
    expect(b.size).toBe(0);
  });

  it('stays correct across compaction under a long stream', () => {
    const b = box();
    let handled = 0;
    for (let seq = 1; seq <= 20_000; seq++) {
      b.push(seq, 's', to(`d${seq}`), seq);
      if (seq % 100 === 0) b.handled((handled = seq - 50));
    }
    expect(b.size).toBe(20_000 - handled);
    expect(b.gone(handled + 1)?.to.device).toBe(`d${handled + 1}`);
    expect(b.gone(handled)).toBeUndefined();
    expect(b.expired(20_000).length).toBe(20_000 - handled - 1);
  });
});

describe('remote devices', () => {
  it('learns holders and moves, forgets on leave, gone and silence', () => {
    const v = new RemoteDevices(directTarget);
    v.learn('a', 'd1', 'i1');
    v.learn('a', 'd2', 'i1');
    v.learn('b', 'd1', 'i2');
    expect(v.get('a', 'd1')).toEqual({ instance: 'i1', email: 'a', device: 'd1', target: 'a\nd1\n' });
    v.learn('a', 'd1', 'i3');
    expect(v.get('a', 'd1')?.instance).toBe('i3');
    expect(v.get('c', 'd1')).toBeUndefined();
    // "gone" from an instance that no longer holds it in our view changes nothing.
    v.forget('a', 'd1', 'i1');
    expect(v.get('a', 'd1')?.instance).toBe('i3');
    v.forget('a', 'd1', 'i3');
    expect(v.get('a', 'd1')).toBeUndefined();
    v.forgetInstance('i1');
    expect(v.get('a', 'd2')).toBeUndefined();
    expect(v.get('b', 'd1')?.instance).toBe('i2');
    v.forget('b', 'd1');
    expect(v.size).toBe(0);
  });

  it('keeps at most its bound, forgetting the oldest', () => {
    const v = new RemoteDevices(directTarget, 3);
    for (const d of ['d1', 'd2', 'd3', 'd4']) v.learn('a', d, 'i1');
    expect(v.size).toBe(3);
    expect(v.get('a', 'd1')).toBeUndefined();
    expect(v.get('a', 'd4')?.instance).toBe('i1');
  });
});
