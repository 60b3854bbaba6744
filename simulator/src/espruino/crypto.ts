// require('crypto') on the ESP32 build: hashes return ArrayBuffers, input is a byte string.
import { createHash } from 'node:crypto';
import { types } from 'node:util';
import type { Realm } from './realm.js';

function bytes(data: unknown): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'latin1');
  if (types.isArrayBuffer(data)) return Buffer.from(new Uint8Array(data));
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) return Buffer.from(data.map((x) => Number(x) & 255));
  throw new Error('crypto: data must be a string or an array of bytes');
}

export function createCryptoModule(realm: Realm): Record<string, unknown> {
  const hash = (alg: string) => (data: unknown): ArrayBuffer => realm.buffer(createHash(alg).update(bytes(data)).digest());
  return { SHA1: hash('sha1'), SHA224: hash('sha224'), SHA256: hash('sha256'), SHA384: hash('sha384'), SHA512: hash('sha512') };
}
