// Token buckets for the router's rate limits (per socket and per client address), with the time
// passed in so the arithmetic is tested without waiting.

export interface Rate {
  /** Tokens added per millisecond. */
  perMs: number;
  /** Most tokens held: the burst allowed after a quiet spell. */
  burst: number;
}

export const perMinute = (n: number): Rate => ({ perMs: n / 60_000, burst: n });
/** A per-second rate allows bursts of two seconds' worth (ICE candidates come in bursts). */
export const perSecond = (n: number): Rate => ({ perMs: n / 1000, burst: 2 * n });

export class Bucket {
  private tokens: number;
  private last: number;

  constructor(private readonly rate: Rate, now: number) {
    this.tokens = rate.burst;
    this.last = now;
  }

  /** Takes one token; false when none is left. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until a token is there. */
  waitMs(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.rate.perMs);
  }

  /** Back to a full bucket: nothing to remember. */
  full(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.rate.burst;
  }

  private refill(now: number): void {
    if (now > this.last) this.tokens = Math.min(this.rate.burst, this.tokens + (now - this.last) * this.rate.perMs);
    this.last = now;
  }
}

/** One bucket per key (a client address); full buckets are forgotten by prune(). */
export class KeyedBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly rate: Rate) {}

  bucket(key: string, now: number): Bucket {
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = new Bucket(this.rate, now)));
    return b;
  }

  prune(now: number): void {
    for (const [k, b] of this.buckets) if (b.full(now)) this.buckets.delete(k);
  }

  get size(): number {
    return this.buckets.size;
  }
}

/** The refusal a client reads: which limit, its size, and when to try again. */
export function limitMessage(what: string, scope: 'socket' | 'address', rate: string, waitMs: number): string {
  return `Rate limit exceeded: at most ${rate} ${what} per ${scope === 'socket' ? 'socket' : 'client address'}; retry in ${Math.max(1, waitMs)} ms`;
}
