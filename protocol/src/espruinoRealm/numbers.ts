// Espruino's number conversions, ported from its C source (2v29: ftoa_bounded_extra in
// src/jsutils.c, jswrap_math_round in src/jswrap_math.c) so they do the same double
// arithmetic and print the same digits: about 11 significant digits, spurious digits from
// repeated subtraction (123456789.123 → "123456789.12299999594"), "10e+20" for 1e21.

/** C's `(int32_t)x` on x86 and the ESP32: truncation, INT32_MIN when out of range. */
function int32(x: number): number {
  return x > -2147483649 && x < 2147483648 ? Math.trunc(x) : -2147483648;
}

function digit(v: number): string {
  return v < 10 ? String.fromCharCode(48 + v) : String.fromCharCode(87 + v);
}

/**
 * Espruino's ftoa_bounded_extra: `fractionalDigits` < 0 prints as String(n) does,
 * ≥ 0 as n.toFixed(fractionalDigits). The output is bounded like the C buffer (70 chars).
 */
export function formatNumber(value: number, radix = 10, fractionalDigits = -1): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value < 0 ? '-Infinity' : 'Infinity';
  let len = 70;
  let out = '';
  let val = value;
  const stopAtError = 0.0000001;
  if (val < 0) {
    if (--len <= 0) return out;
    out += '-';
    val = -val;
  }
  let exponent = 0;
  if (radix === 10 && val > 0 && fractionalDigits < 0) {
    if (val >= 1e21) {
      while (val > 100000) {
        val /= 100000;
        exponent += 5;
      }
      while (val > 10) {
        val /= 10;
        exponent++;
      }
    } else if (val < 1e-6) {
      while (val < 1e-5) {
        val *= 100000;
        exponent -= 5;
      }
      while (val < 1) {
        val *= 10;
        exponent--;
      }
    }
  }
  // "what if we're really close to an integer? Just use that..." (int32 arithmetic wraps)
  if (int32(val + stopAtError) === ((1 + int32(val)) | 0)) val = (1 + int32(val)) | 0;
  let d = 1;
  while (d * radix <= val) d *= radix;
  while (d >= 1) {
    const v = int32(val / d);
    val -= v * d;
    if (--len <= 0) return out;
    out += digit(v);
    d /= radix;
  }
  if ((fractionalDigits < 0 && val > 0) || fractionalDigits > 0) {
    let hasPt = false;
    val *= radix;
    while ((fractionalDigits < 0 && fractionalDigits > -12 && val > stopAtError) || fractionalDigits > 0) {
      let v = int32(val + (fractionalDigits === 1 ? 0.5 : 0.00000001));
      val = (val - v) * radix;
      if (v === radix) v = radix - 1;
      if (!hasPt) {
        hasPt = true;
        if (--len <= 0) return out;
        out += '.';
      }
      if (--len <= 0) return out;
      out += digit(v);
      fractionalDigits--;
    }
  }
  if (exponent && len > 5) out += 'e' + (exponent > 0 ? '+' : '') + String(exponent);
  return out;
}

const WHITESPACE = ' \t\n\v\f\r';

function chtod(ch: string): number {
  const c = ch.charCodeAt(0);
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 122) return c - 87;
  if (c >= 65 && c <= 90) return c - 55;
  return -1;
}

/** getRadix: a leading 0 means octal unless a '.', 8 or 9 follows among the digits. */
function radixAt(s: string, i: number): { radix: number; at: number } {
  if (s[i] !== '0') return { radix: 10, at: i };
  i++;
  const c = s[i];
  if (c === 'o' || c === 'O') return { radix: 8, at: i + 1 };
  if (c === 'x' || c === 'X') return { radix: 16, at: i + 1 };
  if (c === 'b' || c === 'B') return { radix: 2, at: i + 1 };
  for (let p = i; p < s.length; p++) {
    if (s[p] === '.' || s[p] === '8' || s[p] === '9') return { radix: 10, at: i };
    if (s[p] < '0' || s[p] > '9') break;
  }
  return { radix: 8, at: i };
}

/** Espruino's stringToFloatWithRadix: its own digit accumulation, not correctly rounded. */
export function parseFloatAt(s: string): { value: number; end: number } {
  let i = 0;
  while (i < s.length && WHITESPACE.includes(s[i])) i++;
  let negated = false;
  if (s[i] === '-') {
    negated = true;
    i++;
  } else if (s[i] === '+') i++;
  const numberStart = i;
  const r = radixAt(s, i);
  i = r.at;
  let v = 0;
  let mul = 0.1;
  while (i < s.length) {
    const d = chtod(s[i]);
    if (d < 0 || d >= r.radix) break;
    v = v * r.radix + d;
    i++;
  }
  if (r.radix === 10) {
    if (s[i] === '.') {
      i++;
      while (i < s.length && s[i] >= '0' && s[i] <= '9') {
        v += mul * (s.charCodeAt(i) - 48);
        mul /= 10;
        i++;
      }
    }
    if (s[i] === 'e' || s[i] === 'E') {
      i++;
      let eNeg = false;
      if (s[i] === '-' || s[i] === '+') {
        eNeg = s[i] === '-';
        i++;
      }
      let e = 0;
      while (i < s.length && s[i] >= '0' && s[i] <= '9') {
        e = e * 10 + (s.charCodeAt(i) - 48);
        i++;
      }
      if (eNeg) e = -e;
      while (e > 0) {
        v *= 10;
        e--;
      }
      while (e < 0) {
        v /= 10;
        e++;
      }
    }
  }
  if (numberStart === i || (s[numberStart] === '.' && i === numberStart + 1)) return { value: NaN, end: i };
  return { value: negated ? -v : v, end: i };
}

/** stringToInt then jsvNewFromLongInteger: 64-bit accumulation that wraps, then a double. */
export function parseIntToken(s: string): number {
  const r = radixAt(s, 0);
  let v = 0n;
  const radix = BigInt(r.radix);
  for (let i = r.at; i < s.length; i++) {
    const d = chtod(s[i]);
    if (d < 0 || d >= r.radix) break;
    v = BigInt.asIntN(64, v * radix + BigInt(d));
  }
  return Number(v);
}

/** Number(string): leading whitespace is skipped; anything after the number (a space too) gives NaN. */
export function stringToNumber(s: string): number {
  if (s === '') return 0;
  const t = s.replace(/^[ \t\n\v\f\r]+/, '');
  if (t === 'Infinity' || t === '+Infinity') return Infinity;
  if (t === '-Infinity') return -Infinity;
  const r = parseFloatAt(s);
  return r.end === s.length ? r.value : NaN;
}

/** Math.round: halves round away from zero (Math.round(-0.5) is -1); -0 passes through. */
export function mathRound(x: number): number {
  if (!Number.isFinite(x) || Object.is(x, -0)) return x;
  const y = x + (x < 0 ? -0.5 : 0.5);
  const i = Math.trunc(y);
  if (i === 0 && y < 0) return -0;
  return i;
}
