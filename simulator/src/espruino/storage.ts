// require('Storage'): Espruino's flash file store. Files are byte strings; the store belongs
// to the simulated device, not to one boot, so it survives reboots and power cuts, and can
// be kept in a JSON file between simulator runs.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { types } from 'node:util';
import { NotSupportedError } from './host.js';
import type { Realm } from './realm.js';

/** ESP32 Espruino keeps names to 28 characters. */
const MAX_NAME = 28;
/** Flash set aside for Storage on the ESP32 build. */
export const STORAGE_BYTES = 0x30000;

export class StorageStore {
  readonly files = new Map<string, string>();

  constructor(private readonly file?: string) {
    if (file && existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
      for (const [k, v] of Object.entries(saved)) this.files.set(k, Buffer.from(v, 'base64').toString('latin1'));
    }
  }

  used(): number {
    let n = 0;
    for (const [k, v] of this.files) n += v.length + k.length + 32;
    return n;
  }

  persist(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const out: Record<string, string> = {};
    for (const [k, v] of this.files) out[k] = Buffer.from(v, 'latin1').toString('base64');
    writeFileSync(this.file, JSON.stringify(out));
  }
}

function toByteString(data: unknown): string {
  if (typeof data === 'string') return data;
  // Values come from the device's realm: test by internal slot, not instanceof.
  if (types.isArrayBuffer(data) || ArrayBuffer.isView(data)) {
    const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
    return Buffer.from(bytes).toString('latin1');
  }
  if (Array.isArray(data)) return String.fromCharCode(...data.map((x) => Number(x) & 255));
  return String(data);
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw new Error('Storage: a file name must be a non-empty string');
  if (name.length > MAX_NAME) throw new Error(`Storage: file name too long (max ${MAX_NAME} chars)`);
  return name;
}

export function createStorageModule(store: StorageStore, realm: Realm): Record<string, unknown> {
  const m = {
    write(name: unknown, data: unknown, offset?: number, size?: number): boolean {
      const n = checkName(name);
      const bytes = toByteString(data);
      if (offset === undefined || offset === 0 && size === undefined) {
        if (store.used() + bytes.length > STORAGE_BYTES) throw new Error('Storage: not enough free space');
        store.files.set(n, bytes);
      } else {
        // Espruino: the first write gives the total size; later writes fill in at offsets.
        let cur = store.files.get(n);
        if (cur === undefined) {
          if (size === undefined) throw new Error('Storage: a partial write to a new file needs its size');
          cur = '\xff'.repeat(size);
        }
        if (offset + bytes.length > cur.length) throw new Error('Storage: write past the end of the file');
        store.files.set(n, cur.slice(0, offset) + bytes + cur.slice(offset + bytes.length));
      }
      store.persist();
      return true;
    },
    read(name: unknown, offset?: number, length?: number): string | undefined {
      const v = store.files.get(checkName(name));
      if (v === undefined) return undefined;
      const o = offset ?? 0;
      return length === undefined ? v.slice(o) : v.slice(o, o + length);
    },
    readJSON(name: unknown, noExceptions?: boolean): unknown {
      const v = store.files.get(checkName(name));
      if (v === undefined) return undefined;
      try {
        return realm.JSON.parse(v);
      } catch (e) {
        if (noExceptions) return undefined;
        throw e;
      }
    },
    readArrayBuffer(name: unknown): ArrayBuffer | undefined {
      const v = store.files.get(checkName(name));
      if (v === undefined) return undefined;
      return realm.buffer(Buffer.from(v, 'latin1'));
    },
    writeJSON(name: unknown, data: unknown): boolean {
      return m.write(name, JSON.stringify(data));
    },
    erase(name: unknown): void {
      store.files.delete(checkName(name));
      store.persist();
    },
    eraseAll(): void {
      store.files.clear();
      store.persist();
    },
    list(pattern?: unknown): string[] {
      if (pattern !== undefined) throw new NotSupportedError('Storage.list with a pattern');
      return [...store.files.keys()];
    },
    getFree(): number {
      return STORAGE_BYTES - store.used();
    },
    getStats(): Record<string, number> {
      const used = store.used();
      return { totalBytes: STORAGE_BYTES, freeBytes: STORAGE_BYTES - used, fileBytes: used, fileCount: store.files.size, trashBytes: 0, trashCount: 0 };
    },
    compact(): void {},
  };
  return m;
}
