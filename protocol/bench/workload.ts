// Per family and direction: that direction's vectors (never another direction's), the texts
// to decode (its accepted vectors) and the values to encode (their decoded form).
import type { DirectionDef, FamilyDef, MessageDef, Schema } from '../src/schema/family.js';
import { isAny, isNullable } from '../src/schema/dsl.js';
import { loadVectors, type Vector } from '../test/support/vectors.js';
import { ajvDecoded } from '../test/support/oracle.js';

export interface Workload {
  fam: FamilyDef;
  dir: DirectionDef;
  /** Every vector of this direction, accepted and rejected: what each decoder is checked on. */
  vectors: Vector[];
  /** Accepted texts, one per distinct text: the decode workload. */
  texts: string[];
  /** The decoded messages restricted to their schema's fields, in schema order: the encode workload. */
  values: unknown[];
  /** The same messages as they go on the wire (Socket.io events as `[name, payload]`). */
  wireValues: unknown[];
}

export function workloads(): Workload[] {
  const out: Workload[] = [];
  for (const { fam, vectors } of loadVectors()) {
    for (const dir of fam.directions) {
      const own = vectors.filter((v) => v.direction === dir.union);
      const seen = new Set<string>();
      const texts = own.filter((v) => v.accept && !seen.has(v.text) && seen.add(v.text)).map((v) => v.text);
      const values = texts.map((t) => declaredOnly(fam, dir, ajvDecoded(fam, dir, JSON.parse(t))));
      const wireValues = values.map((v) => (fam.discriminator === 'socketio' ? [(v as GatewayValue).event, (v as GatewayValue).data] : v));
      out.push({ fam, dir, vectors: own, texts, values, wireValues });
    }
  }
  return out;
}

interface GatewayValue {
  event: string;
  data: unknown;
}

/** The message a decoded value is, by its tag (and variant). */
export function messageOf(fam: FamilyDef, dir: DirectionDef, body: Record<string, unknown>, tag: unknown): MessageDef | undefined {
  return dir.messages.find((m) => m.tag === tag && (!m.variant || body[m.variant.property] === m.variant.value));
}

/** An app's typed value holds its type's fields only; extra fields a decoder tolerated are dropped. */
function declaredOnly(fam: FamilyDef, dir: DirectionDef, value: unknown): unknown {
  if (Array.isArray(value) && dir.arrayMessage) return project(dir.arrayMessage.schema, value);
  if (fam.discriminator === 'socketio') {
    const g = value as GatewayValue;
    const m = messageOf(fam, dir, g.data as Record<string, unknown>, g.event)!;
    return { event: g.event, data: project(m.schema, g.data) };
  }
  const body = value as Record<string, unknown>;
  return project(messageOf(fam, dir, body, body[fam.discriminator])!.schema, body);
}

function project(s: Schema, v: unknown): unknown {
  if (isAny(s) || v === null) return v;
  if (isNullable(s)) return project(s.anyOf[0], v);
  if (s.type === 'array') return (v as unknown[]).map((x) => project(s.items, x));
  if (s.type !== 'object') return v;
  const src = v as Record<string, unknown>;
  const o: Record<string, unknown> = {};
  for (const [k, ps] of Object.entries(s.properties)) if (src[k] !== undefined) o[k] = project(ps, src[k]);
  return o;
}
