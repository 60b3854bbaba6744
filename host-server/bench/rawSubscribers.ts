// Subscribers for the fan-out bench as bare TCP sockets with the least parsing that counts a
// delivery: WebSocket frames (after the handshake), Socket.io event packets over the WebSocket
// transport, or MQTT PUBLISH packets. Every server is measured through the same thin client, so
// the bench process spends about the same small effort per delivery whatever it talks to.
// Deliveries keep their order per subscriber, so a subscriber's k-th delivery is the k-th message
// sent: its latency needs no sequence number in the payload.
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';

export type Protocol =
  /** `path` per subscriber index when each subscribes to its own stream. */
  | { kind: 'ws'; port: number; path: string | ((i: number) => string); accept: string }
  | { kind: 'socketio'; port: number; namespace: string; auth: Record<string, string> }
  | { kind: 'mqtt'; port: number; topic: string };

export interface Subscribers {
  delivered: number;
  /** Per subscriber: deliveries since the last reset. */
  readonly counts: Uint32Array;
  /** Latency of each delivery (ms) from the send times given to reset(), sampled every `every`th. */
  latencies: number[];
  /** Counts from zero; `sentAt(i, k)` is when subscriber i's k-th delivery was sent (undefined: not timed). */
  reset(sentAt: (i: number, k: number) => number | undefined, every?: number): void;
  close(): void;
}

/** One WebSocket frame (client → server, masked with a zero key) carrying `text`. */
function maskedText(text: string): Buffer {
  const data = Buffer.from(text);
  if (data.length > 125) throw new Error('bench control frames are short');
  return Buffer.concat([Buffer.from([0x81, 0x80 | data.length, 0, 0, 0, 0]), data]);
}

function mqttString(s: string): Buffer {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 255]), b]);
}

function mqttPacket(type: number, body: Buffer): Buffer {
  const len: number[] = [];
  let n = body.length;
  do {
    let d = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) d |= 128;
    len.push(d);
  } while (n > 0);
  return Buffer.concat([Buffer.from([type, ...len]), body]);
}

export async function subscribe(p: Protocol, n: number, timeoutMs = 60_000): Promise<Subscribers> {
  const sockets: Socket[] = [];
  const counts = new Uint32Array(n);
  let sent: (i: number, k: number) => number | undefined = () => undefined;
  let every = 1;
  const subs: Subscribers = {
    delivered: 0,
    counts,
    latencies: [],
    reset(sentAt, e = 1) {
      sent = sentAt;
      every = e;
      subs.delivered = 0;
      counts.fill(0);
      subs.latencies = [];
    },
    close() {
      for (const s of sockets) s.destroy();
    },
  };
  const delivered = (i: number) => {
    const k = counts[i]++;
    subs.delivered++;
    if (k % every !== 0) return;
    const at = sent(i, k);
    if (at !== undefined) subs.latencies.push(performance.now() - at);
  };
  let ready = 0;
  let failed: Error | undefined;

  const open = (i: number) => {
    const s = connect(p.port, '127.0.0.1');
    s.setNoDelay(true);
    sockets.push(s);
    let buf: Buffer = Buffer.alloc(0);
    let stage: 'handshake' | 'open' = 'handshake';
    s.on('error', (e) => (failed ??= e));
    s.on('connect', () => {
      if (p.kind === 'mqtt') {
        const id = `bench-${process.pid}-${i}-${randomBytes(3).toString('hex')}`;
        const connectBody = Buffer.concat([mqttString('MQTT'), Buffer.from([4, 0x02, 0, 60]), mqttString(id)]);
        s.write(mqttPacket(0x10, connectBody));
        s.write(mqttPacket(0x82, Buffer.concat([Buffer.from([0, 1]), mqttString(p.topic), Buffer.from([0])])));
        return;
      }
      const path = p.kind === 'socketio' ? '/ws/?EIO=4&transport=websocket' : typeof p.path === 'string' ? p.path : p.path(i);
      s.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${p.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    s.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      if (p.kind === 'mqtt') return (buf = mqtt(buf));
      if (stage === 'handshake') {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!buf.subarray(0, 12).toString().includes('101')) failed ??= new Error(`handshake refused: ${buf.subarray(0, end).toString()}`);
        buf = buf.subarray(end + 4);
        stage = 'open';
        if (p.kind === 'ws') ready++;
      }
      buf = frames(buf);
    });

    // MQTT: CONNACK, SUBACK (ready), then PUBLISH packets.
    const mqtt = (b: Buffer): Buffer => {
      for (;;) {
        if (b.length < 2) return b;
        let len = 0;
        let mul = 1;
        let at = 1;
        for (;;) {
          if (at >= b.length) return b;
          const d = b[at++];
          len += (d & 127) * mul;
          mul *= 128;
          if (!(d & 128)) break;
        }
        if (b.length < at + len) return b;
        const type = b[0] >> 4;
        if (type === 3) delivered(i);
        else if (type === 9) ready++;
        b = b.subarray(at + len);
      }
    };

    // WebSocket frames from the server (unmasked).
    const frames = (b: Buffer): Buffer => {
      for (;;) {
        if (b.length < 2) return b;
        let len = b[1] & 127;
        let at = 2;
        if (len === 126) {
          if (b.length < 4) return b;
          len = b.readUInt16BE(2);
          at = 4;
        } else if (len === 127) {
          if (b.length < 10) return b;
          len = Number(b.readBigUInt64BE(2));
          at = 10;
        }
        if (b.length < at + len) return b;
        const op = b[0] & 15;
        if (op === 1) text(b, at, len);
        b = b.subarray(at + len);
      }
    };

    const text = (b: Buffer, at: number, len: number) => {
      if (p.kind === 'ws') {
        // Only the messages under test: a dashboard also gets `init` and status messages.
        if (p.accept === '' || b.indexOf(p.accept, at) === at) delivered(i);
        return;
      }
      const c0 = b[at];
      if (c0 === 0x34 && b[at + 1] === 0x32) return delivered(i); // "42…": an event
      if (c0 === 0x30 && p.kind === 'socketio') return s.write(maskedText(`40${p.namespace},${JSON.stringify(p.auth)}`)); // Engine.IO open → connect the namespace
      if (c0 === 0x32 && len === 1) return s.write(maskedText('3')); // ping → pong
      if (c0 === 0x34 && b[at + 1] === 0x30) ready++; // namespace connected
      if (c0 === 0x34 && b[at + 1] === 0x34) failed ??= new Error(`Socket.io connect_error: ${b.subarray(at, at + len).toString()}`);
    };
  };

  for (let i = 0; i < n; i++) {
    open(i);
    // A few hundred handshakes in flight at a time keep the listen backlog from overflowing.
    if (i % 200 === 199) await waitFor(() => ready >= i + 1 - 50 || failed !== undefined, timeoutMs);
  }
  await waitFor(() => ready >= n || failed !== undefined, timeoutMs);
  if (failed) {
    subs.close();
    throw failed;
  }
  if (ready < n) {
    subs.close();
    throw new Error(`${ready} of ${n} subscribers ready`);
  }
  return subs;
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
}
