// What a simulated device's port really answers, found by asking it: a WebSocket on /ws (the
// firmware's server) or plain HTTP. `espfleet sim` prints only what answered.
import WebSocket from 'ws';

export interface DeviceAnswer {
  /** The address that answered, e.g. ws://127.0.0.1:41234/ws or http://127.0.0.1:41234/ */
  url: string;
  protocol: 'websocket' | 'http';
  /** For HTTP: the content type of GET /. */
  contentType?: string;
}

function websocketAt(url: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { handshakeTimeout: timeoutMs });
    const done = (ok: boolean) => {
      ws.removeAllListeners();
      ws.on('error', () => {});
      if (ok) ws.close(1000);
      else ws.terminate();
      resolve(ok);
    };
    ws.once('open', () => done(true));
    ws.once('unexpected-response', () => done(false));
    ws.once('error', () => done(false));
  });
}

/** The address on 127.0.0.1:port that answers, or null when nothing does within the timeout. */
export async function probeDevice(port: number, timeoutMs = 3000): Promise<DeviceAnswer | null> {
  const ws = `ws://127.0.0.1:${port}/ws`;
  if (await websocketAt(ws, timeoutMs)) return { url: ws, protocol: 'websocket' };
  const http = `http://127.0.0.1:${port}/`;
  try {
    const r = await fetch(http, { signal: AbortSignal.timeout(timeoutMs) });
    await r.body?.cancel();
    return { url: http, protocol: 'http', contentType: r.headers.get('content-type') ?? undefined };
  } catch {
    return null;
  }
}

/** How a person reads an answer: "http://127.0.0.1:41234/ (HTTP, application/json)". */
export function describeAnswer(a: DeviceAnswer | null): string {
  if (!a) return 'no address answers';
  return a.protocol === 'websocket' ? `${a.url} (WebSocket)` : `${a.url} (HTTP${a.contentType ? `, ${a.contentType}` : ''})`;
}
