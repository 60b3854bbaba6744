// The WebSocket load of the bench: `clients` Node `ws` clients each send `frames` text frames of
// `size` bytes to an echo server, at most `window` unanswered at a time, and check that every
// echo comes back once, in order. Returns the echoed frames per second over the whole run.
import WebSocket from 'ws';

export interface EchoLoad {
  clients: number;
  frames: number;
  size: number;
  window: number;
}

export interface EchoResult {
  framesPerSecond: number;
  echoed: number;
  ms: number;
}

/** One client: resolves with its echo count once all came back, rejects on a wrong or missing echo. */
function runClient(url: string, load: EchoLoad, started: Promise<void>): Promise<number> {
  const pad = 'x'.repeat(Math.max(0, load.size - 8));
  const frame = (i: number) => String(i).padStart(7, '0') + ':' + pad;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let sent = 0;
    let got = 0;
    let welcomed = false;
    const pump = () => {
      while (sent < load.frames && sent - got < load.window) ws.send(frame(sent++));
    };
    ws.on('message', (d) => {
      const text = d.toString();
      if (!welcomed) {
        welcomed = true;
        void started.then(pump);
        return;
      }
      if (text !== frame(got)) return reject(new Error(`echo ${got} came back as ${text.slice(0, 20)}…`));
      got++;
      if (got === load.frames) {
        ws.close();
        resolve(got);
      } else pump();
    });
    ws.on('error', reject);
    ws.on('close', (code) => {
      if (got < load.frames) reject(new Error(`closed with ${code} after ${got} of ${load.frames} echoes`));
    });
  });
}

export async function echoLoad(url: string, load: EchoLoad, timeoutMs = 120_000): Promise<EchoResult> {
  let go!: () => void;
  const started = new Promise<void>((r) => (go = r));
  const runs = Array.from({ length: load.clients }, () => runClient(url, load, started));
  // Every client is connected and welcomed before the clock starts.
  await new Promise((r) => setTimeout(r, 300));
  const t0 = performance.now();
  go();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`echo load did not finish in ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const counts = await Promise.race([Promise.all(runs), timeout]);
    const ms = performance.now() - t0;
    const echoed = counts.reduce((a, b) => a + b, 0);
    if (echoed !== load.clients * load.frames) throw new Error(`${echoed} echoes of ${load.clients * load.frames}`);
    return { framesPerSecond: echoed / (ms / 1000), echoed, ms };
  } finally {
    clearTimeout(timer);
  }
}
