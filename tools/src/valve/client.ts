// A bench client for one valve: connects to ws://HOST:PORT/ws, authenticates with the
// passkey, and hands out the device's messages decoded by the protocol's valve codec. Every
// failure is a ValveError saying which kind it is.
import WebSocket from 'ws';
import {
  decodeValveDeviceMessage,
  encodeValveClientMessage,
  type ValveClientMessage,
  type ValveData,
  type ValveDeviceMessage,
} from '@espfleet/protocol/valve';
import { ValveError } from './errors.js';

export interface ValveTarget {
  host: string;
  port: number;
  passkey: string;
  /** How long to wait for the connection and for each answer, ms. */
  timeoutMs: number;
}

/** The close code the firmware uses for an address that guessed too many passkeys. */
const CLOSE_POLICY = 1008;
const UNREACHABLE_CODES = ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EAI_AGAIN', 'EADDRNOTAVAIL'];

export function valveUrl(host: string, port: number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `ws://${h}:${port}/ws`;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

export class ValveConnection {
  readonly url: string;
  deviceId = '';
  private queue: ValveDeviceMessage[] = [];
  private waiter: ((m: ValveDeviceMessage | ValveError) => void) | undefined;
  private failure: ValveError | undefined;
  private authenticated = false;

  private constructor(
    private readonly ws: WebSocket,
    readonly target: ValveTarget,
  ) {
    this.url = ws.url;
    ws.on('message', (data, isBinary) => {
      if (isBinary) return this.fail(new ValveError('protocol', `${this.url} sent a binary frame; a valve sends JSON text`));
      const r = decodeValveDeviceMessage(data.toString('utf8'));
      if (!r.ok) return this.fail(new ValveError('protocol', `${this.url} sent a message the valve protocol refuses: ${r.error.path || 'message'} ${r.error.message}`));
      this.deliver(r.value);
    });
    ws.on('close', (code, reason) => {
      const why = reason.toString() || (code === 1006 ? 'no close frame' : 'no reason given');
      if (code === CLOSE_POLICY && !this.authenticated) this.fail(new ValveError('auth', `the valve at ${this.url} refused the connection before accepting the passkey (1008: ${why}; after five wrong passkeys an address must wait)`));
      else this.fail(new ValveError('unreachable', `the valve at ${this.url} closed the connection (${code}: ${why})`));
    });
    ws.on('error', () => {
      // 'close' follows with the code; the cause is reported there.
    });
  }

  /** Connects and authenticates: resolves once the valve answered device_info. */
  static async open(target: ValveTarget): Promise<ValveConnection> {
    const url = valveUrl(target.host, target.port);
    const ws = new WebSocket(url, { handshakeTimeout: target.timeoutMs });
    await new Promise<void>((resolve, reject) => {
      const done = (e?: ValveError) => {
        ws.removeAllListeners();
        if (e) {
          ws.on('error', () => {});
          ws.terminate();
          reject(e);
        } else resolve();
      };
      ws.once('open', () => done());
      ws.once('unexpected-response', (_req, res) =>
        done(new ValveError('unreachable', `${url} answered HTTP ${res.statusCode}, not a valve WebSocket`)),
      );
      ws.once('error', (e: NodeJS.ErrnoException) => {
        if (/handshake has timed out/i.test(e.message)) done(new ValveError('timeout', `no answer from ${url} within ${seconds(target.timeoutMs)}`));
        else if (e.code && UNREACHABLE_CODES.includes(e.code)) done(new ValveError('unreachable', `cannot reach a valve at ${url}: ${e.code === 'ECONNREFUSED' ? 'nothing listens there' : e.code}`));
        else done(new ValveError('unreachable', `cannot reach a valve at ${url}: ${e.message}`));
      });
    });
    const c = new ValveConnection(ws, target);
    try {
      await c.authenticate();
    } catch (e) {
      c.close();
      throw e;
    }
    return c;
  }

  private async authenticate(): Promise<void> {
    this.send({ event: 'request_device_info', passkey: this.target.passkey });
    const deadline = Date.now() + this.target.timeoutMs;
    for (;;) {
      let m: ValveDeviceMessage;
      try {
        m = await this.next(Math.max(0, deadline - Date.now()), 'device_info');
      } catch (e) {
        if (e instanceof ValveError && e.kind === 'timeout') {
          throw new ValveError('auth', `the valve at ${this.url} did not accept the passkey: no device_info within ${seconds(this.target.timeoutMs)} (a valve ignores a wrong passkey)`);
        }
        throw e;
      }
      if (m.event === 'device_info') {
        this.deviceId = m.device_id;
        this.authenticated = true;
        return;
      }
    }
  }

  send(m: ValveClientMessage): void {
    if (this.failure) throw this.failure;
    this.ws.send(encodeValveClientMessage(m));
  }

  /** The next message from the valve; `what` names what is awaited, for the timeout's message. */
  next(timeoutMs: number, what: string): Promise<ValveDeviceMessage> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new ValveError('timeout', `no ${what} from the valve at ${this.url} within ${seconds(timeoutMs)}`));
      }, timeoutMs);
      this.waiter = (m) => {
        clearTimeout(timer);
        this.waiter = undefined;
        if (m instanceof ValveError) reject(m);
        else resolve(m);
      };
    });
  }

  /** Asks for the full state (device_basic_info) and returns the valve_data that answers. */
  async status(): Promise<ValveData> {
    this.send({ event: 'device_basic_info', data: { user_id: 'espfleet-cli', device_id: this.deviceId } });
    const deadline = Date.now() + this.target.timeoutMs;
    for (;;) {
      const m = await this.next(Math.max(0, deadline - Date.now()), 'valve_data');
      if (m.event === 'valve_data') return m;
      if (m.event === 'valve_error') throw new ValveError('fault', `the valve reports: ${m.error}`, m.error);
    }
  }

  /** Closes the connection; a wait under way ends with an 'unreachable' error. */
  close(): void {
    this.ws.removeAllListeners('close');
    this.ws.close(1000, 'done');
    this.fail(new ValveError('unreachable', `the connection to ${this.url} was closed by this client`));
  }

  private deliver(m: ValveDeviceMessage): void {
    if (this.waiter) this.waiter(m);
    else this.queue.push(m);
  }

  private fail(e: ValveError): void {
    if (this.failure) return;
    this.failure = e;
    if (this.waiter) this.waiter(e);
  }
}
