// The cluster's Redis: one connection for lease commands, one for publishing, one subscribed to
// the cluster channel. Frames of one event-loop turn go out in one PUBLISH. Nothing waits for
// Redis while it is away (commands fail at once, frames are dropped and counted: each instance
// goes on serving its own clients); all connections reconnect by themselves and `up` is told
// when all are ready again. Errors are counted and logged (at most every 10 s per kind), never
// thrown at the process.
import { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { RedisErrorLog } from '../redisErrorLog.js';
import { encodeBatch, decodeBatch, type Frame } from './clusterCodec.js';

export interface ClusterBusEvents {
  /** The frames of another instance's publish. */
  frames(frames: Frame[], origin: string): void;
  up(): void;
  down(): void;
}

const RETRY_MAX_MS = 1000;

/**
 * The channel of a Redis URL's logical database: pub/sub is shared by the whole server, keys are
 * per database, so deployments (and test runs) on different databases stay apart.
 */
export function channelOf(db: number): string {
  return `espfleet:cluster:${db}`;
}

export class ClusterBus {
  readonly cmd: Redis;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly channel: string;
  private ready = { cmd: false, pub: false, sub: false };
  private wasUp = false;
  private closing = false;
  private readonly errors: RedisErrorLog;
  private outgoing: Frame[] = [];
  private flushing = false;

  constructor(
    url: string,
    readonly id: string,
    private readonly events: ClusterBusEvents,
    private readonly o: { log: Logger; metrics: Metrics },
  ) {
    this.errors = new RedisErrorLog({ ...o, metric: 'espfleet_cluster_redis_errors_total', message: 'cluster Redis error; this instance goes on serving its own clients' });
    const common = { retryStrategy: (n: number) => Math.min(50 * n, RETRY_MAX_MS), connectTimeout: 2000 };
    this.cmd = new Redis(url, { ...common, enableOfflineQueue: false, enableAutoPipelining: true, commandTimeout: 2000, maxRetriesPerRequest: 0 });
    this.pub = new Redis(url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    this.sub = new Redis(url, { ...common, enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: true });
    this.channel = channelOf(this.cmd.options.db ?? 0);

    o.metrics.gauge('espfleet_cluster_redis_up', 'Cluster Redis connections ready (1) or not (0)', () => (this.up ? 1 : 0));
    o.metrics.describe('espfleet_cluster_redis_errors_total', 'Cluster Redis errors, by connection or operation');
    o.metrics.describe('espfleet_cluster_redis_lost_total', 'Times the cluster Redis connection was lost');
    o.metrics.describe('espfleet_cluster_frames_total', 'Cluster frames published, received, or dropped while Redis was away');

    this.watch(this.cmd, 'cmd');
    this.watch(this.pub, 'pub');
    this.watch(this.sub, 'sub');
    this.sub.on('message', (_channel: string, raw: string) => this.received(raw));
    this.sub.subscribe(this.channel).catch((e: Error) => this.failed('subscribe', e));
  }

  get up(): boolean {
    return this.ready.cmd && this.ready.pub && this.ready.sub;
  }

  /** Queues a frame for this turn's publish; dropped (and counted) while Redis is away. */
  send(f: Frame): void {
    if (!this.up) {
      this.o.metrics.inc('espfleet_cluster_frames_total', { how: 'dropped' });
      return;
    }
    this.outgoing.push(f);
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(this.flush);
    }
  }

  private readonly flush = () => {
    this.flushing = false;
    const frames = this.outgoing;
    this.outgoing = [];
    if (!frames.length) return;
    if (!this.up) {
      this.o.metrics.inc('espfleet_cluster_frames_total', { how: 'dropped' }, frames.length);
      return;
    }
    this.o.metrics.inc('espfleet_cluster_frames_total', { how: 'published' }, frames.length);
    this.pub.publish(this.channel, encodeBatch(this.id, frames)).catch((e: Error) => this.failed('publish', e));
  };

  private received(raw: string): void {
    const b = decodeBatch(raw);
    if (!b) return this.failed('decode', new Error('a publish on the cluster channel is not a frame batch'));
    if (b.origin === this.id) return;
    if (b.bad) this.failed('decode', new Error(`${b.bad} frame(s) of instance ${b.origin} not understood`));
    this.o.metrics.inc('espfleet_cluster_frames_total', { how: 'received' }, b.frames.length);
    this.events.frames(b.frames, b.origin);
  }

  /** Counts and logs an error of `op` (rate-limited), for callers that caught one. */
  failed(op: string, e: Error): void {
    this.errors.failed(op, e);
  }

  private watch(r: Redis, name: 'cmd' | 'pub' | 'sub'): void {
    r.on('error', (e: Error) => this.failed(name, e));
    r.on('ready', () => {
      this.ready[name] = true;
      this.changed();
    });
    r.on('close', () => {
      this.ready[name] = false;
      this.changed();
    });
  }

  private changed(): void {
    if (this.closing || this.up === this.wasUp) return;
    this.wasUp = this.up;
    if (this.up) {
      this.o.log.info({ instance: this.id }, 'cluster Redis ready');
      this.events.up();
    } else {
      this.o.metrics.inc('espfleet_cluster_redis_lost_total');
      this.o.log.warn({ instance: this.id }, 'cluster Redis lost: serving this instance\'s clients alone until it is back');
      this.events.down();
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    this.flush();
    const quit = (r: Redis) => Promise.race([r.quit().catch(() => undefined), new Promise((ok) => setTimeout(ok, 1000).unref())]).then(() => r.disconnect());
    await Promise.all([quit(this.cmd), quit(this.pub), quit(this.sub)]);
  }
}
