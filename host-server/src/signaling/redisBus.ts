// The router's Redis: one connection for presence commands, one for publishing, one subscribed
// to the spec's channel. Publishes have a connection of their own so routed messages never wait
// behind a large presence read (a check of thousands of devices), and carry no per-command timer
// (a publish fails with its connection, it cannot hang on its own). None ever queues work while
// Redis is away (commands fail at once, so local routing never waits on it); all reconnect by
// themselves. Up means all are ready and the subscription confirmed; the router is told each time
// that changes, so it re-announces its presence when Redis comes back. Errors are counted and logged (at most every
// 10 s per connection), never thrown at the process.
import { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { RedisErrorLog } from '../redisErrorLog.js';
import { CHANNEL } from './redisKeys.js';

export interface BusEvents {
  /** A frame as Redis delivered it: bytes, so frames for other instances are dropped undecoded. */
  frame(raw: Buffer): void;
  up(): void;
  down(): void;
}

const RETRY_MAX_MS = 1000;

// Presence writes as scripts, so each is one atomic step. KEYS: user devices hash, presence key,
// instance's device set. take: this socket now holds the device. claim: the same unless another
// socket took it meanwhile (0). release: forget it if this socket still holds it (1). reap: as
// release, but also when nobody holds it any more (the hash expired with a dead instance).
const SCRIPTS = {
  take: `redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4]) redis.call('SADD', KEYS[3], ARGV[5]) redis.call('PEXPIRE', KEYS[3], ARGV[6]) return 1`,
  claim: `local cur = redis.call('HGET', KEYS[1], ARGV[1]) if cur and cur ~= ARGV[2] then redis.call('SREM', KEYS[3], ARGV[5]) return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4]) redis.call('SADD', KEYS[3], ARGV[5]) redis.call('PEXPIRE', KEYS[3], ARGV[6]) return 1`,
  release: `redis.call('SREM', KEYS[3], ARGV[3]) if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
redis.call('HDEL', KEYS[1], ARGV[1]) redis.call('DEL', KEYS[2]) return 1 end return 0`,
  reap: `local cur = redis.call('HGET', KEYS[1], ARGV[1]) if (not cur) or cur == ARGV[2] then
redis.call('HDEL', KEYS[1], ARGV[1]) redis.call('DEL', KEYS[2]) return 1 end return 0`,
};

export type PresenceRedis = Redis & {
  take(k1: string, k2: string, k3: string, device: string, socketId: string, info: string, ttlMs: number, member: string, setTtlMs: number): Promise<number>;
  claim(k1: string, k2: string, k3: string, device: string, socketId: string, info: string, ttlMs: number, member: string, setTtlMs: number): Promise<number>;
  release(k1: string, k2: string, k3: string, device: string, socketId: string, member: string): Promise<number>;
  reap(k1: string, k2: string, device: string, socketId: string): Promise<number>;
};

export class RedisBus {
  readonly cmd: PresenceRedis;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private cmdReady = false;
  private pubReady = false;
  private subReady = false;
  private wasUp = false;
  private closing = false;
  private readonly errors: RedisErrorLog;

  constructor(
    url: string,
    private readonly events: BusEvents,
    private readonly o: { log: Logger; metrics: Metrics },
  ) {
    this.errors = new RedisErrorLog({ ...o, metric: 'espfleet_signaling_redis_errors_total', message: 'signaling Redis error; local routing goes on' });
    const common = {
      retryStrategy: (n: number) => Math.min(50 * n, RETRY_MAX_MS),
      connectTimeout: 2000,
      lazyConnect: false,
    };
    this.cmd = new Redis(url, { ...common, enableOfflineQueue: false, enableAutoPipelining: true, commandTimeout: 2000, maxRetriesPerRequest: 0 }) as PresenceRedis;
    this.cmd.defineCommand('take', { numberOfKeys: 3, lua: SCRIPTS.take });
    this.cmd.defineCommand('claim', { numberOfKeys: 3, lua: SCRIPTS.claim });
    this.cmd.defineCommand('release', { numberOfKeys: 3, lua: SCRIPTS.release });
    this.cmd.defineCommand('reap', { numberOfKeys: 2, lua: SCRIPTS.reap });
    // Not auto-pipelined: the router already packs a turn's routed messages into one publish per instance.
    this.pub = new Redis(url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    // The subscriber subscribes on each (re)connect itself, and counts as ready only once Redis
    // confirmed it: until then frames published to the channel would not reach this instance.
    this.sub = new Redis(url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: null, autoResubscribe: false });

    o.metrics.gauge('espfleet_signaling_redis_up', 'Signaling Redis connections ready (1) or not (0)', () => (this.up ? 1 : 0));
    o.metrics.describe('espfleet_signaling_redis_errors_total', 'Signaling Redis errors, by connection or operation');
    o.metrics.describe('espfleet_signaling_redis_lost_total', 'Times the signaling Redis connection was lost');

    this.watch(this.cmd, 'commands', (ready) => (this.cmdReady = ready));
    this.watch(this.pub, 'publisher', (ready) => (this.pubReady = ready));
    this.watch(this.sub, 'subscriber', (ready) => {
      if (!ready) return (this.subReady = false);
      this.sub.subscribe(CHANNEL).then(
        () => {
          this.subReady = this.sub.status === 'ready';
          this.changed();
        },
        (e: Error) => this.failed('subscribe', e),
      );
    });
    this.sub.on('messageBuffer', (_channel: Buffer, raw: Buffer) => events.frame(raw));
  }

  get up(): boolean {
    return this.cmdReady && this.pubReady && this.subReady;
  }

  /** Publishes to the channel at once; false (and nothing sent) while Redis is away. */
  publish(raw: string): boolean {
    if (!this.up) return false;
    this.pub.publish(CHANNEL, raw).catch(this.publishFailed);
    return true;
  }

  /** Publishes several frames, in order, in one write; false (and nothing sent) while Redis is away. */
  publishAll(raws: string[]): boolean {
    if (!this.up) return false;
    if (raws.length === 1) return this.publish(raws[0]);
    const p = this.pub.pipeline();
    for (const raw of raws) p.publish(CHANNEL, raw);
    p.exec().then((results) => {
      const e = results?.find(([err]) => err)?.[0];
      if (e) this.publishFailed(e);
    }, this.publishFailed);
    return true;
  }

  private readonly publishFailed = (e: Error) => this.failed('publish', e);

  /** Counts and logs an error of `op` (rate-limited), for callers that caught one. */
  failed(op: string, e: Error): void {
    this.errors.failed(op, e);
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

  private changed(): void {
    if (this.closing || this.up === this.wasUp) return;
    this.wasUp = this.up;
    if (this.up) {
      this.o.log.info('signaling Redis ready');
      this.events.up();
    } else {
      this.o.metrics.inc('espfleet_signaling_redis_lost_total');
      this.o.log.warn('signaling Redis lost: cross-instance routing refused until it is back');
      this.events.down();
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    const quit = (r: Redis) => Promise.race([r.quit().catch(() => undefined), new Promise((ok) => setTimeout(ok, 1000).unref())]).then(() => r.disconnect());
    await Promise.all([quit(this.cmd), quit(this.pub), quit(this.sub)]);
  }
}
