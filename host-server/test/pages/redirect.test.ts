// The test page typed without its trailing slash is redirected to the seed's address.
import { describe, it, expect, afterAll } from 'vitest';
import { start } from '../support.js';

const server = await start();
afterAll(() => server.close());

describe('/websocket-test', () => {
  it('redirects permanently to /websocket-test/, keeping the query', async () => {
    const r = await fetch(`${server.url}/websocket-test?token=abc`, { redirect: 'manual' });
    expect([301, 308]).toContain(r.status);
    expect(r.headers.get('location')).toBe('/websocket-test/?token=abc');
    const followed = await fetch(`${server.url}/websocket-test`);
    expect(followed.status).toBe(200);
    expect(followed.url).toBe(`${server.url}/websocket-test/`);
    expect(await followed.text()).toContain('id="ws-connect"');
  });
});
