// The few helpers every generated Node codec shares. Kept tiny: they sit on the hot path.

export interface DecodeError {
  /** JSON Pointer to the offending value; "" for the whole message. */
  path: string;
  message: string;
}

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: DecodeError };

export interface DecodeOptions {
  /** Reject input longer than this many bytes before parsing. Default 65,536. */
  maxBytes?: number;
}

export const DEFAULT_MAX_BYTES = 65536;
/** Strings this short cannot exceed the default limit, whatever their characters. */
export const FAST_TEXT = Math.floor(DEFAULT_MAX_BYTES / 3);

export function ok<T>(value: T): DecodeResult<T> {
  return { ok: true, value };
}

export function fail(path: string, message: string): { ok: false; error: DecodeError } {
  return { ok: false, error: { path, message } };
}

const decoder = typeof TextDecoder === 'function' ? new TextDecoder('utf-8', { fatal: true }) : undefined;

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** The message as text, or why it cannot be: too large, not text, not UTF-8. */
export function toText(input: unknown, options: DecodeOptions | undefined): string | { ok: false; error: DecodeError } {
  const max = options?.maxBytes ?? DEFAULT_MAX_BYTES;
  if (typeof input === 'string') {
    // Only count bytes when the character count alone cannot decide.
    if (input.length * 3 > max && (input.length > max || utf8Length(input) > max)) {
      return fail('', `message is larger than the ${max}-byte limit`);
    }
    return input;
  }
  if (input instanceof Uint8Array) {
    if (input.byteLength > max) return fail('', `message is larger than the ${max}-byte limit`);
    if (!decoder) return fail('', 'binary input needs TextDecoder');
    try {
      return decoder.decode(input);
    } catch {
      return fail('', 'message is not valid UTF-8');
    }
  }
  return fail('', 'message must be text (a string or UTF-8 bytes)');
}

export function jsonError(e: unknown): { ok: false; error: DecodeError } {
  return fail('', 'invalid JSON: ' + (e instanceof Error ? e.message : String(e)));
}

// What JSON.stringify would escape in a string: control characters, quote, backslash and (lone)
// surrogates; V8's compiled regex finds these faster than a character loop.
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

/** JSON text of a string; skips JSON.stringify when nothing needs escaping. */
export function str(s: string): string {
  if (typeof s !== 'string') return anyJson(s);
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"';
}

/** A string whose JSON text is itself between quotes. */
export function isPlainText(s: unknown): boolean {
  return typeof s === 'string' && !NEEDS_ESCAPE.test(s);
}

/** JSON text of a number, `null` for non-finite as JSON.stringify writes it. */
export function num(n: number): string {
  return typeof n === 'number' && n - n === 0 ? '' + n : anyJson(n);
}

export function anyJson(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? 'null' : s;
}
