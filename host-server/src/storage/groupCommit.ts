// Group commit for a hot write: writes arriving while the previous batch is being committed wait
// and go together in the next one, so a busy server makes one round trip and one commit per batch
// instead of per write. Each caller's promise settles after its batch commits, so a write still
// counts only once stored. When a batch fails for a reason one of its writes may cause (a
// constraint, a bad value), each write is retried alone so one bad write cannot fail the others;
// a lost connection fails the whole batch at once.

export interface GroupCommitOptions<I, O> {
  /** Commits `items` in one statement; returns one result per item, in order. */
  many: (items: I[]) => Promise<O[]>;
  /** Commits one item; used to isolate the failing write of a failed batch. */
  one: (item: I) => Promise<O>;
  /** True when a batch's error may belong to one of its writes rather than to the connection. */
  perItem: (e: unknown) => boolean;
  /** The most writes in one batch. */
  maxBatch: number;
}

interface Waiting<I, O> {
  item: I;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

export class GroupCommit<I, O> {
  private waiting: Waiting<I, O>[] = [];
  private running = false;

  constructor(private readonly o: GroupCommitOptions<I, O>) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      // The first write of a quiet period waits one turn, for the writes arriving with it.
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.waiting.length) {
      const batch = this.waiting.length <= this.o.maxBatch ? this.waiting : this.waiting.slice(0, this.o.maxBatch);
      this.waiting = batch === this.waiting ? [] : this.waiting.slice(batch.length);
      await this.commit(batch);
    }
    this.running = false;
  }

  private async commit(batch: Waiting<I, O>[]): Promise<void> {
    let results: O[];
    try {
      results = batch.length === 1 ? [await this.o.one(batch[0].item)] : await this.o.many(batch.map((w) => w.item));
    } catch (e) {
      if (batch.length === 1 || !this.o.perItem(e)) {
        for (const w of batch) w.reject(e);
        return;
      }
      // One by one, in order: a session's totals are those of its last reading.
      for (const w of batch) await this.o.one(w.item).then(w.resolve, w.reject);
      return;
    }
    batch.forEach((w, i) => w.resolve(results[i]));
  }
}
