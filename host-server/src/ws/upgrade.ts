// One WebSocket server for every path: upgrades are routed by URL path, as ARCHITECTURE.md
// lists, with limits, heartbeat and counters applied the same everywhere.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Metrics } from '../metrics.js';
import { Peer } from './peer.js';
import { ConnectionBook } from './connection.js';
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

/** Another upgrade handler (the Socket.io gateway) that takes the requests it claims before any route. */
export interface UpgradeClaim {
  claims(url: URL): boolean;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export class UpgradeRouter {
  readonly wss: WebSocketServer;
  /** Every open connection, of this router and of the gateway: counts, metrics, limits. */
  readonly book: ConnectionBook;
  private routes: Route[] = [];
  private readonly peers = new Set<Peer>();
  private heartbeat: NodeJS.Timeout;
  private claimants: UpgradeClaim[] = [];

  constructor(private readonly o: UpgradeOptions) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: o.maxMessageBytes, perMessageDeflate: false, clientTracking: false });
    this.heartbeat = setInterval(() => this.beat(), o.heartbeatMs);
    this.heartbeat.unref();
    this.book = new ConnectionBook(o.metrics, o.maxBufferedBytes);
  }

  claim(c: UpgradeClaim): void {
    this.claimants.push(c);
  }

  add(route: Route): void {
    this.routes.push(route);
  }

  attach(server: Server): void {
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  count(route?: string): number {
    return this.book.count(route);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://x');
    } catch {
      return void socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
    for (const c of this.claimants) if (c.claims(url)) return c.upgrade(req, socket, head);
    for (const r of this.routes) {
      const params = r.match(url.pathname, url.searchParams);
      if (!params) continue;
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(r, ws, params, url.searchParams, req));
      return;
    }
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  }

  private accept(r: Route, ws: WebSocket, params: Record<string, string>, query: URLSearchParams, req: IncomingMessage): void {
    const peer = new Peer(ws, r.name, this.book);
    this.peers.add(peer);
    ws.on('message', (data, isBinary) => {
      peer.received.inc();
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
      this.book.closed(peer);
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
        this.book.dropped(p, 'dead_peer');
        p.ws.terminate();
        continue;
      }
      p.alive = false;
      p.ws.ping();
    }
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const p of this.peers) {
      p.ws.terminate();
      this.book.closed(p);
    }
    this.peers.clear();
  }
}
