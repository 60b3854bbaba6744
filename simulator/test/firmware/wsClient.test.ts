// connectWs in the simulator (the wsEcho fixture's wsConnect) against a real Node `ws` server.
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { bootEchoBoard, type SimBoard } from './echoBoard.js';

let board: SimBoard;
let wss: WebSocketServer;
let port: number;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  board = await bootEchoBoard();
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/echo' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  port = (wss.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const s of sockets) s.terminate();
  board.stop();
  await new Promise<void>((r) => wss.close(() => r()));
});

/** The device connects; resolves with the server side of the connection and its first message. */
async function deviceConnects(): Promise<{ ws: WebSocket; first: string; logsBefore: number }> {
  const logsBefore = board.device.logs.length;
  const accepted = new Promise<{ ws: WebSocket; first: string }>((resolve) => {
    wss.once('connection', (ws) => {
      sockets.push(ws);
      ws.once('message', (d, isBinary) => {
        expect(isBinary).toBe(false);
        resolve({ ws, first: d.toString() });
      });
    });
  });
  board.run(`wsConnect("ws://127.0.0.1:${port}/echo")`);
  return { ...(await accepted), logsBefore };
}

/** The client's close line printed after `from`. */
function clientClose(from: number): Promise<string> {
  return board.logged((l) => l.startsWith('client close '), 'the client close', from).then(async () => {
    await new Promise((r) => setTimeout(r, 50)); // a second report would show by now
    const lines = board.device.logs.slice(from).filter((l) => l.startsWith('client close '));
    expect(lines).toHaveLength(1);
    return lines[0];
  });
}

describe('WebSocket client on the simulated board', () => {
  it('handshakes, sends masked text (which ws requires), echoes and answers pings with their payload', async () => {
    const { ws, first } = await deviceConnects();
    expect(first).toBe('hello');
    const reply = new Promise<string>((r) => ws.once('message', (d) => r(d.toString())));
    ws.send('echo:Grüße, ' + 'x'.repeat(3000));
    expect(await reply).toBe('Grüße, ' + 'x'.repeat(3000));
    const pong = new Promise<string>((r) => ws.once('pong', (d) => r(d.toString())));
    ws.ping('ping-payload');
    expect(await pong).toBe('ping-payload');
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send('close:4000:done');
    expect(await closed).toBe(4000);
  });

  it("reports the server's close code and reason once", async () => {
    const { ws, logsBefore } = await deviceConnects();
    ws.close(4003, 'token rejected');
    expect(await clientClose(logsBefore)).toBe('client close 4003 token rejected');
  });

  it('reports 1006 when the connection drops without a close frame', async () => {
    const { ws, logsBefore } = await deviceConnects();
    ws.terminate();
    expect(await clientClose(logsBefore)).toBe('client close 1006 connection lost');
  });

  it('closes with 1009 on an oversize message from the server', async () => {
    const { ws, logsBefore } = await deviceConnects();
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send('y'.repeat(4097));
    expect(await closed).toBe(1009);
    expect(await clientClose(logsBefore)).toBe('client close 1009 message too big');
  });

  it('reports 1006 once when the upgrade is refused or nothing listens', async () => {
    let from = board.device.logs.length;
    board.run(`wsConnect("ws://127.0.0.1:${port}/nope")`);
    expect(await clientClose(from)).toBe('client close 1006 server answered 400 Bad Request');

    const free = net.createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const closedPort = (free.address() as AddressInfo).port;
    await new Promise<void>((r) => free.close(() => r()));
    from = board.device.logs.length;
    board.run(`wsConnect("ws://127.0.0.1:${closedPort}/echo")`);
    expect(await clientClose(from)).toMatch(/^client close 1006 /);

    from = board.device.logs.length;
    board.run('wsConnect("wss://127.0.0.1/echo")');
    expect(await clientClose(from)).toBe('client close 1006 wss:// is not supported (no TLS here): wss://127.0.0.1/echo');
  });
});
