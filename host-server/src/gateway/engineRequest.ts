// Which requests belong to the Socket.io gateway: the Engine.IO query (EIO=…) on the gateway's
// path, with or without its trailing slash. Everything else on /ws stays the charger endpoint's.
export const GATEWAY_PATH = '/ws';

export function isEngineRequest(url: URL): boolean {
  return (url.pathname === GATEWAY_PATH || url.pathname === GATEWAY_PATH + '/') && url.searchParams.has('EIO');
}

/** `/device/7` → 7; undefined for any other namespace. */
export function deviceOfNamespace(name: string): number | undefined {
  const m = /^\/device\/([1-9][0-9]{0,14})$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

export const namespaceOf = (deviceId: number): string => `/device/${deviceId}`;
