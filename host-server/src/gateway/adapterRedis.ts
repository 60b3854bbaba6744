// The Socket.io Redis adapter's two connections, made safe to lose. The adapter fires its
// PUBLISH and (P)SUBSCRIBE commands and never looks at the result, so while Redis is away each
// would be an unhandled rejection: here every command's failure is handled and counted. The
// publisher queues nothing (an emit fails at once and reaches this instance's clients only); the
// subscriber keeps its subscriptions, made before or during the outage, until it is connected
// again. Both reconnect by themselves. An outage is logged once, and its end once.
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';

const UP = 'espfleet_gateway_redis_up';
const ERRORS = 'espfleet_gateway_redis_errors_total';
const LOST = 'espfleet_gateway_redis_lost_total';
const RETRY_MAX_MS = 1000;

/** A connection whose commands' failures go to `failed` rather than to whoever ignored them. */
class HandledRedis extends Redis {
  constructor(
    url: string,
    options: RedisOptions,
    private readonly failed: (e: Error) => void,
  ) {
    super(url, options);
  }

  override sendCommand(...[command, stream]: Parameters<Redis['sendCommand']>): unknown {
    command.promise.catch((e: Error) => this.failed(e));
    return super.sendCommand(command, stream);
  }
}

export class AdapterRedis {
  readonly pub: Redis;
  readonly sub: Redis;
  private pubReady = false;
  private subReady = false;
  private wasUp = false;
  /** The current outage was logged. */
  private reported = false;
  private closing = false;

  constructor(
    url: string,
    private readonly o: { log: Logger; metrics: Metrics },
  ) {
    // No CLIENT SETINFO: a server too old for it refuses it, which would count as an error here.
    const common = { retryStrategy: (n: number) => Math.min(50 * n, RETRY_MAX_MS), connectTimeout: 2000, lazyConnect: false, disableClientInfo: true };
    this.pub = new HandledRedis(url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 0 }, (e) => this.failed('publisher', e));
    this.sub = new HandledRedis(url, { ...common, enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: true }, (e) => this.failed('subscriber', e));
    o.metrics.gauge(UP, 'Device gateway Redis connections ready (1) or not (0)', () => (this.up ? 1 : 0));
    o.metrics.describe(ERRORS, 'Device gateway Redis errors, by connection');
    o.metrics.describe(LOST, 'Times the device gateway lost its Redis connection');
    this.watch(this.pub, 'publisher', (ready) => (this.pubReady = ready));
    this.watch(this.sub, 'subscriber', (ready) => (this.subReady = ready));
  }

  get up(): boolean {
    return this.pubReady && this.subReady;
  }

  private watch(r: Redis, name: string, set: (ready: boolean) => void): void {
    r.on('error', (e: Error) => this.failed(name, e));
    r.on('ready', () => {
      set(true);
      this.changed();
    });
    r.on('close', () => {
      set(false);
      this.changed();
    });
  }

  private failed(connection: string, e: Error): void {
    this.o.metrics.inc(ERRORS, { connection });
    if (this.closing || this.reported) return;
    this.reported = true;
    this.o.log.warn({ connection, err: e.message }, "gateway: Redis unavailable; events reach this instance's clients only until it is back");
  }

  private changed(): void {
    if (this.closing || this.up === this.wasUp) return;
    this.wasUp = this.up;
    if (this.up) {
      if (this.reported) this.o.log.info('gateway: Redis back; events reach every instance again');
      this.reported = false;
    } else {
      this.o.metrics.inc(LOST);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    // QUIT would wait in the subscriber's queue for as long as Redis is away.
    const quit = (r: Redis) => Promise.race([r.quit().catch(() => undefined), new Promise((ok) => setTimeout(ok, 1000).unref())]).then(() => r.disconnect());
    await Promise.all([quit(this.pub), quit(this.sub)]);
  }
}
