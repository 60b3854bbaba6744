// The signaling router at /socket/ (docs/specs/signaling-router-websocket.md): devices register
// with a login token, list their connected users' online devices, and route try_connect, SDP and
// ICE messages to each other's devices — on this instance first, then over Redis to the others.
// Each socket's messages are handled in order; a message that waits on the database or Redis
// holds the ones behind it. Across instances, a message to a device whose holder this instance
// knows (RemoteDevices: from the joins every instance announces, and from acks) is published
// once, addressed to it, and answered only in bulk or on a miss (Outbox); one to a device it does
// not know is broadcast and acknowledged by its holder, which teaches the view.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Route } from '../ws/upgrade.js';
import type { Peer } from '../ws/peer.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Accounts } from '../users/accounts.js';
import type { Store } from '../storage/store.js';
import { ConnectionCache } from './connections.js';
import { LocalPresence } from './presence.js';
import { Bucket, KeyedBuckets, limitMessage, perMinute, perSecond, type Rate } from './rateLimit.js';
import { RedisBus } from './redisBus.js';
import { RedisPresence, type PresentDevice } from './redisPresence.js';
import { Outbox, type Unanswered } from './outbox.js';
import { RemoteDevices } from './remoteDevices.js';
import {
  addressedElsewhere, decodeFrame, directEntry, directHeader, directTarget, encodeAck, encodeGone, encodeHandled, encodeHello, encodeJoined, encodeKick,
  encodePresence, encodeRoute,
  type DirectMessage,
} from './busCodec.js';
import {
  ERRORS, checkResponse, connected, error, isRouted, parseClientMessage, pong, presenceEvent, registerError, registerOk,
  routingUnavailable, sameEmail, targetNotFound, validate, type ClientMessage, type DeviceInfo, type RoutedMessage,
} from './wire.js';

export const PATH = '/socket/';
/** Closes: a socket that sent nothing for the idle timeout; a register refused (bad token, wrong email). */
export const CLOSE_IDLE = 4000;
export const CLOSE_REJECTED = 1008;
/** Messages waiting behind a slow one on a single socket before more are refused. */
const MAX_WAITING = 1000;
/** How often a holder tells each sender instance how far it has handled its direct messages. */
const ANSWER_EVERY_MS = 100;
/** A D frame is published once it reaches this many characters, without waiting for the end of the turn. */
const MAX_FRAME_CHARS = 64 * 1024;

export interface SignalingOptions {
  store: Store;
  accounts: Accounts;
  log: Logger;
  metrics: Metrics;
  redisUrl?: string;
  idleTimeoutMs: number;
  routeTimeoutMs: number;
  presenceTtlMs: number;
  maxMessageBytes: number;
  registerPerMinute: number;
  registerPerMinutePerIp: number;
  messagesPerSecond: number;
  messagesPerSecondPerIp: number;
}

class Session {
  email = '';
  deviceId = '';
  deviceName: string | null = null;
  deviceType: string | null = null;
  registered = false;
  /** Another socket of the same device took over: this one leaves without announcing. */
  replaced = false;
  /** Its presence reached Redis (false while Redis is away: announced when it is back). */
  announced = false;
  closed = false;
  lastSeen = Date.now();
  waiting?: string[];
  readonly socketId = randomUUID();
  readonly registers: Bucket;
  readonly messages: Bucket;

  constructor(readonly peer: Peer, readonly ip: string, rates: { register: Rate; messages: Rate }) {
    this.registers = new Bucket(rates.register, this.lastSeen);
    this.messages = new Bucket(rates.messages, this.lastSeen);
  }

  send(text: string): void {
    this.peer.send(text);
  }

  present(): PresentDevice {
    return { email: this.email, deviceId: this.deviceId, socketId: this.socketId, info: { socket_id: this.socketId, device_name: this.deviceName, device_type: this.deviceType } };
  }
}

interface PendingRoute {
  from: Session;
  /** As the sender wrote it (for the answers), and as routed. */
  email: string;
  to: string;
  device: string;
  timer: NodeJS.Timeout;
}

