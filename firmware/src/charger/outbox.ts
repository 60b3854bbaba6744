// Readings sent, remembered (a few) with the connection they went out on, so a `sync_request`
// can be answered with those the server has not stored. (The offline queue itself, and the
// `stop`/`emergency` waiting for a connection, are the machine's own arrays.)
import type { Reading } from './messages.js';

/** Sent readings remembered for a later sync_request: enough for the readings a dropped socket may have swallowed. */
const RECENT = 20;

export interface SentReadings {
  /** Remembers a reading as sent on connection `conn`. */
  sent(r: Reading, conn: number): void;
  /** Readings of `sessionId` after `lastTs` that went out on an earlier connection than `conn` (those on
   *  `conn` are still on their way and reach the server after its request was made). */
  unconfirmed(sessionId: number, lastTs: number, conn: number): Reading[];
}

export function sentReadings(): SentReadings {
  const readings: Reading[] = [];
  /** The connection each of `readings` was last sent on. */
  const conns: number[] = [];
  return {
    sent: (r, conn) => {
      const i = readings.indexOf(r);
      if (i >= 0) {
        conns[i] = conn;
        return;
      }
      readings.push(r);
      conns.push(conn);
      if (readings.length > RECENT) {
        readings.shift();
        conns.shift();
      }
    },
    unconfirmed: (sessionId, lastTs, conn) => {
      const out: Reading[] = [];
      for (let i = 0; i < readings.length; i++) {
        const r = readings[i];
        if (r[0] === sessionId && r[4] > lastTs && conns[i] < conn) out.push(r);
      }
      return out;
    },
  };
}
