// Passkey checks and the lockout of addresses that guess: pure, no Espruino globals.

/** Compares in time that depends only on the expected key's length, not on where they differ. */
export function passkeyMatches(given: string, expected: string): boolean {
  let diff = given.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) {
    // A shorter guess reads NaN past its end; `| 0` keeps the loop's work the same.
    diff |= (given.charCodeAt(i) | 0) ^ expected.charCodeAt(i);
  }
  return diff === 0;
}

/** Wrong passkeys from one address before it is locked out and its connection closed. */
export const MAX_WRONG_PASSKEYS = 5;
/** The first lockout of an address; each further one doubles, up to LOCKOUT_MAX_MS. */
const LOCKOUT_MS = 10000;
const LOCKOUT_MAX_MS = 300000;
/** Addresses remembered at once (the oldest is forgotten first): bounded memory. */
const TRACKED = 8;

/** One address's record: [address, wrong passkeys since the last lockout, refused until, lockouts so far].
 *  (An array, not an object: index access minifies smaller than property names.) */
type Guesser = [string, number, number, number];
const WRONG = 1;
const UNTIL = 2;
const STRIKES = 3;

/** Wrong passkeys per address, and until when an address that guessed too often is refused. */
export interface Guesses {
  /** Whether `address` is refused at `now`. */
  locked(address: string, now: number): boolean;
  /** A wrong passkey from `address`; returns true when that locks the address out. */
  wrong(address: string, now: number): boolean;
  /** The right passkey: the address starts afresh. */
  right(address: string): void;
}

export function createGuesses(): Guesses {
  const list: Guesser[] = [];

  function find(address: string): Guesser | undefined {
    for (let i = 0; i < list.length; i++) if (list[i][0] === address) return list[i];
    return undefined;
  }

  return {
    locked(address, now) {
      const g = find(address);
      return g !== undefined && now < g[UNTIL];
    },
    wrong(address, now) {
      let g = find(address);
      if (g === undefined) {
        if (list.length >= TRACKED) list.shift();
        g = [address, 0, 0, 0];
        list.push(g);
      }
      if (++g[WRONG] < MAX_WRONG_PASSKEYS) return false;
      g[WRONG] = 0;
      let ms = LOCKOUT_MS;
      for (let i = 0; i < g[STRIKES] && ms < LOCKOUT_MAX_MS; i++) ms *= 2;
      g[STRIKES]++;
      g[UNTIL] = now + (ms < LOCKOUT_MAX_MS ? ms : LOCKOUT_MAX_MS);
      return true;
    },
    right(address) {
      const g = find(address);
      if (g !== undefined) g[WRONG] = g[STRIKES] = 0;
    },
  };
}
