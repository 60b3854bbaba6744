import { describe, expect, it } from 'vitest';
import {
  frameReader,
  type FrameReader,
  OP_BINARY,
  OP_CLOSE,
  OP_CONTINUATION,
  OP_PING,
  OP_PONG,
  OP_TEXT,
  clientFrame,
  closePayload,
  serverFrame,
} from '../../src/net/wsFrame.js';
import { nodeBytes, prng } from './nodeBytes.js';

type Event = [string, ...unknown[]];

function reader(fromClient: boolean, maxMessageBytes = 4096): { r: FrameReader; events: Event[] } {
  const events: Event[] = [];
  const r = frameReader(
    { maxMessageBytes, fromClient, bytes: nodeBytes },
    {
      text: (m) => events.push(['text', m]),
      ping: (p) => events.push(['ping', p]),
      pong: (p) => events.push(['pong', p]),
      close: (code, reason) => events.push(['close', code, reason]),
      fail: (code, reason) => events.push(['fail', code, reason]),
    },
  );
  return { r, events };
}

const KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
const masked = (op: number, payload: string) => clientFrame(op, payload, KEY, nodeBytes);

/** A frame with every header bit under the test's control (masked with KEY when `mask`). */
function rawFrame(first: number, payload: string, mask: boolean, lengthField?: string): string {
  const n = payload.length;
  const len = lengthField ?? (n < 126 ? String.fromCharCode(n) : String.fromCharCode(126, n >> 8, n & 255));
  const second = String.fromCharCode(len.charCodeAt(0) | (mask ? 0x80 : 0)) + len.substring(1);
  if (!mask) return String.fromCharCode(first) + second + payload;
  let body = '';
  for (let i = 0; i < n; i++) body += String.fromCharCode(payload.charCodeAt(i) ^ KEY[i & 3]);
  return String.fromCharCode(first) + second + nodeBytes.toString(KEY) + body;
}