export class SignalingRouter implements Route {
  readonly name = 'signaling';
  /** 96 random bits, short because it heads every direct frame (bytes on the wire cost at every hop). */
  readonly instanceId = randomBytes(12).toString('base64url');
  private readonly self = Buffer.from(this.instanceId);
  private readonly sessions = new Map<Peer, Session>();
  private readonly local = new LocalPresence<Session>();
  private readonly connections: ConnectionCache;
  private readonly bus?: RedisBus;
  private readonly presence?: RedisPresence;
  private readonly pending = new Map<number, PendingRoute>();
  private readonly acks = new Map<string, number[]>();
  private acking?: NodeJS.Immediate;
  private readonly remote = new RemoteDevices(directTarget);
  /** Direct messages sent to each instance, waiting for its answer. */
  private readonly outboxes = new Map<string, Outbox<Session>>();
  /** What this event-loop turn routes over Redis, published at its end in one write: broadcasts, then per instance one D frame. */
  private readonly broadcasts: string[] = [];
  private readonly frames = new Map<string, string>();
  private framing?: NodeJS.Immediate;
  /** Per sender instance: the last direct message handled here, not yet answered. */
  private readonly handledFrom = new Map<string, number>();
  private answering?: NodeJS.Timeout;
  /** Devices that left while Redis was away: released and announced when it is back. */
  private unreleased: Array<{ email: string; deviceId: string; socketId: string; audience: string[] }> = [];
  /** Instances that said hello while Redis was not fully up here: told of this instance's devices when it is. */
  private readonly helloFrom = new Set<string>();
  private seq = 0;
  private readonly rates: { register: Rate; messages: Rate };
  private readonly ipRegisters: KeyedBuckets;
  private readonly ipMessages: KeyedBuckets;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly counters;

  constructor(private readonly o: SignalingOptions) {
    this.connections = new ConnectionCache(o.store);
    this.rates = { register: perMinute(o.registerPerMinute), messages: perSecond(o.messagesPerSecond) };
    this.ipRegisters = new KeyedBuckets(perMinute(o.registerPerMinutePerIp));
    this.ipMessages = new KeyedBuckets(perSecond(o.messagesPerSecondPerIp));
    const m = o.metrics;
    m.gauge('espfleet_signaling_devices', 'Devices registered on this instance', () => this.local.size);
    m.describe('espfleet_signaling_routed_total', 'Signaling messages delivered to a device, by where it was (local, remote)');
    m.describe('espfleet_signaling_target_not_found_total', 'Routed signaling messages answered with target_not_found');
    m.describe('espfleet_signaling_refused_total', 'Signaling messages refused, by reason');
    m.describe('espfleet_signaling_published_total', 'Routed signaling messages published to Redis: direct (to the instance known to hold the device), broadcast (holder unknown), retried (the holder said gone)');
    this.counters = {
      local: m.counter('espfleet_signaling_routed_total', { where: 'local' }),
      remote: m.counter('espfleet_signaling_routed_total', { where: 'remote' }),
      notFound: m.counter('espfleet_signaling_target_not_found_total'),
      direct: m.counter('espfleet_signaling_published_total', { how: 'direct' }),
      broadcast: m.counter('espfleet_signaling_published_total', { how: 'broadcast' }),
      retried: m.counter('espfleet_signaling_published_total', { how: 'retried' }),
    };
    if (o.redisUrl) {
      this.bus = new RedisBus(o.redisUrl, { frame: (raw) => this.onFrame(raw), up: () => void this.onRedisUp(), down: () => this.onRedisDown() }, o);
      this.presence = new RedisPresence(this.bus.cmd, this.instanceId, o.presenceTtlMs);
      this.every(Math.max(50, Math.floor(o.presenceTtlMs / 3)), () => this.heartbeat());
      this.every(Math.max(20, Math.min(250, Math.floor(o.routeTimeoutMs / 10))), () => this.sweepOutboxes());
    }
    this.every(Math.min(5000, Math.max(50, Math.floor(o.idleTimeoutMs / 4))), () => this.dropIdle());
    this.every(60_000, () => {
      this.ipRegisters.prune(Date.now());
      this.ipMessages.prune(Date.now());
    });
  }

