// startWsServer in the simulator (the wsEcho fixture bundle), driven by real Node `ws` clients
// and raw TCP sockets over loopback.
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { bootEchoBoard, type SimBoard } from './echoBoard.js';

let board: SimBoard;
/** wsServe(8080, 0): no pings; 8081: pings every 300 ms of device time. */
let port: number;
let pingPort: number;
const open: (WebSocket | net.Socket)[] = [];

beforeAll(async () => {
  board = await bootEchoBoard();
  board.run('wsServe(8080, 0); wsServe(8081, 300)');
  port = await board.port(8080);
  pingPort = await board.port(8081);
});

afterAll(() => {
  for (const c of open) c instanceof WebSocket ? c.terminate() : c.destroy();
  board.stop();
});

interface Client {
  ws: WebSocket;
  messages: string[];
  closed: Promise<{ code: number; reason: string }>;
  next(): Promise<string>;
}

function client(p = port): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${p}/ws`);
  open.push(ws);
  const messages: string[] = [];
  let waiting: ((m: string) => void) | undefined;
  let read = 0;
  ws.on('message', (d) => {
    messages.push(d.toString());
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w(messages[read++]);
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
  const c: Client = {
    ws,
    messages,
    closed,
    next: () => (read < messages.length ? Promise.resolve(messages[read++]) : new Promise((r) => (waiting = r))),
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(c));
    ws.once('error', reject);
  });
}

/** A raw TCP connection that has completed the upgrade (and reads nothing unless asked). */
async function rawUpgraded(p: number): Promise<{ sock: net.Socket; data: () => Buffer }> {
  const sock = net.connect(p, '127.0.0.1');
  open.push(sock);
  const chunks: Buffer[] = [];
  sock.on('data', (b) => chunks.push(b));
  sock.on('error', () => {});
  sock.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  const data = () => Buffer.concat(chunks);
  const deadline = Date.now() + 5000;
  while (!data().toString('latin1').includes('\r\n\r\n')) {
    if (Date.now() > deadline) throw new Error('no upgrade answer');
    await new Promise((r) => setTimeout(r, 2));
  }
  expect(data().toString('latin1')).toContain('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  return { sock, data };
}

describe('WebSocket server on the simulated board', () => {
  it('serves several clients at once, each its own echo, UTF-8, 4 KB and fragmented messages included', async () => {
    const cs = await Promise.all([client(), client(), client()]);
    const welcomes = await Promise.all(cs.map((c) => c.next()));
    expect(new Set(welcomes).size).toBe(3);
    const big = 'é'.repeat(1000) + 'z'.repeat(2096); // 4096 bytes of UTF-8
    await Promise.all(
      cs.map(async (c, i) => {
        c.ws.send(`from ${i}: Grüße`);
        c.ws.send(big);
        c.ws.send('frag-', { fin: false });
        c.ws.send('ment-', { fin: false });
        c.ws.send(`ed ${i}`, { fin: true });
        expect(await c.next()).toBe(`from ${i}: Grüße`);
        expect(await c.next()).toBe(big);
        expect(await c.next()).toBe(`frag-ment-ed ${i}`);
      }),
    );
    cs[0].ws.send('peers');
    expect(await cs[0].next()).toBe('peers 3');
    for (const c of cs) c.ws.close(1000);
    await Promise.all(cs.map((c) => c.closed));
  });

  it('closes with codes both ways', async () => {
    const a = await client();
    const welcome = await a.next();
    const id = welcome.split(' ')[1];
    a.ws.send('close:4001:bye now');
    expect(await a.closed).toEqual({ code: 4001, reason: 'bye now' });
    await board.logged((l) => l === `close ${id} 4001`, 'the server-side close');

    const b = await client();
    const idB = (await b.next()).split(' ')[1];
    b.ws.close(4002, 'client leaving');
    expect((await b.closed).code).toBe(4002);
    await board.logged((l) => l === `close ${idB} 4002`, 'the client-initiated close');
  });

  it('answers a ping with a pong carrying the same payload', async () => {
    const c = await client();
    await c.next();
    const pong = new Promise<string>((r) => c.ws.once('pong', (d) => r(d.toString())));
    c.ws.ping('are you there?');
    expect(await pong).toBe('are you there?');
    c.ws.close();
  });

  it('closes oversize messages with 1009 and binary ones with 1003 while others are served', async () => {
    const other = await client();
    await other.next();
    const big = await client();
    await big.next();
    big.ws.send('x'.repeat(4097));
    expect((await big.closed).code).toBe(1009);
    const bin = await client();
    await bin.next();
    bin.ws.send(Buffer.from([1, 2, 3]));
    expect((await bin.closed).code).toBe(1003);
    other.ws.send('still here');
    expect(await other.next()).toBe('still here');
    other.ws.close();
  });

  it('closes an unmasked client frame with 1002', async () => {
    const { sock, data } = await rawUpgraded(port);
    const before = data().length;
    sock.write(Buffer.from([0x81, 0x02, 0x68, 0x69])); // "hi", not masked
    const deadline = Date.now() + 5000;
    while (data().length < before + 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    // welcome frame first, then the close frame with 1002
    const close = data().subarray(data().length - 4 - 'unmasked frame from a client'.length);
    expect(close[0]).toBe(0x88);
    expect(close.readUInt16BE(2)).toBe(1002);
  });

  it('answers plain HTTP with 426 on the WebSocket path and 404 elsewhere', async () => {
    const [onPath, elsewhere] = await Promise.all([fetch(`http://127.0.0.1:${port}/ws`), fetch(`http://127.0.0.1:${port}/status`)]);
    expect(onPath.status).toBe(426);
    expect(onPath.headers.get('sec-websocket-version')).toBe('13');
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.text()).toBe('no such path; the WebSocket is at /ws\n');
  });

  it('answers 400 to a connection that sends no upgrade request in time', async () => {
    const sock = net.connect(port, '127.0.0.1');
    open.push(sock);
    let got = '';
    sock.on('data', (b) => (got += b.toString('latin1')));
    const ended = new Promise<void>((r) => sock.on('close', () => r()));
    await new Promise<void>((r) => sock.on('connect', () => r()));
    await new Promise((r) => setTimeout(r, 50)); // the board accepts it
    board.clock.advance(5000);
    await ended;
    expect(got.startsWith('HTTP/1.1 400 Bad Request\r\n')).toBe(true);
    expect(got.endsWith('no upgrade request in time\n')).toBe(true);
  });

  it('refuses a fifth peer with 503', async () => {
    const cs = await Promise.all([client(), client(), client(), client()]);
    await Promise.all(cs.map((c) => c.next()));
    await expect(client()).rejects.toThrow('Unexpected server response: 503');
    for (const c of cs) c.ws.close();
    await Promise.all(cs.map((c) => c.closed));
  });

  it('keeps serving a reading client in full while a client that stopped reading loses its own messages', async () => {
    const stalled = await client();
    await stalled.next();
    const reader = await client();
    const readerId = (await reader.next()).split(' ')[1];
    const stalledId = stalled.messages[0].split(' ')[1];
    stalled.ws.pause(); // stops reading its socket; the kernel buffers fill, then the board's
    // Loopback kernel buffers take a few MB before the board's own send buffer fills.
    const n = 10000;
    reader.ws.send(`flood:${n}:1000`);
    let report = '';
    const got: number[] = [];
    while (!report) {
      const m = await reader.next();
      if (m.startsWith('flood done ')) report = m;
      else got.push(Number(m.split(':')[0]));
    }
    expect(got).toEqual(Array.from({ length: n }, (_, i) => i));
    const counts = JSON.parse(report.slice('flood done '.length)) as Record<string, { sent: number; dropped: number }>;
    expect(counts[readerId]).toEqual({ sent: n, dropped: 0 });
    expect(counts[stalledId].dropped).toBeGreaterThan(0);
    expect(counts[stalledId].sent + counts[stalledId].dropped).toBe(n);
    reader.ws.send('after the flood');
    expect(await reader.next()).toBe('after the flood');
    stalled.ws.terminate();
    reader.ws.close();
  });

  it('drops a peer that stops answering pings, and keeps the one that answers', async () => {
    const answering = await client(pingPort);
    await answering.next();
    let pings = 0;
    answering.ws.on('ping', () => pings++);
    const silent = await rawUpgraded(pingPort);
    // It reads its welcome and then nothing: no pong ever comes back.
    const deadline = Date.now() + 5000;
    while (!/welcome \d+/.test(silent.data().toString('latin1')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    const id = /welcome (\d+)/.exec(silent.data().toString('latin1'))![1];
    silent.sock.pause();
    await board.logged((l) => l === `close ${id} 1006`, 'the silent peer dropped');
    expect(pings).toBeGreaterThan(0);
    answering.ws.send('alive');
    expect(await answering.next()).toBe('alive');
    answering.ws.close();
  });
});
