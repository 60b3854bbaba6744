import * as nodeNet from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createNetModule, type NetModule, type NetSocket } from '../../src/espruino/net.js';
import { Resources, bytes0to255, createTestDevice, freePort, goOnline, type TestDevice } from './testHost.js';

let t: TestDevice;
let net: NetModule;
const res = new Resources();

beforeEach(async () => {
  t = createTestDevice();
  net = createNetModule(t.host);
  await goOnline(t);
});

afterEach(async () => {
  t.stop();
  await res.closeAll();
  vi.restoreAllMocks();
});

/** A device TCP echo server on device port 23; returns its loopback port. */
async function deviceEcho(chunks: string[] = []): Promise<number> {
  net.createServer((sock: NetSocket) => {
    sock.on('data', (d: string) => {
      chunks.push(d);
      sock.write(d);
    });
  })!.listen(23);
  await t.waitFor(() => t.listening.has(23), 'the device server');
  return t.listening.get(23)!;
}

function nodeClient(port: number): { sock: nodeNet.Socket; got: () => Buffer; closed: () => boolean } {
  const sock = res.add(nodeNet.connect(port, '127.0.0.1'));
  const parts: Buffer[] = [];
  let closed = false;
  sock.on('data', (b) => parts.push(b));
  sock.on('close', () => {
    closed = true;
  });
  return { sock, got: () => Buffer.concat(parts), closed: () => closed };
}