  private every(ms: number, f: () => unknown): void {
    const t = setInterval(() => {
      try {
        const r = f();
        if (r instanceof Promise) r.catch((e) => this.o.log.error({ err: e }, 'signaling timer failed'));
      } catch (e) {
        this.o.log.error({ err: e }, 'signaling timer failed');
      }
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  match(path: string): Record<string, string> | undefined {
    return path === PATH ? {} : undefined;
  }

  connect(peer: Peer, _params: Record<string, string>, _query: URLSearchParams, req: IncomingMessage): void {
    this.sessions.set(peer, new Session(peer, req.socket.remoteAddress ?? 'unknown', this.rates));
  }

  message(peer: Peer, text: string): void {
    const s = this.sessions.get(peer);
    if (!s || s.closed) return;
    s.lastSeen = Date.now();
    if (s.waiting) {
      if (s.waiting.length >= MAX_WAITING) return this.refuse(s, 'busy', error(ERRORS.BUSY));
      s.waiting.push(text);
      return;
    }
    this.run(s, text);
  }

  private run(s: Session, text: string): void {
    const r = this.handle(s, text);
    if (!r) return;
    s.waiting ??= [];
    r.catch((e) => this.o.log.error({ err: e }, 'signaling message failed')).finally(() => this.drain(s));
  }

  private drain(s: Session): void {
    const queue = s.waiting!;
    s.waiting = undefined;
    while (queue.length && !s.closed) {
      const r = this.handle(s, queue.shift()!);
      if (r) {
        s.waiting = queue;
        r.catch((e) => this.o.log.error({ err: e }, 'signaling message failed')).finally(() => this.drain(s));
        return;
      }
    }
  }

  closed(peer: Peer): void {
    const s = this.sessions.get(peer);
    if (!s) return;
    this.sessions.delete(peer);
    s.closed = true;
    this.leave(s);
  }

  /** One message: a promise only when it has to wait (database, Redis). */
  private handle(s: Session, text: string): Promise<void> | void {
    const p = parseClientMessage(text, this.o.maxMessageBytes);
    if (!p.ok) return this.refuse(s, 'invalid', p.reply);
    const m = p.msg;
    if (m.event === 'register') return this.register(s, m);
    if (m.event === 'disconnect') {
      this.leave(s);
      return s.peer.close(1000, 'disconnect');
    }
    if (!s.registered) return this.refuse(s, 'not_registered', error(ERRORS.NOT_REGISTERED));
    const invalid = validate(m);
    if (invalid) return this.refuse(s, 'invalid', error(invalid));
    if ((m.from_email && sameEmail(m.from_email) !== s.email) || (isRouted(m) && m.from_device !== s.deviceId)) {
      return this.refuse(s, 'impersonation', error(ERRORS.FROM_MISMATCH));
    }
    switch (m.event) {
      case 'connect':
        return s.send(connected());
      case 'ping':
        return s.send(pong(Date.now()));
      case 'check':
        if (!this.allowMessage(s, 'check')) return;
        return this.check(s);
      default:
        if (!isRouted(m) || !this.allowMessage(s, m.event, m)) return;
        return this.route(s, m, text);
    }
  }

  private refuse(s: Session, reason: string, reply: string): void {
    this.o.metrics.inc('espfleet_signaling_refused_total', { reason });
    s.send(reply);
  }

  private allowMessage(s: Session, event: string, m?: RoutedMessage): boolean {
    const now = Date.now();
    const target = m && { email: m.to_email, device: m.to_device };
    if (!s.messages.take(now)) {
      this.refuse(s, 'rate_socket', error(limitMessage(`routed messages and checks`, 'socket', `${this.o.messagesPerSecond}/s`, s.messages.waitMs(now)) + ` (${event})`, target));
      return false;
    }
    const ip = this.ipMessages.bucket(s.ip, now);
    if (!ip.take(now)) {
      this.refuse(s, 'rate_address', error(limitMessage(`routed messages and checks`, 'address', `${this.o.messagesPerSecondPerIp}/s`, ip.waitMs(now)) + ` (${event})`, target));
      return false;
    }
    return true;
  }

  private async register(s: Session, m: Extract<ClientMessage, { event: 'register' }>): Promise<void> {
    const now = Date.now();
    if (!s.registers.take(now)) {
      return this.refuse(s, 'rate_socket', error(limitMessage('register events', 'socket', `${this.o.registerPerMinute}/min`, s.registers.waitMs(now))));
    }
    const ip = this.ipRegisters.bucket(s.ip, now);
    if (!ip.take(now)) {
      return this.refuse(s, 'rate_address', error(limitMessage('register events', 'address', `${this.o.registerPerMinutePerIp}/min`, ip.waitMs(now))));
    }
    const invalid = validate(m);
    if (invalid) return this.refuse(s, 'invalid', error(invalid));
    const email = sameEmail(m.from_email);
    let user;
    try {
      user = await this.o.accounts.userForToken(m.from_token);
    } catch (e) {
      this.o.log.error({ err: e }, 'signaling register: token lookup failed');
      return s.send(registerError('Registration failed: the user database did not answer; try again'));
    }
    if (!user || user.email !== email) {
      this.refuse(s, 'register_rejected', registerError(user ? ERRORS.EMAIL_MISMATCH : ERRORS.INVALID_TOKEN));
      return s.peer.close(CLOSE_REJECTED, 'registration rejected');
    }
    if (s.closed) return;
    if (s.registered && (s.email !== email || s.deviceId !== m.from_device)) this.leave(s);
    s.email = email;
    s.deviceId = m.from_device;
    s.deviceName = m.payload.device_name ?? null;
    s.deviceType = m.payload.device_type ?? null;
    const old = this.local.add(s);
    if (old) this.replace(old);
    this.remote.forget(email, s.deviceId);
    s.registered = true;
    let audience: Set<string>;
    try {
      audience = await this.connections.load(email);
    } catch (e) {
      this.o.log.error({ err: e }, 'signaling register: connections not read');
      audience = this.connections.peek(email) ?? new Set();
    }
    await this.announce(s);
    if (s.closed) return;
    s.send(registerOk(s.socketId));
    this.o.log.debug({ email, device: s.deviceId, socketId: s.socketId }, 'signaling device registered');
    this.broadcast('user_joined', email, s.deviceId, audience);
  }

  /** Presence in Redis, and any other socket of this device elsewhere closed. Without Redis: later. */
  private async announce(s: Session): Promise<void> {
    s.announced = false;
    if (!this.bus?.up || !this.presence) return;
    try {
      await this.presence.take(s.present());
      this.bus.publish(encodeKick(this.instanceId, s.email, s.deviceId, s.socketId));
      s.announced = true;
    } catch (e) {
      this.bus.failed('presence', e as Error);
    }
  }

  private replace(old: Session): void {
    old.replaced = true;
    old.registered = false;
    this.local.remove(old);
    old.peer.close(1000, 'replaced by a new connection of the same device');
  }

  private leave(s: Session): void {
    if (!s.registered) return;
    s.registered = false;
    if (!this.local.remove(s) || s.replaced) return;
    const audience = [...(this.connections.peek(s.email) ?? [])];
    if (!this.local.hasUser(s.email)) this.connections.forget(s.email);
    const gone = { email: s.email, deviceId: s.deviceId, socketId: s.socketId, audience };
    this.broadcastLocal('user_left', s.email, s.deviceId, audience);
    if (this.bus?.up && this.presence) {
      this.bus.publish(encodePresence(this.instanceId, 'user_left', s.email, s.deviceId, audience));
      this.presence.release(gone).catch((e: Error) => {
        this.bus!.failed('presence', e);
        this.unreleased.push(gone);
      });
    } else if (this.bus) {
      this.unreleased.push(gone);
    }
  }

  private broadcastLocal(event: 'user_joined' | 'user_left', email: string, deviceId: string, audience: Iterable<string>): void {
    let text: string | undefined;
    for (const a of audience) for (const d of this.local.devicesOf(a)) d.send((text ??= presenceEvent(event, email, deviceId)));
  }

  private broadcast(event: 'user_joined' | 'user_left', email: string, deviceId: string, audience: Set<string>): void {
    this.broadcastLocal(event, email, deviceId, audience);
    if (this.bus?.up) this.bus.publish(encodePresence(this.instanceId, event, email, deviceId, [...audience]));
  }

  private async check(s: Session): Promise<void> {
    try {
      const emails = [...(await this.connections.load(s.email))];
      const found = new Map<string, Map<string, DeviceInfo>>();
      const add = (email: string, deviceId: string, info: DeviceInfo) => {
        let m = found.get(email);
        if (!m) found.set(email, (m = new Map()));
        m.set(deviceId, info);
      };
      if (this.bus?.up && this.presence && emails.length) {
        try {
          for (const [email, devices] of await this.presence.devicesOf(emails)) for (const d of devices) add(email, d.deviceId, d.info);
        } catch (e) {
          this.bus.failed('check', e as Error);
        }
      }
      for (const email of emails) for (const d of this.local.devicesOf(email)) add(email, d.deviceId, d.present().info);
      if (s.closed) return;
      s.send(checkResponse(emails.filter((e) => found.has(e)).map((email) => ({ email, devices: [...found.get(email)!.values()] }))));
    } catch (e) {
      this.o.log.error({ err: e }, 'signaling check failed');
      s.send(checkResponse([]));
    }
  }

  private route(s: Session, m: RoutedMessage, text: string): Promise<void> | void {
    const to = sameEmail(m.to_email);
    const allowed = this.connections.allows(s.email, to);
    if (allowed === true) return this.deliver(s, m, to, text);
    if (allowed === false) return this.refuse(s, 'not_connected', error(ERRORS.NOT_CONNECTED(m.to_email), { email: m.to_email, device: m.to_device }));
    return allowed.then(
      (yes) => (yes ? this.deliver(s, m, to, text) : this.refuse(s, 'not_connected', error(ERRORS.NOT_CONNECTED(m.to_email), { email: m.to_email, device: m.to_device }))),
      (e) => {
        this.o.log.error({ err: e }, 'signaling route: connections not read');
        s.send(error('Failed to route message - the user database did not answer', { email: m.to_email, device: m.to_device }));
      },
    );
  }

  private deliver(s: Session, m: RoutedMessage, to: string, text: string): void {
    const target = this.local.get(to, m.to_device);
    if (target) {
      target.send(text);
      this.counters.local.inc();
      return;
    }
    // Alone (no Redis), nobody else can hold the device.
    if (!this.bus) {
      this.counters.notFound.inc();
      return s.send(targetNotFound(m.to_email, m.to_device));
    }
    const held = this.remote.get(to, m.to_device);
    if (!held) return this.broadcastRoute(s, m.to_email, to, m.to_device, text);
    if (!this.bus.up) return this.refuse(s, 'redis_unavailable', routingUnavailable(m.to_email, m.to_device));
    const seq = ++this.seq;
    const frame = (this.frames.get(held.instance) ?? directHeader(held.instance, this.instanceId)) + directEntry(held.target, seq, text);
    this.frames.set(held.instance, frame);
    if (frame.length >= MAX_FRAME_CHARS) this.publishFrames();
    else this.framing ??= setImmediate(this.publishFrames);
    this.counters.direct.inc();
    let box = this.outboxes.get(held.instance);
    if (!box) this.outboxes.set(held.instance, (box = new Outbox()));
    // The shared record, unless the sender wrote the email otherwise (the answers repeat it as written).
    box.push(seq, s, m.to_email === held.email ? held : { email: m.to_email, device: m.to_device }, Date.now());
  }

  /** The turn's routed messages (if Redis was lost meanwhile, onRedisDown has answered them and dropped these). */
  private readonly publishFrames = () => {
    if (this.framing) clearImmediate(this.framing);
    this.framing = undefined;
    const out = this.broadcasts.splice(0);
    for (const frame of this.frames.values()) out.push(frame);
    this.frames.clear();
    if (out.length) this.bus!.publishAll(out);
  };

  /** To every instance: whichever holds the device delivers and acks; nobody within the timeout is target_not_found. */
  private broadcastRoute(s: Session, email: string, to: string, device: string, text: string): void {
    if (!this.bus!.up) return this.refuse(s, 'redis_unavailable', routingUnavailable(email, device));
    const id = ++this.seq;
    this.broadcasts.push(encodeRoute(this.instanceId, id, to, device, text));
    this.framing ??= setImmediate(this.publishFrames);
    this.counters.broadcast.inc();
    const timer = setTimeout(() => {
      this.pending.delete(id);
      this.notFound(s, email, device);
    }, this.o.routeTimeoutMs);
    this.pending.set(id, { from: s, email, to, device, timer });
  }

  private notFound(s: Session, email: string, device: string): void {
    this.counters.notFound.inc();
    s.send(targetNotFound(email, device));
  }

  private onFrame(raw: Buffer): void {
    if (addressedElsewhere(raw, this.self)) return;
    const f = decodeFrame(raw.toString());
    if (!f) return;
    switch (f.kind) {
      case 'direct':
        return this.onDirect(f.origin, f.messages);
      case 'handled':
        return this.outboxes.get(f.from)?.handled(f.seq);
      case 'gone':
        return this.onGone(f.from, f.seq, f.text);
      case 'joined':
        this.remote.learn(f.email, f.device, f.origin);
        return this.broadcastLocal('user_joined', f.email, f.device, f.audience);
      case 'ack':
        for (const id of f.ids) {
          const p = this.pending.get(id);
          if (!p) continue;
          clearTimeout(p.timer);
          this.pending.delete(id);
          this.remote.learn(p.to, p.device, f.holder);
        }
        return;
    }
    if (f.origin === this.instanceId) return;
    if (f.kind === 'hello') {
      this.helloFrom.add(f.origin);
      if (this.bus!.up) this.answerHellos();
    } else if (f.kind === 'route') {
      const target = this.local.get(f.email, f.device);
      if (!target) return;
      target.send(f.text);
      this.counters.remote.inc();
      this.ack(f.origin, f.id);
    } else if (f.kind === 'presence') {
      if (f.event === 'user_joined') this.remote.learn(f.email, f.device, f.origin);
      else this.remote.forget(f.email, f.device);
      this.broadcastLocal(f.event, f.email, f.device, f.audience);
    } else {
      this.remote.learn(f.email, f.device, f.origin);
      const s = this.local.get(f.email, f.device);
      if (s && s.socketId !== f.socketId) this.replace(s);
    }
  }

  /** Messages sent straight here: each delivered, or "gone" at once; all counted in the next bulk answer. */
  private onDirect(origin: string, messages: DirectMessage[]): void {
    for (const m of messages) {
      const target = this.local.get(m.email, m.device);
      if (target) {
        target.send(m.text);
        this.counters.remote.inc();
      } else {
        this.bus!.publish(encodeGone(origin, this.instanceId, m.seq, m.text));
      }
    }
    this.handledFrom.set(origin, messages[messages.length - 1].seq);
    this.answering ??= setTimeout(() => this.answerHandled(), ANSWER_EVERY_MS);
  }

  private answerHandled(): void {
    this.answering = undefined;
    for (const [origin, seq] of this.handledFrom) this.bus?.publish(encodeHandled(origin, this.instanceId, seq));
    this.handledFrom.clear();
  }

  /** The instance we thought held the device does not: nobody else got the message, so it is broadcast now. */
  private onGone(from: string, seq: number, text: string): void {
    const m = this.outboxes.get(from)?.gone(seq);
    if (!m) return;
    const to = sameEmail(m.to.email);
    this.remote.forget(to, m.to.device, from);
    if (m.sender.closed) return;
    this.counters.retried.inc();
    this.broadcastRoute(m.sender, m.to.email, to, m.to.device, text);
  }

  /** Direct messages unanswered for the route timeout: target_not_found, and their holder is no longer trusted. */
  private sweepOutboxes(): void {
    const before = Date.now() - this.o.routeTimeoutMs;
    for (const [instance, box] of this.outboxes) {
      const late = box.expired(before);
      if (late.length) {
        this.remote.forgetInstance(instance);
        this.o.log.warn({ instance, messages: late.length }, 'signaling instance did not answer direct messages in time: target_not_found');
        for (const m of late) this.notFound(m.sender, m.to.email, m.to.device);
      }
      if (!box.size) this.outboxes.delete(instance);
    }
  }

  /** Acks go out once per event-loop turn and origin, many ids in one frame. */
  private ack(origin: string, id: number): void {
    let ids = this.acks.get(origin);
    if (!ids) this.acks.set(origin, (ids = []));
    ids.push(id);
    this.acking ??= setImmediate(() => {
      this.acking = undefined;
      for (const [to, list] of this.acks) this.bus?.publish(encodeAck(to, this.instanceId, list));
      this.acks.clear();
    });
  }

  /**
   * Every device here, to each instance that (re)subscribed: what it heard before it listened
   * again (this instance's joins, its announcements when Redis came back) never reached it.
   */
  private answerHellos(): void {
    const frames: string[] = [];
    for (const to of this.helloFrom) {
      for (const s of this.local.all()) frames.push(encodeJoined(to, this.instanceId, s.email, s.deviceId, [...(this.connections.peek(s.email) ?? [])]));
    }
    this.helloFrom.clear();
    if (frames.length) this.bus!.publishAll(frames);
  }

  /** Redis (back): every device here is announced again; joins and leaves it missed go out now. */
  private async onRedisUp(): Promise<void> {
    const bus = this.bus!;
    const presence = this.presence!;
    // Subscribed again: the others' devices, whose announcements may have gone out before.
    bus.publish(encodeHello(this.instanceId));
    this.answerHellos();
    try {
      await presence.beat(Date.now());
      const leaving = this.unreleased;
      this.unreleased = [];
      for (const g of leaving) {
        if (await presence.release(g)) bus.publish(encodePresence(this.instanceId, 'user_left', g.email, g.deviceId, g.audience));
      }
      await this.refreshAll(true);
    } catch (e) {
      bus.failed('reannounce', e as Error);
    }
  }

  /** Every message still waiting for an answer is answered now; what this instance knew of others may be stale when Redis is back. */
  private onRedisDown(): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.from.send(routingUnavailable(p.email, p.device));
    }
    const waiting: Array<Unanswered<Session>> = [];
    for (const box of this.outboxes.values()) for (const m of box.drain()) waiting.push(m);
    this.outboxes.clear();
    this.broadcasts.length = 0;
    this.frames.clear();
    for (const m of waiting) m.sender.send(routingUnavailable(m.to.email, m.to.device));
    this.remote.clear();
    this.handledFrom.clear();
  }

  /** Refreshes every local device's presence; tells the others of those Redis had not heard of. */
  private async refreshAll(announceMissed: boolean): Promise<void> {
    const presence = this.presence!;
    await Promise.all(
      [...this.local.all()].map(async (s) => {
        if (!(await presence.claim(s.present()))) return this.replace(s);
        if (announceMissed && !s.announced) {
          s.announced = true;
          const audience = this.connections.peek(s.email) ?? new Set<string>();
          this.bus!.publish(encodePresence(this.instanceId, 'user_joined', s.email, s.deviceId, [...audience]));
        }
      }),
    );
  }

  /** The presence heartbeat: this instance's entries refreshed, dead instances' devices announced gone. */
  private async heartbeat(): Promise<void> {
    if (!this.bus?.up) return;
    const presence = this.presence!;
    try {
      const now = Date.now();
      await presence.beat(now);
      await this.refreshAll(false);
      for (const d of await presence.reapDead(now)) {
        const audience = await this.o.store.connectedEmails(d.email).catch(() => [] as string[]);
        this.broadcastLocal('user_left', d.email, d.deviceId, audience);
        this.bus.publish(encodePresence(this.instanceId, 'user_left', d.email, d.deviceId, audience));
        this.o.log.info({ email: d.email, device: d.deviceId }, 'signaling device of a dead instance announced gone');
      }
    } catch (e) {
      this.bus.failed('heartbeat', e as Error);
    }
  }

  private dropIdle(): void {
    const before = Date.now() - this.o.idleTimeoutMs;
    for (const s of this.sessions.values()) {
      if (s.lastSeen >= before) continue;
      this.o.metrics.inc('espfleet_ws_dropped_total', { route: this.name, reason: 'idle' });
      s.peer.close(CLOSE_IDLE, `idle: no message for ${Math.round(this.o.idleTimeoutMs / 1000)} s`);
      // A peer that does not answer the close is cut.
      setTimeout(() => s.peer.ws.terminate(), 2000).unref();
    }
  }

  /** A connection accepted through this instance's REST counts for routing at once. */
  accepted(a: string, b: string): void {
    this.connections.accepted(a, b);
  }

  /** Stops: every device here leaves (announced, released in Redis), then Redis is let go. */
  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    this.outboxes.clear();
    this.publishFrames();
    // The senders hear now what was delivered here, rather than a target_not_found later.
    if (this.answering) {
      clearTimeout(this.answering);
      this.answerHandled();
    }
    const releases: Promise<unknown>[] = [];
    for (const s of this.sessions.values()) {
      if (s.registered && this.presence && this.bus?.up) releases.push(this.presence.release(s.present()).catch(() => undefined));
      const wasRegistered = s.registered && !s.replaced;
      s.registered = false;
      if (wasRegistered && this.local.remove(s)) {
        const audience = [...(this.connections.peek(s.email) ?? [])];
        this.broadcastLocal('user_left', s.email, s.deviceId, audience);
        if (this.bus?.up) this.bus.publish(encodePresence(this.instanceId, 'user_left', s.email, s.deviceId, audience));
      }
      s.closed = true;
    }
    if (this.bus) {
      if (this.bus.up) releases.push(this.presence!.retire().catch(() => undefined));
      await Promise.race([Promise.all(releases), new Promise((ok) => setTimeout(ok, 2000).unref())]);
      await this.bus.close();
    }
  }
}