describe('frame writers', () => {
  it('writes unmasked server frames with 7-, 16- and 64-bit lengths', () => {
    expect(serverFrame(OP_TEXT, 'hi')).toBe('\x81\x02hi');
    const f16 = serverFrame(OP_TEXT, 'a'.repeat(300));
    expect([f16.charCodeAt(1), f16.charCodeAt(2), f16.charCodeAt(3)]).toEqual([126, 1, 44]);
    const f64 = serverFrame(OP_TEXT, 'a'.repeat(70000));
    expect(Array.from(nodeBytes.fromString(f64.substring(0, 10)))).toEqual([0x81, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
    expect(f64.length).toBe(10 + 70000);
  });

  it('masks client frames with the key (RFC 6455 §5.7 example)', () => {
    const f = clientFrame(OP_TEXT, 'Hello', KEY, nodeBytes);
    expect(Array.from(nodeBytes.fromString(f))).toEqual([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
  });

  it('puts the close code big-endian before the reason and cuts the reason to fit a control frame', () => {
    expect(closePayload(1009, 'big')).toBe('\x03\xf1big');
    expect(closePayload(4000, 'r'.repeat(200)).length).toBe(125);
  });
});

describe('FrameReader', () => {
  it('reads masked client text of every length class, all 256 byte values intact', () => {
    let bytes = '';
    for (let i = 0; i < 256; i++) bytes += String.fromCharCode(i);
    for (const n of [0, 1, 3, 125, 126, 127, 1000, 4096]) {
      const payload = bytes.repeat(20).substring(0, n);
      const { r, events } = reader(true);
      r.push(masked(OP_TEXT, payload));
      expect(events).toEqual([['text', payload]]);
    }
  });

  it('gives the same events whatever the chunking, including one byte at a time', () => {
    const stream = [
      masked(OP_TEXT, 'first'),
      rawFrame(0x01, 'frag-a ', true),
      masked(OP_PING, 'are you there'),
      rawFrame(0x00, 'frag-b ', true),
      rawFrame(0x80, 'frag-c', true),
      masked(OP_TEXT, 'x'.repeat(3000)),
      masked(OP_PONG, ''),
      masked(OP_TEXT, ''),
      masked(OP_CLOSE, closePayload(1000, 'done')),
    ].join('');
    const expected: Event[] = [
      ['text', 'first'],
      ['ping', 'are you there'],
      ['text', 'frag-a frag-b frag-c'],
      ['text', 'x'.repeat(3000)],
      ['pong', ''],
      ['text', ''],
      ['close', 1000, 'done'],
    ];
    const rnd = prng(9);
    for (let round = 0; round < 200; round++) {
      const { r, events } = reader(true);
      let pos = 0;
      while (pos < stream.length) {
        const n = round === 0 ? 1 : 1 + Math.floor(rnd() * 600);
        r.push(stream.substring(pos, pos + n));
        pos += n;
      }
      expect(events).toEqual(expected);
    }
  });

  it('reads unmasked server frames on the client side, 64-bit lengths included', () => {
    const { r, events } = reader(false, 100_000);
    r.push(serverFrame(OP_TEXT, 'y'.repeat(70000)) + serverFrame(OP_PING, 'p'));
    expect(events).toEqual([['text', 'y'.repeat(70000)], ['ping', 'p']]);
  });

  it('refuses oversize messages with 1009 once the header is in, before any payload', () => {
    const over16 = reader(true, 1000);
    over16.r.push(masked(OP_TEXT, 'z'.repeat(1001)).substring(0, 8)); // header and mask only
    expect(over16.events).toEqual([['fail', 1009, 'message too big']]);

    const huge = reader(true);
    huge.r.push(String.fromCharCode(0x81, 0x80 | 127, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4)); // 2^32 bytes, then the mask
    expect(huge.events).toEqual([['fail', 1009, 'message too big']]);

    const over64 = reader(true, 70000);
    over64.r.push(String.fromCharCode(0x81, 0x80 | 127, 0, 0, 0, 0, 0, 1, 0x11, 0x71, 1, 2, 3, 4)); // 70001
    expect(over64.events).toEqual([['fail', 1009, 'message too big']]);

    const fragments = reader(true, 10);
    fragments.r.push(rawFrame(0x01, '123456', true) + rawFrame(0x80, '12345', true));
    expect(fragments.events).toEqual([['fail', 1009, 'message too big']]);
  });

  it('refuses binary frames with 1003 and other opcodes with 1002', () => {
    const bin = reader(true);
    bin.r.push(masked(OP_BINARY, 'abc'));
    expect(bin.events).toEqual([['fail', 1003, 'binary frames are not accepted']]);
    for (const op of [3, 7, 0xb, 0xf]) {
      const { r, events } = reader(true);
      r.push(rawFrame(0x80 | op, '', true));
      expect(events).toEqual([['fail', 1002, `unknown opcode ${op}`]]);
    }
  });

  it('refuses unmasked client frames and masked server frames', () => {
    const client = reader(true);
    client.r.push(rawFrame(0x81, 'hi', false));
    expect(client.events).toEqual([['fail', 1002, 'unmasked frame from a client']]);
    const server = reader(false);
    server.r.push(masked(OP_TEXT, 'hi'));
    expect(server.events).toEqual([['fail', 1002, 'masked frame from the server']]);
  });

  it('refuses malformed framing with 1002', () => {
    const cases: [string, string][] = [
      [rawFrame(0xc1, 'x', true), 'reserved bits set'],
      [rawFrame(0x09, 'x', true), 'control frame fragmented or too long'],
      [rawFrame(0x89, 'p'.repeat(126), true), 'control frame fragmented or too long'],
      [rawFrame(0x80, 'x', true), 'continuation frame without a message'],
      [rawFrame(0x01, 'a', true) + rawFrame(0x81, 'b', true), 'new message inside a fragmented one'],
      [rawFrame(0x81, 'x', true, String.fromCharCode(126, 0, 1)), 'frame length not minimally encoded'],
      [rawFrame(0x88, '\x03', true), 'close frame with a one-byte payload'],
      [rawFrame(0x88, closePayload(1005, ''), true), 'invalid close code 1005'],
    ];
    for (const [frame, reason] of cases) {
      const { r, events } = reader(true);
      r.push(frame);
      expect(events).toEqual([['fail', 1002, reason]]);
    }
  });

  it('reports a close frame without a code as 1005 and reads nothing after a close', () => {
    const { r, events } = reader(true);
    r.push(masked(OP_CLOSE, '') + masked(OP_TEXT, 'late'));
    r.push(masked(OP_TEXT, 'later'));
    expect(events).toEqual([['close', 1005, '']]);
  });

  it('reads nothing after a failure or stop()', () => {
    const failed = reader(true);
    failed.r.push(rawFrame(0x81, 'x', false) + masked(OP_TEXT, 'after'));
    failed.r.push(masked(OP_TEXT, 'after'));
    expect(failed.events).toHaveLength(1);
    const stopped = reader(true);
    stopped.r.push(masked(OP_TEXT, 'one').substring(0, 5));
    stopped.r.stop();
    stopped.r.push(masked(OP_TEXT, 'one').substring(5));
    expect(stopped.events).toEqual([]);
  });

  it('keeps fragments apart from interleaved control frames and accepts empty continuation', () => {
    const { r, events } = reader(true);
    r.push(rawFrame(0x01, 'ab', true) + masked(OP_PONG, 'x') + rawFrame(OP_CONTINUATION, '', true) + rawFrame(0x80, '', true));
    expect(events).toEqual([['pong', 'x'], ['text', 'ab']]);
  });
});
