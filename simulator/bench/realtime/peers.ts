// The bench's side of the peers worker: one request at a time, answered in order.
import { Worker } from 'node:worker_threads';
import type { PeerCounts, PeersRequest, ValveToDrive } from './peersProtocol.js';

const WORKER = new URL('./peersWorker.ts', import.meta.url).href;

export class Peers {
  // The worker is TypeScript too: it is loaded through tsx's API (Node 20 workers do not take
  // the parent's `--import tsx` loader).
  private readonly worker = new Worker(
    `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(WORKER)}, ${JSON.stringify(WORKER)}))`,
    { eval: true },
  );

  private ask<T>(r: PeersRequest): Promise<T> {
    return new Promise((resolve, reject) => {
      this.worker.once('message', resolve);
      this.worker.once('error', reject);
      this.worker.postMessage(r);
    });
  }

  /** Starts the charger backend; its WebSocket URL. */
  async serve(): Promise<string> {
    const r = await this.ask<{ port: number }>({ type: 'serve' });
    return `ws://127.0.0.1:${r.port}/ws`;
  }

  /** Connects a client to each valve, authorises it and starts its sweep. */
  async drive(valves: ValveToDrive[]): Promise<void> {
    await this.ask({ type: 'drive', valves });
  }

  async counts(): Promise<PeerCounts> {
    return (await this.ask<{ counts: PeerCounts }>({ type: 'counts' })).counts;
  }

  async close(): Promise<void> {
    await this.ask({ type: 'close' });
    await this.worker.terminate();
  }
}
