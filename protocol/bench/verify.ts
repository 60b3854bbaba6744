// Before anything is timed: every contender must do the work right, or the bench fails.
// Decoders must give each vector of their direction its verdict; encoders must write bytes
// that parse back to the message.
import { isDeepStrictEqual } from 'node:util';
import type { Decoder, Encoder } from './contenders.js';
import type { Workload } from './workload.js';

/** Problems found; empty when the decoder agrees with every vector of the direction. */
export function checkDecoder(name: string, decode: Decoder, w: Workload, validates: boolean): string[] {
  const problems: string[] = [];
  for (const v of w.vectors) {
    // JSON.parse alone only has to read the accepted texts; validators must also refuse the rest.
    if (!validates && !v.accept) continue;
    const got = decode(v.text);
    if (got !== v.accept) problems.push(`${w.dir.union} ${name} ${got ? 'accepted' : 'rejected'} "${v.name}": ${v.text}`);
  }
  return problems;
}

/** Problems found, and the bytes the encoder writes for the whole workload (each timed pass must match it). */
export function checkEncoder(name: string, enc: Encoder, w: Workload): { problems: string[]; bytes: number } {
  const problems: string[] = [];
  let bytes = 0;
  enc.inputs.forEach((input, i) => {
    const out = enc.encode(input);
    bytes += out.length;
    let back: unknown;
    try {
      back = JSON.parse(out.toString('utf8'));
    } catch {
      back = undefined;
    }
    if (!isDeepStrictEqual(back, w.wireValues[i])) {
      problems.push(`${w.dir.union} ${name} wrote ${out.toString('utf8')} for ${JSON.stringify(w.wireValues[i])}`);
    }
  });
  return { problems, bytes };
}
