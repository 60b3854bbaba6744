// Writes within a millisecond leave together; a large burst still streams; everything arrives in order.
import { createServer, connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { corkForTurn } from '../../src/ws/turnCork.js';

async function pair(): Promise<{ out: Socket; received: () => Buffer; close(): void }> {
  const chunks: Buffer[] = [];
  const server = createServer((s) => s.on('data', (d) => chunks.push(d)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const out = connect((server.address() as { port: number }).port, '127.0.0.1');
  await new Promise((r) => out.once('connect', r));
  return { out, received: () => Buffer.concat(chunks), close: () => (out.destroy(), server.close()) };
}

describe('corkForTurn', () => {
  it('holds the writes of a millisecond, then sends them in order', async () => {
    const p = await pair();
    try {
      const writes: string[] = [];
      for (let i = 0; i < 100; i++) {
        corkForTurn(p.out);
        p.out.write(`m${i};`);
        writes.push(`m${i};`);
      }
      expect(p.out.writableCorked).toBe(1);
      expect(p.out.writableLength).toBe(writes.join('').length);
      await new Promise((r) => setTimeout(r, 20));
      expect(p.out.writableCorked).toBe(0);
      const end = Date.now() + 5000;
      while (p.received().length < writes.join('').length && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
      expect(p.received().toString()).toBe(writes.join(''));
    } finally {
      p.close();
    }
  });

  it('flushes a socket once 16 KB are corked on it, so a burst never piles up', async () => {
    const p = await pair();
    try {
      const chunk = 'x'.repeat(1000);
      let most = 0;
      for (let i = 0; i < 200; i++) {
        corkForTurn(p.out);
        p.out.write(chunk);
        most = Math.max(most, p.out.writableLength);
      }
      expect(most).toBeLessThanOrEqual(16 * 1024 + chunk.length);
      await new Promise((r) => setTimeout(r, 20));
      const end = Date.now() + 5000;
      while (p.received().length < 200_000 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
      expect(p.received().length).toBe(200_000);
    } finally {
      p.close();
    }
  });

  it('ignores a missing or destroyed socket', () => {
    expect(() => corkForTurn(undefined)).not.toThrow();
    expect(() => corkForTurn(null)).not.toThrow();
  });
});
