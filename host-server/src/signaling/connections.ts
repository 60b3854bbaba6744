// Who each user online here is connected with (accepted UserConnections), for routing checks and
// presence audiences. Accepted connections only ever appear (none is removed), so a cached yes
// stays true; a no is checked against the database again once the entry is a second old, which
// is how a connection accepted through another instance reaches this one.
import type { Store } from '../storage/store.js';

const RECHECK_MS = 1000;

interface Entry {
  set: Set<string>;
  at: number;
}

export class ConnectionCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Set<string>>>();

  constructor(private readonly store: Store, private readonly recheckMs = RECHECK_MS) {}

  /** Reads `email`'s connections from the database and keeps them. */
  load(email: string): Promise<Set<string>> {
    let p = this.loading.get(email);
    if (!p) {
      p = this.store.connectedEmails(email).then(
        (list) => {
          this.loading.delete(email);
          const set = new Set(list);
          this.entries.set(email, { set, at: Date.now() });
          return set;
        },
        (e) => {
          this.loading.delete(email);
          throw e;
        },
      );
      this.loading.set(email, p);
    }
    return p;
  }

  /** The kept set, without asking the database. */
  peek(email: string): Set<string> | undefined {
    return this.entries.get(email)?.set;
  }

  /** May `from` reach `to`? Answered at once from the cache when it can be. */
  allows(from: string, to: string): boolean | Promise<boolean> {
    if (from === to) return true;
    const e = this.entries.get(from);
    if (e?.set.has(to)) return true;
    if (e && Date.now() - e.at < this.recheckMs) return false;
    return this.load(from).then((set) => set.has(to));
  }

  /** A connection accepted through this instance counts at once. */
  accepted(a: string, b: string): void {
    this.entries.get(a)?.set.add(b);
    this.entries.get(b)?.set.add(a);
  }

  forget(email: string): void {
    this.entries.delete(email);
  }
}
