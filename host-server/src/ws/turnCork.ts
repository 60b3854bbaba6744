// Writes to one socket within a millisecond leave in one system call: the first write corks the
// socket and a 1 ms timer uncorks every socket corked since. A burst fanned out to many
// subscribers (readings stored and broadcast over several event-loop turns) then costs one writev
// per subscriber per millisecond instead of one per message, the way uWebSockets' cork() and
// Mosquitto's event loop batch their writes. The price is at most about a millisecond of latency
// (measured in bench/RESULTS.md (a), paced latency).
import type { Socket } from 'node:net';

let corked: Socket[] = [];
let scheduled = false;
const WINDOW_MS = 1;

function uncorkAll(): void {
  scheduled = false;
  const list = corked;
  corked = [];
  for (const s of list) if (!s.destroyed) s.uncork();
}

/** Past this much corked data the socket is flushed at once, so a big burst still streams and never looks like a slow consumer. */
const FLUSH_BYTES = 16 * 1024;

/** Corks `socket` for about a millisecond, unless it is corked already. */
export function corkForTurn(socket: Socket | undefined | null): void {
  if (!socket || socket.destroyed) return;
  if (socket.writableCorked > 0) {
    if (socket.writableLength >= FLUSH_BYTES) {
      socket.uncork();
      socket.cork();
    }
    return;
  }
  socket.cork();
  corked.push(socket);
  if (!scheduled) {
    scheduled = true;
    setTimeout(uncorkAll, WINDOW_MS);
  }
}