/** A real Node TCP server; records what it receives and keeps its sockets. */
async function nodeServer(onSocket: (s: nodeNet.Socket) => void = () => {}) {
  const sockets: nodeNet.Socket[] = [];
  const received: Buffer[] = [];
  const server = res.add(
    nodeNet.createServer((s) => {
      res.add(s);
      sockets.push(s);
      s.on('data', (b) => received.push(b));
      onSocket(s);
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as nodeNet.AddressInfo).port, sockets, received: () => Buffer.concat(received) };
}

describe('net server', () => {
  it('echoes all 256 byte values to a real client, in chunks of at most 536 bytes', async () => {
    const chunks: string[] = [];
    const c = nodeClient(await deviceEcho(chunks));
    const payload = Buffer.from(bytes0to255().repeat(8), 'latin1');
    c.sock.write(payload);
    await t.waitFor(() => c.got().length >= payload.length, 'the echo');
    expect(c.got().equals(payload)).toBe(true);
    expect(chunks.join('')).toBe(bytes0to255().repeat(8));
    expect(Math.max(...chunks.map((s) => s.length))).toBeLessThanOrEqual(536);
  });

  it('keeps data for read() until a listener is added', async () => {
    let sock: NetSocket | undefined;
    net.createServer((s: NetSocket) => {
      sock = s;
    })!.listen(80);
    await t.waitFor(() => t.listening.has(80), 'the device server');
    const c = nodeClient(t.listening.get(80)!);
    c.sock.write('hello');
    await t.waitFor(() => sock !== undefined && sock.available() === 5, 'buffered data');
    expect(sock!.read(2)).toBe('he');
    const later: string[] = [];
    sock!.on('data', (d: string) => later.push(d));
    expect(later).toEqual([]); // queued, as on the board
    await t.waitFor(() => later.length > 0, 'the buffered data event');
    expect(later).toEqual(['llo']);
  });
});

describe('net.connect', () => {
  it('round-trips byte strings with a real server and closes like Espruino', async () => {
    const srv = await nodeServer((s) => s.write(Buffer.from(bytes0to255(), 'latin1')));
    const events: string[] = [];
    let data = '';
    const sock = net.connect({ host: '127.0.0.1', port: srv.port }, (s: NetSocket) => {
      events.push('connect');
      s.write(bytes0to255());
    })!;
    sock.on('data', (d: string) => {
      data += d;
    });
    sock.on('drain', () => events.push('drain'));
    sock.on('end', () => events.push('end'));
    sock.on('close', (hadError: boolean) => events.push(`close:${hadError}`));
    await t.waitFor(() => data.length === 256 && srv.received().length === 256, 'both directions');
    expect(data).toBe(bytes0to255());
    expect(srv.received().equals(Buffer.from(bytes0to255(), 'latin1'))).toBe(true);
    sock.end('bye');
    await t.waitFor(() => events.includes('close:false'), 'the close');
    expect(events).toEqual(['connect', 'drain', 'drain', 'end', 'close:false']);
    expect(srv.received().subarray(256).toString()).toBe('bye');
    expect(() => sock.write('x')).toThrow('This socket is closed');
  });

  it('sends what Espruino sends for arrays and typed arrays', async () => {
    const srv = await nodeServer();
    const sock = net.connect({ host: 'localhost', port: srv.port })!;
    sock.write([1, 2, 3]);
    sock.write(new Uint8Array([4, 5]));
    sock.write(String.fromCharCode(0x1ff));
    await t.waitFor(() => srv.received().length >= 9, 'the bytes');
    expect(srv.received().toString('latin1')).toBe('1,2,34,5\xff');
  });

  it('reports a refused connection as a plain close, as the ESP32 driver does', async () => {
    const events: string[] = [];
    const sock = net.connect({ host: '127.0.0.1', port: await freePort() })!;
    for (const ev of ['error', 'end', 'close']) sock.on(ev, (a: unknown) => events.push(`${ev}:${JSON.stringify(a ?? null)}`));
    await t.waitFor(() => events.length === 2, 'the close');
    expect(events).toEqual(['end:null', 'close:false']);
  });

  it('refuses non-loopback addresses before touching the network', async () => {
    const connectSpy = vi.spyOn(nodeNet.Socket.prototype, 'connect');
    for (const host of ['10.255.255.1', 'example.com', '::1']) {
      const events: string[] = [];
      const sock = net.connect({ host, port: 80 }, () => events.push('connect'))!;
      for (const ev of ['error', 'end', 'close']) sock.on(ev, (a: unknown) => events.push(`${ev}:${JSON.stringify(a ?? null)}`));
      await t.clock.advanceAsync(10);
      expect(events).toEqual(['error:{"code":-4,"message":"no route"}', 'end:null', 'close:true']);
    }
    expect(connectSpy).not.toHaveBeenCalled();
    expect(t.logs.filter((l) => l.includes('outside the simulator'))).toHaveLength(3);
  });

  it('throws while offline, as the ESP32 build does', () => {
    t.radio.dropFor(3000);
    expect(() => net.connect({ host: '127.0.0.1', port: 80 })).toThrow('Unable to create socket');
    expect(t.logs).toContain('ERROR: Connect failed (err 113)');
  });
});

describe('WiFi loss and device stop', () => {
  it('dropFor(3000) cuts live sockets both ways, refuses new ones, then works again', async () => {
    const echoPort = await deviceEcho();
    const inbound = nodeClient(echoPort);
    inbound.sock.write('ping');
    await t.waitFor(() => inbound.got().toString() === 'ping', 'the first echo');

    const srv = await nodeServer();
    const outboundEvents: string[] = [];
    const out = net.connect({ host: '127.0.0.1', port: srv.port })!;
    out.on('close', (e: boolean) => outboundEvents.push(`close:${e}`));
    await t.waitFor(() => srv.sockets.length === 1, 'the outbound connection');
    let serverSideClosed = false;
    srv.sockets[0].on('close', () => {
      serverSideClosed = true;
    });

    const wifiEvents: string[] = [];
    t.radio.on('connected', () => wifiEvents.push('connected'));
    t.radio.dropFor(3000);
    await t.waitFor(() => inbound.closed() && serverSideClosed && outboundEvents.length === 1, 'both sides to close');
    expect(outboundEvents).toEqual(['close:false']);

    const refused = nodeClient(echoPort);
    refused.sock.write('anyone?');
    await t.waitFor(() => refused.closed(), 'the refused connection to close');
    expect(refused.got().length).toBe(0);
    expect(() => net.connect({ host: '127.0.0.1', port: srv.port })).toThrow('Unable to create socket');

    await t.clock.advanceAsync(3000);
    expect(wifiEvents).toEqual(['connected']);
    const again = nodeClient(echoPort);
    again.sock.write('back');
    await t.waitFor(() => again.got().toString() === 'back', 'the echo after reconnecting');
    const out2 = net.connect({ host: '127.0.0.1', port: srv.port })!;
    out2.write('hi');
    await t.waitFor(() => srv.sockets.length === 2 && srv.received().toString().endsWith('hi'), 'a new outbound connection');
  });

  it('onStop closes the real listening port and live sockets without calling the firmware', async () => {
    const port = await deviceEcho();
    const live = nodeClient(port);
    live.sock.write('x');
    await t.waitFor(() => live.got().length === 1, 'the echo');
    const calls: string[] = [];
    const srv = await nodeServer();
    const out = net.connect({ host: '127.0.0.1', port: srv.port })!;
    out.on('close', () => calls.push('close'));
    await t.waitFor(() => srv.sockets.length === 1, 'the outbound connection');

    t.stop();
    await t.waitFor(() => live.closed(), 'the live socket to close');
    const refused = res.add(nodeNet.connect(port, '127.0.0.1'));
    const err = await new Promise<NodeJS.ErrnoException>((r) => refused.on('error', r));
    expect(err.code).toBe('ECONNREFUSED');
    await t.clock.advanceAsync(50);
    expect(calls).toEqual([]);
    expect(t.errors).toEqual([]);
  });

  it('refuses what it does not emulate', async () => {
    const srv = await nodeServer();
    const sock = net.connect({ host: '127.0.0.1', port: srv.port })!;
    expect(() => (sock as unknown as { pipe: unknown }).pipe).toThrow('Socket.pipe is not supported by the simulator');
    expect(() => (net as unknown as { createConnection: unknown }).createConnection).toThrow('net.createConnection is not supported by the simulator');
    (sock as unknown as { tag: string }).tag = 'mine';
    expect((sock as unknown as { tag: string }).tag).toBe('mine');
  });
});
