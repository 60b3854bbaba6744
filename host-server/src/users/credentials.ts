// What an account's email and password must be, as pure checks: each answers the value to use
// or the reason it is refused, so the REST layer can name the field.

const MAX_EMAIL = 254;
export const MIN_PASSWORD = 8;
export const MAX_PASSWORD = 256;
// One @, something on each side, a dot-free or dotted domain; no spaces or control characters.
const EMAIL = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+$/u;

/** The email as stored and compared: trimmed and lower-case. */
export function normaliseEmail(v: unknown): { ok: true; email: string } | { ok: false; message: string } {
  if (typeof v !== 'string') return { ok: false, message: 'email must be a string' };
  const email = v.trim().toLowerCase();
  if (!email) return { ok: false, message: 'email is required' };
  if (email.length > MAX_EMAIL) return { ok: false, message: `email must be at most ${MAX_EMAIL} characters` };
  if (!EMAIL.test(email)) return { ok: false, message: `email ${JSON.stringify(v)} is not an email address (name@domain)` };
  return { ok: true, email };
}

export function checkPassword(v: unknown): { ok: true; password: string } | { ok: false; message: string } {
  if (typeof v !== 'string') return { ok: false, message: 'password must be a string' };
  if (v.length < MIN_PASSWORD || v.length > MAX_PASSWORD) {
    return { ok: false, message: `password must be ${MIN_PASSWORD} to ${MAX_PASSWORD} characters` };
  }
  return { ok: true, password: v };
}
