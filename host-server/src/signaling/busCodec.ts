// The frames instances exchange on the spec's channel `socket:messages`, as pure encode/decode.
// A routed message travels as the exact text its sender wrote, after a header, so it is neither
// re-parsed nor re-encoded on the way. Frames meant for one instance start with its id, so every
// other subscriber (the sender among them: it receives its own publishes) drops them after
// comparing a few bytes, without decoding them.
//   D<to>\n<origin>{␞<seq>\n<email>\n<device>\n<text>}   routed messages for devices instance `to` holds:
//                                                     all those of one event-loop turn in one publish
//   C<to>\n<from>\n<seq>                               `from` handled all of `to`'s D frames up to seq
//   G<to>\n<from>\n<seq>\n<text>                       `from` does not hold the device of D frame seq (its text back)
//   R[origin,id,email,device]\n<text>                  a routed message for a device held who knows where
//   A<to>\n<holder>\n<id>,<id>,…                       `holder` delivered these R frames of instance `to`
//   P{o,e,m,d,a}                                       user_joined / user_left of device d of user m, for users a
//   K[origin,email,device,socketId]                    that device registered again: close any other socket of it
//   H<origin>                                          `origin` (re)subscribed: announce your devices to it, it
//                                                     may have missed their joins while it was not listening
//   J<to>\n{o,m,d,a}                                   answer to `to`'s H: device d of user m is on o (user_joined, for users a)
// Emails and device ids never hold control characters (wire.ts refuses them), so a newline
// separates them safely; a routed text is valid JSON (the router parsed it), which never holds a
// raw U+001E (␞, record separator), so that separates the messages of a D frame.

export type BusFrame =
  | { kind: 'direct'; to: string; origin: string; messages: DirectMessage[] }
  | { kind: 'handled'; to: string; from: string; seq: number }
  | { kind: 'gone'; to: string; from: string; seq: number; text: string }
  | { kind: 'route'; origin: string; id: number; email: string; device: string; text: string }
  | { kind: 'ack'; to: string; holder: string; ids: number[] }
  | { kind: 'presence'; origin: string; event: 'user_joined' | 'user_left'; email: string; device: string; audience: string[] }
  | { kind: 'kick'; origin: string; email: string; device: string; socketId: string }
  | { kind: 'hello'; origin: string }
  | { kind: 'joined'; to: string; origin: string; email: string; device: string; audience: string[] };

export interface DirectMessage {
  seq: number;
  email: string;
  device: string;
  text: string;
}

const RS = '\u001e';
export const directHeader = (to: string, origin: string) => `D${to}\n${origin}`;
/** What a D frame names a device by: kept per device, so adding a message costs one concatenation. */
export const directTarget = (email: string, device: string) => `${email}\n${device}\n`;
/** One message, to append to a D frame's header (or to the messages already after it). */
export const directEntry = (target: string, seq: number, text: string) => `${RS}${seq}\n${target}${text}`;
export const encodeHandled = (to: string, from: string, seq: number) => `C${to}\n${from}\n${seq}`;
export const encodeGone = (to: string, from: string, seq: number, text: string) => `G${to}\n${from}\n${seq}\n${text}`;

export function encodeRoute(origin: string, id: number, email: string, device: string, text: string): string {
  return `R${JSON.stringify([origin, id, email, device])}\n${text}`;
}

export const encodeAck = (to: string, holder: string, ids: number[]) => `A${to}\n${holder}\n${ids.join(',')}`;

export function encodePresence(origin: string, event: 'user_joined' | 'user_left', email: string, device: string, audience: string[]): string {
  return `P${JSON.stringify({ o: origin, e: event, m: email, d: device, a: audience })}`;
}

export const encodeKick = (origin: string, email: string, device: string, socketId: string) => `K${JSON.stringify([origin, email, device, socketId])}`;

export const encodeHello = (origin: string) => `H${origin}`;

export function encodeJoined(to: string, origin: string, email: string, device: string, audience: string[]): string {
  return `J${to}\n${JSON.stringify({ o: origin, m: email, d: device, a: audience })}`;
}

const ADDRESSED = new Set(['D', 'C', 'G', 'A', 'J'].map((c) => c.charCodeAt(0)));
const NEWLINE = 10;

/**
 * True for a frame meant for one instance that is not `self` (its id as bytes): the subscriber
 * drops it unread. Broadcast frames (R, P, K, H) and anything else are never "elsewhere".
 */
