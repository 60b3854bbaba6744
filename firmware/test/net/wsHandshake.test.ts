import { describe, expect, it } from 'vitest';
import {
  headReader,
  MAX_HEAD_BYTES,
  acceptKey,
  answerUpgrade,
  checkUpgradeResponse,
  isValidKey,
  makeKey,
  parseWsUrl,
  upgradeRequest,
} from '../../src/net/wsHandshake.js';
import { prng, sha1 } from './nodeBytes.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

function request(lines: string[], target = '/ws', method = 'GET'): string {
  return [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1:8080', ...lines].join('\r\n');
}
const UPGRADE = ['Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 13'];
const status = (response: string) => response.substring(9, 12);

describe('server handshake', () => {
  it('computes the RFC 6455 example accept key', () => {
    expect(acceptKey(KEY, sha1)).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('upgrades a valid request with header names and tokens in any case, and a query string', () => {
    const a = answerUpgrade(request(['upgrade: WebSocket', 'CONNECTION: keep-alive, Upgrade', `sec-websocket-key: ${KEY}`, 'Sec-WebSocket-Version: 13'], '/ws?x=1'), '/ws', sha1);
    expect(a.upgrade).toBe(true);
    expect(a.response).toBe('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n');
  });

  it('answers other requests with a small HTTP error and a body whose length matches', () => {
    const cases: [string, string][] = [
      [request(UPGRADE, '/other'), '404'],
      [request([], '/ws'), '426'],
      [request(UPGRADE, '/ws', 'POST'), '405'],
      [request(['Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 8']), '426'],
      [request(['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13']), '400'],
      [request(['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: short==', 'Sec-WebSocket-Version: 13']), '400'],
      ['GET /ws', '400'],
      [request(['no colon here']), '400'],
    ];
    for (const [head, code] of cases) {
      const a = answerUpgrade(head, '/ws', sha1);
      expect(a.upgrade).toBe(false);
      expect(status(a.response)).toBe(code);
      const [headers, body] = a.response.split('\r\n\r\n');
      expect(headers).toContain(`Content-Length: ${body.length}`);
      expect(headers).toContain('Connection: close');
    }
    expect(answerUpgrade(request([]), '/ws', sha1).response).toContain('Sec-WebSocket-Version: 13');
  });

  it('validates keys as base64 of 16 bytes', () => {
    expect(isValidKey(KEY)).toBe(true);
    expect(isValidKey('dGhlIHNhbXBsZSBub25jZQ=')).toBe(false);
    expect(isValidKey('dGhlIHNhbXBsZSBub25jZ!==')).toBe(false);
    const rnd = prng(3);
    for (let i = 0; i < 50; i++) expect(isValidKey(makeKey(rnd))).toBe(true);
  });
});

describe('headReader', () => {
  it('finds the end of the head whatever the chunking and keeps what follows it', () => {
    const text = request(UPGRADE) + '\r\n\r\n' + 'early frame bytes';
    for (let cut = 1; cut < text.length; cut++) {
      const h = headReader();
      const first = h.push(text.substring(0, cut));
      // Once the head is complete, later chunks belong to the frame reader, not to the head.
      const r = first === null ? h.push(text.substring(cut)) : first;
      const later = first === null ? '' : text.substring(cut);
      expect(r).not.toBe('too long');
      const done = r as { head: string; rest: string };
      expect(done.head).toBe(request(UPGRADE));
      expect(done.rest + later).toBe('early frame bytes');
    }
  });

  it('refuses a head longer than the limit', () => {
    const h = headReader();
    expect(h.push('GET / HTTP/1.1\r\nX: ' + 'a'.repeat(MAX_HEAD_BYTES))).toBe('too long');
    const long = headReader();
    expect(long.push('GET / HTTP/1.1\r\nX: ' + 'a'.repeat(MAX_HEAD_BYTES) + '\r\n\r\n')).toBe('too long');
  });
});

describe('client handshake', () => {
  it('parses ws:// URLs and refuses others', () => {
    expect(parseWsUrl('ws://10.0.0.5:8080/ws/charger?id=1')).toEqual({ host: '10.0.0.5', port: 8080, path: '/ws/charger?id=1' });
    expect(parseWsUrl('ws://example.org')).toEqual({ host: 'example.org', port: 80, path: '/' });
    expect(parseWsUrl('wss://example.org/')).toEqual({ error: 'wss:// is not supported (no TLS here): wss://example.org/' });
    expect(parseWsUrl('http://x/')).toEqual({ error: 'not a ws:// URL: http://x/' });
    expect(parseWsUrl('ws://x:99999/')).toEqual({ error: 'bad host or port in ws://x:99999/' });
    expect(parseWsUrl('ws://x:8a/')).toEqual({ error: 'bad port in ws://x:8a/' });
    expect(parseWsUrl('ws://:80/')).toEqual({ error: 'bad host or port in ws://:80/' });
  });

  it("accepts the server's 101 for its own key and nothing else", () => {
    const key = makeKey(prng(1));
    const req = upgradeRequest('127.0.0.1', 8080, '/ws', key);
    const answer = answerUpgrade(req.substring(0, req.length - 4), '/ws', sha1);
    expect(answer.upgrade).toBe(true);
    const head = answer.response.substring(0, answer.response.length - 4);
    expect(checkUpgradeResponse(head, key, sha1)).toBe('');
    expect(checkUpgradeResponse(head, makeKey(prng(2)), sha1)).toBe('wrong Sec-WebSocket-Accept');
    expect(checkUpgradeResponse('HTTP/1.1 404 Not Found\r\nContent-Length: 0', key, sha1)).toBe('server answered 404 Not Found');
    expect(checkUpgradeResponse('HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c', key, sha1)).toBe('server did not upgrade to WebSocket');
  });
});
