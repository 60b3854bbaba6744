import * as nodeHttp from 'node:http';
import * as nodeNet from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpModule, type HttpClientResponse, type HttpModule, type HttpServerRequest, type HttpServerResponse } from '../../src/espruino/http.js';
import { createNetModule } from '../../src/espruino/net.js';
import { Resources, bytes0to255, createTestDevice, freePort, goOnline, type TestDevice } from './testHost.js';

let t: TestDevice;
let http: HttpModule;
const res = new Resources();

beforeEach(async () => {
  t = createTestDevice();
  http = createHttpModule(t.host, createNetModule(t.host));
  await goOnline(t);
});

afterEach(async () => {
  t.stop();
  await res.closeAll();
});

async function deviceServer(onRequest: (req: HttpServerRequest, res: HttpServerResponse) => void): Promise<string> {
  http.createServer(onRequest)!.listen(80);
  await t.waitFor(() => t.listening.has(80), 'the device server');
  return `http://127.0.0.1:${t.listening.get(80)}`;
}

describe('device http server', () => {
  it('answers fetch with status, headers and body', async () => {
    let seen: { method: string; url: string; token?: string; host?: string; Host?: string } | undefined;
    const base = await deviceServer((req, res) => {
      seen = { method: req.method, url: req.url, token: req.headers['X-Token'], host: req.headers.host, Host: req.headers.Host };
      res.writeHead(404, { 'Content-Type': 'text/plain', 'X-Device': 'valve' });
      res.end('no such thing');
    });
    const r = await t.settle(fetch(`${base}/missing?x=1`, { headers: { 'X-Token': 'abc' } }));
    expect(r.status).toBe(404);
    expect(r.headers.get('x-device')).toBe('valve');
    expect(r.headers.get('server')).toBe('Espruino 2v29');
    expect(r.headers.get('connection')).toBe('close');
    expect(await t.settle(r.text())).toBe('no such thing');
    // Espruino keeps names as they arrive: fetch sends its own in lower case, the caller's as given.
    expect(seen).toEqual({ method: 'GET', url: '/missing?x=1', token: 'abc', host: base.slice(7), Host: undefined });
  });

  it('keeps header name case and receives a POST body', async () => {
    const log: string[] = [];
    let headers: Record<string, string> = {};
    const base = await deviceServer((req, res) => {
      headers = req.headers;
      let body = '';
      req.on('data', (d: string) => {
        body += d;
      });
      req.on('end', () => {
        log.push('end');
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ got: body }));
      });
      req.on('close', () => log.push('req close'));
      res.on('close', () => log.push('res close'));
    });
    const body = 'x'.repeat(3000) + bytes0to255();
    const answer = await t.settle(
      new Promise<{ status?: number; text: string }>((resolve, reject) => {
        const rq = nodeHttp.request(`${base}/config`, { method: 'POST', headers: { 'X-Token': 'abc', 'Content-Type': 'text/plain' } }, (r) => {
          const parts: Buffer[] = [];
          r.on('data', (b: Buffer) => parts.push(b));
          r.on('end', () => resolve({ status: r.statusCode, text: Buffer.concat(parts).toString('latin1') }));
        });
        rq.on('error', reject);
        rq.end(Buffer.from(body, 'latin1'));
      }),
    );
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ got: body });
    expect(headers['X-Token']).toBe('abc');
    expect(headers['Content-Length']).toBe(String(body.length));
    await t.waitFor(() => log.length === 3, 'the close events');
    expect(log).toEqual(['end', 'req close', 'res close']);
  });

  it('decodes a chunked request body', async () => {
    let body = '';
    let ended = false;
    const base = await deviceServer((req, res) => {
      req.on('data', (d: string) => {
        body += d;
      });
      req.on('end', () => {
        ended = true;
        res.end('ok');
      });
    });
    const status = await t.settle(
      new Promise<number | undefined>((resolve, reject) => {
        const rq = nodeHttp.request(`${base}/stream`, { method: 'PUT' }, (r) => {
          r.resume();
          r.on('end', () => resolve(r.statusCode));
        });
        rq.on('error', reject);
        rq.write('first ');
        setTimeout(() => rq.end('second'), 5);
      }),
    );
    expect(status).toBe(200);
    expect(body).toBe('first second');
    expect(ended).toBe(true);
  });

  it('keeps an upgraded connection open as a raw byte stream', async () => {
    const events: string[] = [];
    const port = Number(
      new URL(
        await deviceServer((req, res) => {
          if (!(req.headers.Connection && req.headers.Connection.indexOf('Upgrade') >= 0)) return res.end();
          res.writeHead(101, { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Accept': 'abc=' });
          req.on('data', (d: string) => res.write(d));
          req.on('close', () => events.push('closed'));
        }),
      ).port,
    );
    const sock = res.add(nodeNet.connect(port, '127.0.0.1'));
    let got = Buffer.alloc(0);
    sock.on('data', (b) => {
      got = Buffer.concat([got, b]);
    });
    sock.write('GET /ws HTTP/1.1\r\nHost: valve\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    await t.waitFor(() => got.includes('\r\n\r\n'), 'the 101 head');
    const head = got.toString('latin1');
    expect(head.startsWith('HTTP/1.1 101 OK\r\n')).toBe(true);
    expect(head).toContain('Connection: Upgrade\r\n');
    expect(head).not.toContain('Connection: close');
    expect(head).toContain('Sec-WebSocket-Accept: abc=\r\n');
    const headLength = head.indexOf('\r\n\r\n') + 4;
    const frames = Buffer.from(bytes0to255() + bytes0to255(), 'latin1');
    sock.write(frames.subarray(0, 100));
    await t.clock.advanceAsync(20);
    sock.write(frames.subarray(100));
    await t.waitFor(() => got.length >= headLength + frames.length, 'the raw echo');
    expect(got.subarray(headLength).equals(frames)).toBe(true);
    sock.end();
    await t.waitFor(() => events.length === 1, 'the close');
  });
});

describe('device http client', () => {
  let received: { line: string; headers: nodeHttp.IncomingHttpHeaders; body: string }[];
  let base: { port: number };

  beforeEach(async () => {
    received = [];
    const server = res.add(
      nodeHttp.createServer((req, reply) => {
        let body = '';
        req.setEncoding('latin1');
        req.on('data', (d: string) => {
          body += d;
        });
        req.on('end', () => {
          received.push({ line: `${req.method} ${req.url} HTTP/${req.httpVersion}`, headers: req.headers, body });
          reply.setHeader('X-Thing', 'v');
          if (req.url === '/chunked') {
            reply.write('part one,');
            setTimeout(() => reply.end(' part two'), 5);
          } else reply.end(Buffer.from(bytes0to255(), 'latin1'));
        });
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = { port: (server.address() as nodeNet.AddressInfo).port };
  });

  function collect(r: HttpClientResponse) {
    const out = { body: '', events: [] as string[] };
    r.on('data', (d: string) => {
      out.body += d;
    });
    r.on('end', () => out.events.push('end'));
    r.on('close', (e: boolean) => out.events.push(`close:${e}`));
    return out;
  }

  it('reads a Content-Length response', async () => {
    let response: HttpClientResponse | undefined;
    let out: ReturnType<typeof collect> | undefined;
    http.get(`http://127.0.0.1:${base.port}/bytes`, (r) => {
      response = r;
      out = collect(r);
    });
    await t.waitFor(() => out?.events.length === 2, 'the response');
    expect(response!.statusCode).toBe('200');
    expect(response!.statusMessage).toBe('OK');
    expect(response!.httpVersion).toBe('1.1');
    expect(response!.headers['X-Thing']).toBe('v');
    expect(response!.headers['Content-Length']).toBe('256');
    expect(out!.body).toBe(bytes0to255());
    expect(out!.events).toEqual(['end', 'close:false']);
    expect(received[0].line).toBe('GET /bytes HTTP/1.1');
    expect(received[0].headers['user-agent']).toBe('Espruino 2v29');
    expect(received[0].headers.host).toBe(`127.0.0.1:${base.port}`);
  });

  it('reads a chunked response and sends a POST body', async () => {
    let out: ReturnType<typeof collect> | undefined;
    const req = http.request(
      { host: '127.0.0.1', port: base.port, path: '/chunked', method: 'POST', headers: { 'Content-Type': 'text/plain', 'Content-Length': 5 } },
      (r) => {
        expect(r.headers['Transfer-Encoding']).toBe('chunked');
        out = collect(r);
      },
    )!;
    req.write('he');
    req.end('llo');
    await t.waitFor(() => out?.events.length === 2, 'the response');
    expect(out!.body).toBe('part one, part two');
    expect(received[0]).toMatchObject({ line: 'POST /chunked HTTP/1.1', body: 'hello' });
    expect(received[0].headers['content-type']).toBe('text/plain');
  });

  it('ends a response without length framing with the bytes that came with its head', async () => {
    const raw = res.add(
      nodeNet.createServer((c) => {
        res.add(c);
        c.once('data', () => {
          c.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nfirst');
          setTimeout(() => c.end('-later'), 20);
        });
      }),
    );
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    let out: ReturnType<typeof collect> | undefined;
    http.get({ host: '127.0.0.1', port: (raw.address() as nodeNet.AddressInfo).port, path: '/' }, (r) => {
      out = collect(r);
    });
    await t.waitFor(() => out?.events.length === 2, 'the response');
    expect(out!.body).toBe('first');
    expect(out!.events).toEqual(['end', 'close:false']);
  });

  it('reports no response when nothing answers', async () => {
    const events: string[] = [];
    const req = http.get({ host: '127.0.0.1', port: await freePort(), path: '/' }, () => events.push('response'))!;
    req.on('error', (e: unknown) => events.push(`error:${JSON.stringify(e)}`));
    await t.waitFor(() => events.length === 1, 'the error');
    expect(events).toEqual(['error:{"code":-15,"message":"no response"}']);
  });

  it('refuses non-loopback hosts, TLS and what it does not emulate', async () => {
    const events: string[] = [];
    const req = http.get('http://10.255.255.1/x', () => events.push('response'))!;
    req.on('error', (e: unknown) => events.push(`error:${JSON.stringify(e)}`));
    await t.clock.advanceAsync(10);
    expect(events).toEqual(['error:{"code":-4,"message":"no route"}']);
    expect(() => http.get('https://127.0.0.1/')).toThrow('https (TLS) is not supported by the simulator');
    expect(() => (req as unknown as { setTimeout: unknown }).setTimeout).toThrow('httpCRq.setTimeout is not supported by the simulator');
    expect(() => (http as unknown as { Agent: unknown }).Agent).toThrow('http.Agent is not supported by the simulator');
  });
});
