// One WebSocket server for every path: upgrades are routed by URL path, as ARCHITECTURE.md
// lists, with limits, heartbeat and counters applied the same everywhere.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Metrics } from '../metrics.js';
import { Peer } from './peer.js';
import type { Logger } from '../log.js';

export interface Route {
  name: string;
  /** Returns path parameters when the route takes this path, else undefined. */
  match(path: string, query: URLSearchParams): Record<string, string> | undefined;
  connect(peer: Peer, params: Record<string, string>, query: URLSearchParams, req: IncomingMessage): void;
  message(peer: Peer, text: string): void;
  closed(peer: Peer, code: number): void;
}

export interface UpgradeOptions {
  maxMessageBytes: number;
  maxBufferedBytes: number;
  heartbeatMs: number;
  metrics: Metrics;
  log: Logger;
}

export class UpgradeRouter {
  readonly wss: WebSocketServer;
  private routes: Route[] = [];
  private readonly peers = new Set<Peer>();
  private heartbeat: NodeJS.Timeout;
  /** Other upgrade handlers (Socket.io, later) get the paths no route takes. */
  fallback?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

  constructor(private readonly o: UpgradeOptions) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: o.maxMessageBytes, perMessageDeflate: false, clientTracking: false });
    this.heartbeat = setInterval(() => this.beat(), o.heartbeatMs);
    this.heartbeat.unref();
    o.metrics.gauge('espfleet_ws_connections', 'Open WebSocket connections', () => this.peers.size);
    o.metrics.describe('espfleet_ws_messages_in_total', 'WebSocket messages received');
    o.metrics.describe('espfleet_ws_messages_out_total', 'WebSocket messages sent');
    o.metrics.describe('espfleet_ws_dropped_total', 'Connections dropped by the server (slow consumer, dead peer)');
  }

  add(route: Route): void {
    this.routes.push(route);
  }

  attach(server: Server): void {
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  count(route?: string): number {
    let n = 0;
    for (const p of this.peers) if (!route || p.route === route) n++;
    return n;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://x');
    for (const r of this.routes) {
      const params = r.match(url.pathname, url.searchParams);
      if (!params) continue;
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(r, ws, params, url.searchParams, req));
      return;
    }
    if (this.fallback) return this.fallback(req, socket, head);
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  }

  private accept(r: Route, ws: WebSocket, params: Record<string, string>, query: URLSearchParams, req: IncomingMessage): void {
    const peer = new Peer(ws, r.name, this.o.metrics, this.o.maxBufferedBytes);
    this.peers.add(peer);
    this.o.metrics.inc('espfleet_ws_connections_total', { route: r.name });
    const received = this.o.metrics.counter('espfleet_ws_messages_in_total', { route: r.name });
    ws.on('message', (data, isBinary) => {
      received.inc();
      const text = isBinary ? Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data as ArrayBuffer)]).toString('utf8') : data.toString();
      try {
        r.message(peer, text);
      } catch (e) {
        this.o.log.error({ err: e, route: r.name }, 'message handler failed');
      }
    });
    ws.on('error', (err) => this.o.log.debug({ err, route: r.name }, 'websocket error'));
    ws.on('close', (code) => {
      this.peers.delete(peer);
      try {
        r.closed(peer, code);
      } catch (e) {
        this.o.log.error({ err: e, route: r.name }, 'close handler failed');
      }
    });
    try {
      r.connect(peer, params, query, req);
    } catch (e) {
      this.o.log.error({ err: e, route: r.name }, 'connect handler failed');
      peer.close(1011, 'internal error');
    }
  }

  private beat(): void {
    for (const p of this.peers) {
      if (!p.alive) {
        this.o.metrics.inc('espfleet_ws_dropped_total', { route: p.route, reason: 'dead_peer' });
        p.ws.terminate();
        continue;
      }
      p.alive = false;
      p.ws.ping();
    }
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const p of this.peers) p.ws.terminate();
    this.peers.clear();
  }
}