export function addressedElsewhere(raw: Buffer, self: Buffer): boolean {
  if (!ADDRESSED.has(raw[0])) return false;
  return raw.length <= self.length + 1 || raw[self.length + 1] !== NEWLINE || raw.compare(self, 0, self.length, 1, self.length + 1) !== 0;
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const SEQ = /^[1-9][0-9]{0,15}$/;

/** The first `n` newline-separated fields from `at` (after the kind letter), and where the rest starts. */
function fields(raw: string, n: number, at = 1): { f: string[]; rest: number } | undefined {
  const f: string[] = [];
  for (let i = 0; i < n; i++) {
    const nl = raw.indexOf('\n', at);
    if (nl < 0) return undefined;
    f.push(raw.slice(at, nl));
    at = nl + 1;
  }
  return { f, rest: at };
}

function seqOf(s: string): number | undefined {
  return SEQ.test(s) ? Number(s) : undefined;
}

/** undefined for anything that is not a well-formed frame (another program on the channel). */
export function decodeFrame(raw: string): BusFrame | undefined {
  try {
    switch (raw[0]) {
      case 'D': {
        const parts = raw.split(RS);
        const h = fields(`${parts[0]}\n`, 2);
        if (!h || parts.length < 2) return undefined;
        const messages: DirectMessage[] = [];
        for (let i = 1; i < parts.length; i++) {
          const m = fields(parts[i], 3, 0);
          const seq = m && seqOf(m.f[0]);
          if (!m || seq === undefined) return undefined;
          messages.push({ seq, email: m.f[1], device: m.f[2], text: parts[i].slice(m.rest) });
        }
        return { kind: 'direct', to: h.f[0], origin: h.f[1], messages };
      }
      case 'C': {
        const h = fields(raw, 2);
        const seq = h && seqOf(raw.slice(h.rest));
        if (!h || seq === undefined) return undefined;
        return { kind: 'handled', to: h.f[0], from: h.f[1], seq };
      }
      case 'G': {
        const h = fields(raw, 3);
        const seq = h && seqOf(h.f[2]);
        if (!h || seq === undefined) return undefined;
        return { kind: 'gone', to: h.f[0], from: h.f[1], seq, text: raw.slice(h.rest) };
      }
      case 'R': {
        const nl = raw.indexOf('\n');
        if (nl < 0) return undefined;
        const h = JSON.parse(raw.slice(1, nl)) as unknown[];
        if (!Array.isArray(h) || !isStr(h[0]) || typeof h[1] !== 'number' || !isStr(h[2]) || !isStr(h[3])) return undefined;
        return { kind: 'route', origin: h[0], id: h[1], email: h[2], device: h[3], text: raw.slice(nl + 1) };
      }
      case 'A': {
        const h = fields(raw, 2);
        if (!h) return undefined;
        const ids = raw.slice(h.rest).split(',').map(seqOf);
        if (!ids.every((id) => id !== undefined)) return undefined;
        return { kind: 'ack', to: h.f[0], holder: h.f[1], ids: ids as number[] };
      }
      case 'P': {
        const p = JSON.parse(raw.slice(1)) as Record<string, unknown>;
        if (!p || !isStr(p.o) || (p.e !== 'user_joined' && p.e !== 'user_left') || !isStr(p.m) || !isStr(p.d)) return undefined;
        if (!Array.isArray(p.a) || !p.a.every(isStr)) return undefined;
        return { kind: 'presence', origin: p.o, event: p.e, email: p.m, device: p.d, audience: p.a };
      }
      case 'K': {
        const k = JSON.parse(raw.slice(1)) as unknown[];
        if (!Array.isArray(k) || !k.slice(0, 4).every(isStr) || k.length !== 4) return undefined;
        return { kind: 'kick', origin: k[0] as string, email: k[1] as string, device: k[2] as string, socketId: k[3] as string };
      }
      case 'H':
        return raw.length > 1 && !raw.includes('\n') ? { kind: 'hello', origin: raw.slice(1) } : undefined;
      case 'J': {
        const h = fields(raw, 1);
        if (!h) return undefined;
        const p = JSON.parse(raw.slice(h.rest)) as Record<string, unknown>;
        if (!p || !isStr(p.o) || !isStr(p.m) || !isStr(p.d) || !Array.isArray(p.a) || !p.a.every(isStr)) return undefined;
        return { kind: 'joined', to: h.f[0], origin: p.o, email: p.m, device: p.d, audience: p.a };
      }
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}
