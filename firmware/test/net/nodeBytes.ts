// Byte strings ↔ bytes in Node (latin1), as E.toUint8Array/E.toString do on the board.
import { createHash } from 'node:crypto';
import type { ByteCodec } from '../../src/net/wsFrame.js';

export const nodeBytes: ByteCodec = {
  fromString: (s) => new Uint8Array(Buffer.from(s, 'latin1')),
  toString: (b) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1'),
};

/** SHA-1 as Espruino's crypto.SHA1 returns it: an ArrayBuffer of 20 bytes. */
export function sha1(data: string): ArrayBuffer {
  const d = createHash('sha1').update(Buffer.from(data, 'latin1')).digest();
  return d.buffer.slice(d.byteOffset, d.byteOffset + d.length) as ArrayBuffer;
}

/** A small deterministic PRNG (mulberry32) so random-chunk tests repeat. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
