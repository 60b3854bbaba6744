// One placement of a card = one scan: a card held on the reader is reported once, and only
// after it has been missing from consecutive polls is the next touch a new placement. Polls
// that failed (a garbled frame, a timeout) are not fed here, so they neither add nor remove a card.

/**
 * Returns `seen(uid)`: fed each poll's result (UID hex, or null for an empty field), it returns
 * the UID when a new placement starts, else null.
 */
export function cardPresence(missesToRemove: number): (uid: string | null) => string | null {
  let current: string | null = null;
  let misses = 0;
  return (uid) => {
    if (uid === null) {
      if (current !== null && ++misses >= missesToRemove) current = null;
      return null;
    }
    misses = 0;
    if (uid === current) return null;
    current = uid;
    return uid;
  };
}
