// A small HTTP router: method + path pattern → handler, JSON in and out, one error shape
// ({ error: { code, message } }) with the right status for every refusal.
import type { IncomingMessage, ServerResponse } from 'node:http';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  body(): Promise<unknown>;
}

type Handler = (ctx: Ctx) => Promise<unknown> | unknown;

interface RouteDef {
  method: string;
  parts: string[];
  handler: Handler;
}

const MAX_BODY = 64 * 1024;

export class Router {
  private routes: RouteDef[] = [];

  on(method: string, path: string, handler: Handler): this {
    this.routes.push({ method, parts: path.split('/').filter(Boolean), handler });
    return this;
  }

  /** Handles the request when a route matches; false otherwise. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://x');
    const segs = url.pathname.split('/').filter(Boolean);
    let methodMismatch = false;
    for (const r of this.routes) {
      const params = match(r.parts, segs);
      if (!params) continue;
      if (r.method !== req.method) {
        methodMismatch = true;
        continue;
      }
      try {
        const out = await r.handler({ req, res, params, query: url.searchParams, body: () => readJson(req) });
        if (!res.headersSent) json(res, req.method === 'POST' ? 201 : 200, out ?? { ok: true });
      } catch (e) {
        if (res.headersSent) return true;
        if (e instanceof HttpError) json(res, e.status, { error: { code: e.code, message: e.message } });
        else throw e;
      }
      return true;
    }
    if (methodMismatch) {
      json(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: `${req.method} is not allowed on ${url.pathname}` } });
      return true;
    }
    return false;
  }
}

function match(parts: string[], segs: string[]): Record<string, string> | undefined {
  if (parts.length !== segs.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    if (parts[i].startsWith(':')) params[parts[i].slice(1)] = decodeURIComponent(segs[i]);
    else if (parts[i] !== segs[i]) return undefined;
  }
  return params;
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
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

/** Field readers that refuse wrong types with a 400 naming the field. */
export const field = {
  obj(v: unknown): Record<string, unknown> {
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, 'INVALID_BODY', 'the body must be a JSON object');
    return v as Record<string, unknown>;
  },
  str(o: Record<string, unknown>, k: string, optional = false): string | undefined {
    const v = o[k];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'string' || v.trim() === '') throw new HttpError(400, 'INVALID_FIELD', `${k} must be a non-empty string`);
    return v;
  },
  num(o: Record<string, unknown>, k: string, optional = false, min = -Infinity): number | undefined {
    const v = o[k];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new HttpError(400, 'INVALID_FIELD', `${k} must be a number${min > -Infinity ? ` >= ${min}` : ''}`);
    return v;
  },
  int(o: Record<string, unknown>, k: string, optional = false, min = 0): number | undefined {
    const v = field.num(o, k, optional, min);
    if (v !== undefined && !Number.isInteger(v)) throw new HttpError(400, 'INVALID_FIELD', `${k} must be a whole number`);
    return v;
  },
  bool(o: Record<string, unknown>, k: string, optional = false): boolean | undefined {
    const v = o[k];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'boolean') throw new HttpError(400, 'INVALID_FIELD', `${k} must be true or false`);
    return v;
  },
};

export function idParam(p: Record<string, string>, k: string): number {
  const v = p[k];
  if (!/^[0-9]{1,9}$/.test(v)) throw new HttpError(400, 'INVALID_ID', `${k} must be a whole number`);
  return Number(v);
}

export function queryInt(q: URLSearchParams, k: string, min: number, max: number): number | undefined {
  const v = q.get(k);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new HttpError(400, 'INVALID_QUERY', `${k} must be a whole number from ${min} to ${max}`);
  return n;
}

/** A time bound: Unix ms or an ISO 8601 string. */
export function queryTime(q: URLSearchParams, k: string): number | undefined {
  const v = q.get(k);
  if (v === null || v === '') return undefined;
  const n = /^[0-9]+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n)) throw new HttpError(400, 'INVALID_QUERY', `${k} must be Unix milliseconds or an ISO 8601 time`);
  return n;
}
