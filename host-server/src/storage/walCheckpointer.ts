// SQLite's WAL checkpoints off the event loop. Left to SQLite, the commit that passes 1,000 WAL
// pages copies them into the database file itself, stalling every connection the server holds
// for milliseconds; here a worker thread with its own connection checkpoints every second
// (PASSIVE: it never blocks the writer), and the server's connection never checkpoints.
import { Worker } from 'node:worker_threads';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (e) {
    parentPort.postMessage({ error: String(e && e.message || e) });
  }
}, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
  db.close();
  parentPort.close();
});
`;

export class WalCheckpointer {
  private readonly worker: Worker;

  constructor(file: string, module: string, onError: (message: string) => void, everyMs = 1000) {
    this.worker = new Worker(WORKER, { eval: true, workerData: { file, module, everyMs } });
    this.worker.on('message', (m: { error?: string }) => m.error && onError(m.error));
    this.worker.on('error', (e) => onError(e.message));
    this.worker.unref();
  }

  async close(): Promise<void> {
    const exited = new Promise((r) => this.worker.once('exit', r));
    this.worker.postMessage('close');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
    await this.worker.terminate();
  }
}
