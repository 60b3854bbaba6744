// The firmware's WebSocket server over Espruino's `net`: it reads the HTTP upgrade request
// itself (so the board and the simulator behave the same), answers other requests with a
// small 400/404/405/426/503, and serves several peers at once, each with its own bounded
// send buffer. Peers that stop answering pings are dropped.
import { CLOSE_GOING_AWAY, OP_PING, serverFrame } from './wsFrame.js';
import { headReader, answerUpgrade, httpError } from './wsHandshake.js';
import { wsLink, type WsLink } from './wsLink.js';
import { espruinoBytes } from './espruinoBytes.js';

export interface WsPeer {
  readonly id: number;
  /** The peer's IP address where the platform tells it; Espruino's sockets do not, so there it is ''. */
  readonly address: string;
  /** False when the peer is gone or its send buffer is full (the message is dropped for it alone). */
  send(text: string): boolean;
  close(code: number, reason: string): void;
}

export interface WsServerHandlers {
  open(p: WsPeer): void;
  message(p: WsPeer, text: string): void;
  /** Once per peer, with the close code (1006 when the connection dropped without one). */
  close(p: WsPeer, code: number): void;
}

export interface WsServer {
  stop(): void;
  peers(): WsPeer[];
}

export interface WsServerOptions {
  port: number;
  /** The path that upgrades; other paths get 404. */
  path: string;
  maxMessageBytes: number;
  /** Peers served at once; more get 503. Default 4. */
  maxPeers?: number;
  /** Bytes that may wait to be sent to one peer. Default 8192. */
  maxBufferedBytes?: number;
  /** Ping period; a peer silent for a whole period after a ping is dropped. Default 30000 ms, 0 for none. */
  pingIntervalMs?: number;
  /** Time a connection has to send its upgrade request. Default 5000 ms. */
  handshakeTimeoutMs?: number;
}

interface Peer extends WsPeer {
  link: WsLink;
}

export function startWsServer(opts: WsServerOptions, h: WsServerHandlers): WsServer {
  const crypto = require('crypto');
  const sha1 = (s: string) => crypto.SHA1(s);
  const maxPeers = opts.maxPeers ?? 4;
  const maxBufferedBytes = opts.maxBufferedBytes ?? 8192;
  const pingMs = opts.pingIntervalMs ?? 30000;
  const handshakeMs = opts.handshakeTimeoutMs ?? 5000;
  const peers: Peer[] = [];
  let nextId = 1;

  const upgrade = (sock: NetSocket): Peer => {
    const id = nextId++;
    const peer: Peer = {
      id,
      address: '',
      link: wsLink(
        sock,
        { maxMessageBytes: opts.maxMessageBytes, maxBufferedBytes, fromClient: true, bytes: espruinoBytes, frame: serverFrame },
        {
          text: (m) => h.message(peer, m),
          closed: (code) => {
            const i = peers.indexOf(peer);
            if (i >= 0) peers.splice(i, 1);
            h.close(peer, code);
          },
        },
      ),
      send: (text) => peer.link.send(text),
      close: (code, reason) => peer.link.close(code, reason, code),
    };
    peers.push(peer);
    return peer;
  };

  const server = require('net').createServer((sock: NetSocket) => {
    const head = headReader();
    let answered = false;
    let peer: Peer | null = null;
    const timer = setTimeout(() => {
      if (!answered) sock.end(httpError(400, 'no upgrade request in time'));
      answered = true;
    }, handshakeMs);
    const onHead = (d: string) => {
      const r = head.push(d);
      if (r === null) return;
      answered = true;
      clearTimeout(timer);
      if (r === 'too long') return sock.end(httpError(431, 'request head too long'));
      const a = answerUpgrade(r.head, opts.path, sha1);
      if (!a.upgrade) return sock.end(a.response);
      if (peers.length >= maxPeers) return sock.end(httpError(503, 'too many connections'));
      sock.write(a.response);
      const p = upgrade(sock);
      peer = p;
      h.open(p);
      if (r.rest) p.link.push(r.rest);
    };
    sock.on('data', (d: string) => {
      if (peer) peer.link.push(d);
      else if (!answered) onHead(d);
    });
    sock.on('close', () => {
      answered = true;
      clearTimeout(timer);
    });
  });
  server.listen(opts.port);

  // Liveness: every period, a peer heard from since the last one is pinged; a silent one is dropped.
  const pinger = pingMs > 0
    ? setInterval(() => {
      const all = peers.slice();
      for (let i = 0; i < all.length; i++) {
        const link = all[i].link;
        if (link.heardSinceLastCheck()) link.write(OP_PING, '');
        else link.abort('no answer to ping');
      }
    }, pingMs)
    : 0;

  return {
    stop: () => {
      if (pinger) clearInterval(pinger);
      server.close();
      const all = peers.slice();
      for (let i = 0; i < all.length; i++) all[i].close(CLOSE_GOING_AWAY, 'server stopping');
    },
    peers: () => peers.slice(),
  };
}

