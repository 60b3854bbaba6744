// The messages this instance published directly to one other instance that has not yet said it
// handled them. That instance answers in bulk ("handled everything up to seq", a few times a
// second) and only names a message on a miss ("gone", with the text back), so the common case
// costs no frame and no timer per message: the entries wait here, oldest first, in parallel
// arrays that hold nothing made for the message (its sequence number, its sender, the shared
// record of its target), and one sweep finds those past the spec's 5 s (a holder that died or
// hangs) to answer target_not_found. Pure: the time is passed in.

export interface Addressee {
  /** As the sender wrote them: the answers repeat them. */
  readonly email: string;
  readonly device: string;
}

export interface Unanswered<S> {
  seq: number;
  sender: S;
  to: Addressee;
}

const COMPACT_AT = 4096;

export class Outbox<S> {
  private head = 0;
  private readonly seqs: number[] = [];
  /** undefined once answered (by "gone"), so a later sweep skips it. */
  private readonly senders: Array<S | undefined> = [];
  private readonly addressees: Array<Addressee | undefined> = [];
  private readonly times: number[] = [];

  /** `seq` must grow from one call to the next. */
  push(seq: number, sender: S, to: Addressee, now: number): void {
    this.seqs.push(seq);
    this.senders.push(sender);
    this.addressees.push(to);
    this.times.push(now);
  }

  get size(): number {
    return this.seqs.length - this.head;
  }

  /** The holder handled every message up to `seq`. */
  handled(seq: number): void {
    while (this.head < this.seqs.length && this.seqs[this.head] <= seq) this.drop();
    this.compact();
  }

  /** The holder does not have message `seq`'s device: the message, unless already answered. */
  gone(seq: number): Unanswered<S> | undefined {
    const i = this.find(seq);
    if (i < 0 || this.senders[i] === undefined) return undefined;
    const m = this.at(i);
    this.senders[i] = undefined;
    return m;
  }

  /** Removes and returns the unanswered messages sent at or before `before`. */
  expired(before: number): Array<Unanswered<S>> {
    const out: Array<Unanswered<S>> = [];
    while (this.head < this.seqs.length && this.times[this.head] <= before) {
      if (this.senders[this.head] !== undefined) out.push(this.at(this.head));
      this.drop();
    }
    this.compact();
    return out;
  }

  /** Removes and returns every unanswered message (Redis was lost). */
  drain(): Array<Unanswered<S>> {
    return this.expired(Infinity);
  }

  private at(i: number): Unanswered<S> {
    return { seq: this.seqs[i], sender: this.senders[i]!, to: this.addressees[i]! };
  }

  private find(seq: number): number {
    let lo = this.head;
    let hi = this.seqs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seqs[mid] === seq) return mid;
      if (this.seqs[mid] < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private drop(): void {
    // Let go of the references at once; the slots themselves are reclaimed by compact().
    this.senders[this.head] = undefined;
    this.addressees[this.head] = undefined;
    this.head++;
  }

  private compact(): void {
    if (this.head === this.seqs.length) {
      this.head = 0;
      this.seqs.length = this.senders.length = this.addressees.length = this.times.length = 0;
    } else if (this.head >= COMPACT_AT && this.head * 2 >= this.seqs.length) {
      for (const a of [this.seqs, this.senders, this.addressees, this.times]) a.splice(0, this.head);
      this.head = 0;
    }
  }
}
