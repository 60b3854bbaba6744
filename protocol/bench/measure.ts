// Interleaved timing: in every round each contender runs for the same time slice, in an order
// that rotates from round to round, so drift and noise fall on all of them alike.
export interface Timed {
  name: string;
  /** One pass over the workload; returns a count (messages accepted, bytes written). */
  pass: () => number;
  /** What every pass must return: a contender that drops work fails the run. */
  expected: number;
}

export const WARM_UP_ROUNDS = 3;

/** Messages per second of each contender, one figure per round. */
export function timeRounds(timed: Timed[], messagesPerPass: number, rounds: number, roundMs: number): Map<string, number[]> {
  const rates = new Map<string, number[]>(timed.map((t) => [t.name, []]));
  for (let w = 0; w < WARM_UP_ROUNDS; w++) for (const t of timed) slice(t, messagesPerPass, roundMs); // not recorded
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < timed.length; k++) {
      const t = timed[(r + k) % timed.length];
      rates.get(t.name)!.push(slice(t, messagesPerPass, roundMs));
    }
  }
  return rates;
}

function slice(t: Timed, messagesPerPass: number, roundMs: number): number {
  const budget = BigInt(Math.round(roundMs * 1e6));
  const start = process.hrtime.bigint();
  // Passes between clock reads cover about 200 messages, so reading the clock costs next to nothing.
  const batch = Math.max(1, Math.ceil(200 / messagesPerPass));
  let passes = 0;
  let elapsed = 0n;
  do {
    for (let b = 0; b < batch; b++) {
      const got = t.pass();
      if (got !== t.expected) throw new Error(`${t.name}: a timed pass returned ${got}, expected ${t.expected}`);
    }
    passes += batch;
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < budget);
  return (passes * messagesPerPass) / (Number(elapsed) / 1e9);
}
