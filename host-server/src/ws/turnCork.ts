// Writes to one socket during one event-loop turn leave in one system call: the first write of a
// turn corks the socket and the end of the turn uncorks every socket corked in it. A burst fanned
// out to many subscribers then costs one writev per subscriber instead of one per message, the
// way uWebSockets' cork() and Mosquitto's event loop batch their writes. The delay is the rest of
// the current turn (microseconds).
import type { Socket } from 'node:net';

let corked: Socket[] = [];
let scheduled = false;

function uncorkAll(): void {
  scheduled = false;
  const list = corked;
  corked = [];
  for (const s of list) if (!s.destroyed) s.uncork();
}

/** Past this much corked data the socket is flushed at once, so a big burst still streams and never looks like a slow consumer. */
const FLUSH_BYTES = 16 * 1024;

/** Corks `socket` until the end of this turn, if this turn has not corked it already. */
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
    setImmediate(uncorkAll);
  }
}
