// A small HTTP router: method + path pattern → handler, JSON in and out, one error shape
// ({ error: { code, message } }) with the right status for every refusal. Every route declares
// who may call it; the router asks the authoriser before the handler runs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Access, AnyRouteAccess, Caller } from '../auth/access.js';
import { MAX_STATION_ID } from '../auth/jwt.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Who is calling, as the authoriser admitted them. */
  caller: Caller;
  body(): Promise<unknown>;
}

type Handler = (ctx: Ctx) => Promise<unknown> | unknown;

export type Authorise = (req: IncomingMessage, query: URLSearchParams, access: AnyRouteAccess) => Access | Promise<Access>;

interface RouteDef {
  method: string;
  path: string;
  parts: string[];
  access: AnyRouteAccess;
  handler: Handler;
}

const MAX_BODY = 64 * 1024;
const MAX_STRING = 1000;

export class Router {
  private routes: RouteDef[] = [];

  constructor(private readonly authorise: Authorise) {}

  on(method: string, path: string, access: AnyRouteAccess, handler: Handler): this {
    this.routes.push({ method, path, parts: path.split('/').filter(Boolean), access, handler });
    return this;
  }

  /** Every route with who may call it (for documentation and the authorisation tests). */
  list(): Array<{ method: string; path: string; access: AnyRouteAccess }> {
    return this.routes.map(({ method, path, access }) => ({ method, path, access }));
  }

  /**
   * Handles the request when a route matches; false otherwise. Refusals answer with their
   * status; any other exception propagates to the server, which answers 500.
   */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    try {
      return await this.dispatch(req, res);
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      if (!res.headersSent) json(res, e.status, { error: { code: e.code, message: e.message } }, e.headers);
      return true;
    }
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://x');
    } catch {
      throw new HttpError(400, 'INVALID_PATH', 'the request target is not a valid path');
    }
    const segs = url.pathname.split('/').filter(Boolean);
    let methodMismatch = false;
    for (const r of this.routes) {
      const params = match(r.parts, segs);
      if (!params) continue;
      if (r.method !== req.method) {
        methodMismatch = true;
        continue;
      }
      const access = await this.authorise(req, url.searchParams, r.access);
      if (!access.ok) {
        const challenge: Record<string, string> = access.status === 401 ? { 'www-authenticate': 'Bearer' } : {};
        throw new HttpError(access.status, access.status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', access.message, challenge);
      }
      const out = await r.handler({ req, res, params: decodeParams(params), query: url.searchParams, caller: access.caller, body: () => readJson(req) });
      if (!res.headersSent) json(res, req.method === 'POST' ? 201 : 200, out ?? { ok: true });
      return true;
    }
    if (methodMismatch) throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${url.pathname}`);
    return false;
  }
}

function match(parts: string[], segs: string[]): Record<string, string> | undefined {
  if (parts.length !== segs.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    if (parts[i].startsWith(':')) params[parts[i].slice(1)] = segs[i];
    else if (parts[i] !== segs[i]) return undefined;
  }
  return params;
}

function decodeParams(raw: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    try {
      out[k] = decodeURIComponent(v);
    } catch {
      throw new HttpError(400, 'INVALID_PATH', `${k} has malformed percent-encoding`);
    }
  }
  return out;
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The media type without parameters (`application/json; charset=utf-8` → `application/json`). */
function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  if (mediaType(req) !== 'application/json') {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'the body must be JSON sent with Content-Type: application/json');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'BODY_TOO_LARGE', `request body over ${MAX_BODY} bytes`);
    chunks.push(c as Buffer);
  }
  if (!size) throw new HttpError(400, 'BODY_REQUIRED', 'a JSON body is required');
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (e) {
    throw new HttpError(400, 'INVALID_JSON', `request body is not valid JSON: ${(e as Error).message}`);
  }
}

/** Ids of every record: whole numbers 1..999,999,999, as the charger endpoint reads a station id. */
export const MAX_ID = MAX_STATION_ID;

/** Time bounds in queries: Unix ms from 1970 to the largest date JavaScript represents. */
const MAX_TIME = 8_640_000_000_000_000;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** Field readers that refuse wrong types with a 400 naming the field. */
export const field = {
  obj(v: unknown): Record<string, unknown> {
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, 'INVALID_BODY', 'the body must be a JSON object');
    return v as Record<string, unknown>;
  },
  /** A non-empty string without NUL (PostgreSQL text cannot hold it), at most 1000 characters. */
  str(o: Record<string, unknown>, k: string, optional = false): string | undefined {
    const v = o[k];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'string' || v.trim() === '' || v.length > MAX_STRING || v.includes('\0')) {
      throw new HttpError(400, 'INVALID_FIELD', `${k} must be a non-empty string of at most ${MAX_STRING} characters, without NUL`);
    }
    return v;
  },
  num(o: Record<string, unknown>, k: string, optional = false, min = -Infinity): number | undefined {
    const v = o[k];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new HttpError(400, 'INVALID_FIELD', `${k} must be a number${min > -Infinity ? ` >= ${min}` : ''}`);
    return v;
  },
  positive(o: Record<string, unknown>, k: string): number | undefined {
    const v = o[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new HttpError(400, 'INVALID_FIELD', `${k} must be a number above 0`);
    return v;
  },
  /** A record id: a whole number 1..999,999,999. */
  id(o: Record<string, unknown>, k: string, optional = false): number | undefined {
    const v = o[k];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_ID) throw new HttpError(400, 'INVALID_FIELD', `${k} must be a whole number from 1 to ${MAX_ID}`);
    return v;
  },
  bool(o: Record<string, unknown>, k: string, optional = false): boolean | undefined {
    const v = o[k];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'boolean') throw new HttpError(400, 'INVALID_FIELD', `${k} must be true or false`);
    return v;
  },
};

/** A record id in the path: the digits the charger endpoint accepts (`^[0-9]{1,9}$`), from 1. */
export function idParam(p: Record<string, string>, k: string): number {
  const v = p[k];
  if (!/^[0-9]{1,9}$/.test(v) || Number(v) < 1) throw new HttpError(400, 'INVALID_ID', `${k} must be a whole number from 1 to ${MAX_ID}`);
  return Number(v);
}

export function queryInt(q: URLSearchParams, k: string, min: number, max: number): number | undefined {
  const v = q.get(k);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new HttpError(400, 'INVALID_QUERY', `${k} must be a whole number from ${min} to ${max}`);
  return n;
}

/** A time bound: Unix ms or an ISO 8601 string, within 1970 .. year 275760 (both databases hold it). */
export function queryTime(q: URLSearchParams, k: string): number | undefined {
  const v = q.get(k);
  if (v === null || v === '') return undefined;
  // Date.parse alone takes almost anything ("1" is 2001): only ISO 8601 is given to it.
  const n = /^[0-9]+$/.test(v) ? Number(v) : ISO_8601.test(v) ? Date.parse(v) : NaN;
  if (!Number.isFinite(n) || n < 0 || n > MAX_TIME) throw new HttpError(400, 'INVALID_QUERY', `${k} must be Unix milliseconds or an ISO 8601 time from 1970 on`);
  return n;
}
