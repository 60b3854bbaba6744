// REST calls from the dashboard, with its token when it was opened with ?token= (none in open mode).

/**
 * `call` answers every HTTP status with its parsed body (a valve command's 409 carries the
 * valve's state); `get` throws on anything but 2xx, the error carrying the status.
 */
export function restClient(token) {
  async function call(method, path, body) {
    const headers = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    let parsed = null;
    try {
      parsed = await r.json();
    } catch {
      /* not JSON */
    }
    return { status: r.status, ok: r.ok, body: parsed };
  }

  async function get(path) {
    const r = await call('GET', path);
    if (!r.ok) {
      const e = new Error(r.body && r.body.error && r.body.error.message ? r.body.error.message : `HTTP ${r.status}`);
      e.status = r.status;
      throw e;
    }
    return r.body;
  }

  return { call, get };
}
