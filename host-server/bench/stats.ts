// What the host-server benches share: percentiles and medians of samples, and bounded waiting.

/** The p-th percentile (nearest rank) of the samples; NaN when there are none. */
export function pct(xs: ArrayLike<number>, p: number): number {
  const s = Float64Array.from(xs).sort();
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
}

export const median = (xs: ArrayLike<number>): number => pct(xs, 50);

/** Waits until `cond` holds, polling every `everyMs`; false after `ms`. */
export async function until(cond: () => boolean, ms: number, everyMs = 5): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return true;
}

/** Waits until `count()` reaches `want`, or stops growing for `stallMs` (a lost message never arrives), or `ms` pass. */
export async function untilCount(count: () => number, want: number, ms: number, stallMs = 3000): Promise<void> {
  const end = Date.now() + ms;
  let last = -1;
  let since = Date.now();
  while (count() < want && Date.now() < end && Date.now() - since < stallMs) {
    if (count() !== last) (last = count()), (since = Date.now());
    await new Promise((r) => setTimeout(r, 1));
  }
}
