// Reconnect delays: exponential from 1 s to 60 s with jitter, so a fleet that lost its server
// together does not come back in lockstep, and a refused charger never retries in a hot loop.

export const BACKOFF_MIN_MS = 1000;
export const BACKOFF_MAX_MS = 60000;

/** Delay before attempt number `attempt` (0 = the first retry); `rand` is uniform in [0, 1). */
export function backoffDelay(attempt: number, rand: number): number {
  let cap = BACKOFF_MIN_MS;
  for (let i = 0; i < attempt && cap < BACKOFF_MAX_MS; i++) cap *= 2;
  if (cap > BACKOFF_MAX_MS) cap = BACKOFF_MAX_MS;
  // "Equal jitter": at least half the cap, so the delay still grows with each failure.
  const d = Math.round(cap / 2 + (rand * cap) / 2);
  return d < BACKOFF_MIN_MS ? BACKOFF_MIN_MS : d;
}
