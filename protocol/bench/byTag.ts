// The baselines' dispatch: read the tag from the parsed value, then use that message's own
// compiled function (a Map lookup, plus the variant property where two messages share a tag).
import type { DirectionDef, MessageDef } from '../src/schema/family.js';

interface Entry<F> {
  fn: F | undefined;
  /** Set when several messages share the tag: the property that tells them apart. */
  property: string | undefined;
  byValue: Map<unknown, F> | undefined;
}

export interface ByTag<F> {
  /** The function for a message body with this tag, if the direction has such a message. */
  find(tag: unknown, body: Record<string, unknown>): F | undefined;
  /** The direction's whole-array message (the signaling `check` answer), if any. */
  array: F | undefined;
}

export function byTag<F>(dir: DirectionDef, compile: (m: MessageDef) => F, compileArray: (typeName: string) => F): ByTag<F> {
  const lookup = new Map<unknown, Entry<F>>();
  for (const m of dir.messages) {
    if (!m.variant) {
      lookup.set(m.tag, { fn: compile(m), property: undefined, byValue: undefined });
      continue;
    }
    let e = lookup.get(m.tag);
    if (!e) lookup.set(m.tag, (e = { fn: undefined, property: m.variant.property, byValue: new Map() }));
    e.byValue!.set(m.variant.value, compile(m));
  }
  return {
    find(tag, body) {
      const e = lookup.get(tag);
      if (e === undefined) return undefined;
      return e.byValue === undefined ? e.fn : e.byValue.get(body[e.property!]);
    },
    array: dir.arrayMessage ? compileArray(dir.arrayMessage.typeName) : undefined,
  };
}
