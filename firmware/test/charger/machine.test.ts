// The charger's state machine, event by event.
import { describe, it, expect } from 'vitest';
import { createChargerMachine, type ChargerMachine, type LedPattern, type SavedState, type ServerMessage } from '../../src/charger/machine.js';
import { readChargerConfig } from '../../src/charger/config.js';
import type { OutgoingMessage } from '../../src/charger/messages.js';

const T0 = 1_767_254_400; // Unix seconds at now = 0

/** The machine's effects, recorded in order. */
type ChargerAction =
  | { do: 'relay'; closed: boolean }
  | { do: 'send'; msg: OutgoingMessage }
  | { do: 'persist' }
  | { do: 'led'; pattern: LedPattern }
  | { do: 'log'; text: string }
  | { do: 'connect'; afterMs: number };

/** An event as the tests write it, handed to the machine's method of that name. */
function dispatch(m: ChargerMachine, ev: Record<string, any>): void {
  if (ev.t === 'card') m.card(ev.uid);
  else if (ev.t === 'sample') ev.ok ? m.sample(ev.v, ev.a, ev.w) : m.sampleFailed(ev.why);
  else if (ev.t === 'stop') m.stop(ev.pressed);
  else if (ev.t === 'emergency') m.emergency(ev.pressed);
  else if (ev.t === 'close') m.closed(ev.code, ev.reason, ev.rand);
  else if (ev.t === 'message') m.message(ev.m as ServerMessage);
  else throw new Error('unknown test event ' + ev.t);
}

function machine(extra: Record<string, unknown> = {}, saved: SavedState | null = null) {
  const { config } = readChargerConfig({ estacionId: 1, server: 'ws://127.0.0.1:3000/ws', ...extra });
  const acts: ChargerAction[] = [];
  let now = 0;
  const m = createChargerMachine(config, 1000, saved, {
    now: () => now,
    unix: () => T0 + Math.floor(now / 1000),
    relay: (closed) => acts.push({ do: 'relay', closed }),
    send: (msg) => acts.push({ do: 'send', msg }),
    persist: () => acts.push({ do: 'persist' }),
    led: (pattern) => acts.push({ do: 'led', pattern }),
    log: (text) => acts.push({ do: 'log', text }),
    connect: (afterMs) => acts.push({ do: 'connect', afterMs }),
  });
  m.boot();
  /** What the machine did for this one event. */
  const feed = (ev: Record<string, unknown>) => {
    const from = acts.length;
    dispatch(m, ev);
    return acts.slice(from);
  };
  const sample = (a = 16, v = 230) => {
    now += 1000;
    return feed({ t: 'sample', ok: true, v, a, w: v * a });
  };
  const sent = (out = acts) => out.filter((a) => a.do === 'send').map((a) => (a as unknown as { msg: Record<string, any> }).msg);
  const connect = () => feed({ t: 'message', m: { type: 'connected', role: 'publisher', estacionId: '1' } });
  const startSession = (id = 123) => {
    connect();
    feed({ t: 'card', uid: '04A1B2C3' });
    return feed({ t: 'message', m: { type: 'start', session_id: id, user_name: 'Juan Pérez' } });
  };
  return { m, acts, feed, sample, sent, connect, startSession, at: (ms: number) => (now = ms), get now() { return now; } };
}

describe('charger machine', () => {
  it('opens the relay before anything else at boot', () => {
    const { acts } = machine();
    expect(acts[0]).toEqual({ do: 'relay', closed: false });
  });

  it('card → nfc_scan → start → relay closed → metrics at start and every 3 s, rounded, with the energy register', () => {
    const t = machine();
    t.connect();
    expect(t.sent(t.feed({ t: 'card', uid: '04A1B2C3' }))).toEqual([{ type: 'nfc_scan', nfc_uid: '04A1B2C3' }]);
    const started = t.feed({ t: 'message', m: { type: 'start', session_id: 123, user_name: 'Juan Pérez' } });
    expect(started).toContainEqual({ do: 'relay', closed: true });
    expect(t.m.relay).toBe(true);
    const first = t.sent(t.sample(16.0004, 230.123456));
    expect(first).toEqual([{ type: 'metrics', session_id: 123, v: 230.12, a: 16, w: 3682.07, ts: T0 + 1, energy_wh: 0 }]);
    expect(t.sent(t.sample())).toEqual([]);
    expect(t.sent(t.sample())).toEqual([]);
    const second = t.sent(t.sample());
    expect(second).toHaveLength(1);
    expect(second[0]!.ts).toBe(T0 + 4);
    expect(second[0]!.energy_wh).toBeCloseTo((3680 * 3) / 3600, 1);
    // The same card does not start a second session while one runs.
    expect(t.sent(t.feed({ t: 'card', uid: '04A1B2C3' }))).toEqual([]);
  });

  it('refuses a start it did not ask for (and tells the server to end it), or one that comes too late', () => {
    const t = machine({ start_wait_s: 10 });
    t.connect();
    const out = t.feed({ t: 'message', m: { type: 'start', session_id: 9, user_name: 'X' } });
    expect(out).not.toContainEqual({ do: 'relay', closed: true });
    expect(t.sent(out)).toEqual([{ type: 'stop', session_id: 9 }]);
    t.feed({ t: 'card', uid: '04A1B2C3' });
    for (let i = 0; i < 11; i++) t.sample(0);
    expect(t.feed({ t: 'message', m: { type: 'start', session_id: 10, user_name: 'X' } })).not.toContainEqual({ do: 'relay', closed: true });
  });

  it('STOP button: relay open, a last reading, then stop; server stop: relay open, no stop back', () => {
    const t = machine();
    t.startSession(123);
    t.sample();
    t.at(t.now + 500);
    const out = t.feed({ t: 'stop', pressed: true });
    expect(out[0]).toEqual({ do: 'relay', closed: false });
    expect(t.sent(out).map((x) => x.type)).toEqual(['metrics', 'stop']);
    expect(t.sent(out)[1]).toEqual({ type: 'stop', session_id: 123 });
    t.feed({ t: 'stop', pressed: false });
    t.feed({ t: 'card', uid: '04FFFFFF' });
    t.feed({ t: 'message', m: { type: 'start', session_id: 124, user_name: 'X' } });
    t.sample();
    const remote = t.feed({ t: 'message', m: { type: 'stop', session_id: 124 } });
    expect(remote[0]).toEqual({ do: 'relay', closed: false });
    expect(t.sent(remote).map((x) => x.type)).toEqual(['metrics']);
    expect(t.m.saved().s).toBeNull();
  });

  it('emergency: relay open as the very first action, emergency sent, locked out until STOP is held with the button released', () => {
    const t = machine();
    t.startSession(123);
    t.sample();
    const out = t.feed({ t: 'emergency', pressed: true });
    expect(out[0]).toEqual({ do: 'relay', closed: false });
    expect(t.sent(out)[0]).toEqual({ type: 'emergency', session_id: 123 });
    expect(t.m.saved().l).toBe(true);
    expect(out).toContainEqual({ do: 'led', pattern: 'emergency' });
    expect(t.sent(t.feed({ t: 'card', uid: '04000001' }))).toEqual([]);
    // Holding STOP while the mushroom is still pressed does not reset.
    t.feed({ t: 'stop', pressed: true });
    for (let i = 0; i < 4; i++) t.sample(0);
    expect(t.m.saved().l).toBe(true);
    t.feed({ t: 'stop', pressed: false });
    t.feed({ t: 'emergency', pressed: false });
    t.feed({ t: 'stop', pressed: true });
    t.sample(0);
    expect(t.m.saved().l).toBe(true);
    t.sample(0);
    t.sample(0);
    expect(t.m.saved().l).toBe(false);
    expect(t.sent(t.feed({ t: 'card', uid: '04000002' }))).toEqual([{ type: 'nfc_scan', nfc_uid: '04000002' }]);
  });

  it('"release" reset: releasing the emergency button clears the lockout', () => {
    const t = machine({ emergency_reset: 'release' });
    t.connect();
    expect(t.sent(t.feed({ t: 'emergency', pressed: true }))).toEqual([{ type: 'emergency' }]);
    t.feed({ t: 'emergency', pressed: false });
    expect(t.m.saved().l).toBe(false);
  });

  it('offline: readings and a stop are held (persisted), then sent stop first and readings in order after reconnecting', () => {
    const t = machine();
    t.startSession(123);
    t.sample();
    const closed = t.feed({ t: 'close', code: 1006, reason: '', rand: 0.5 });
    expect(closed.find((a) => a.do === 'connect')).toEqual({ do: 'connect', afterMs: 1000 });
    const held: ChargerAction[] = [];
    for (let i = 0; i < 9; i++) held.push(...t.sample());
    expect(t.sent(held)).toEqual([]);
    expect(held.filter((a) => a.do === 'persist')).toHaveLength(3);
    expect(t.m.saved().q.map((r) => r[4])).toEqual([T0 + 4, T0 + 7, T0 + 10]);
    t.feed({ t: 'stop', pressed: true });
    expect(t.m.saved().u).toEqual([{ type: 'stop', session_id: 123 }]);
    expect(t.m.saved().q).toHaveLength(4);
    const back = t.connect();
    // The final reading, made in the same second as the last sample, gets the next second: the
    // server keeps one reading per (session, ts) and would drop it, and the energy since with it.
    expect(t.sent(back).map((x) => (x.type === 'metrics' ? x.ts : x.type))).toEqual(['stop', T0 + 4, T0 + 7, T0 + 10, T0 + 11]);
    expect(back).toContainEqual({ do: 'persist' });
    expect(t.m.saved().q).toEqual([]);
  });

  it('the offline queue is bounded: the oldest reading goes first', () => {
    const t = machine({ queue_limit: 2 });
    t.startSession(1);
    t.feed({ t: 'close', code: 1006, reason: '', rand: 0 });
    for (let i = 0; i < 9; i++) t.sample();
    expect(t.m.saved().q.map((r) => r[4])).toEqual([T0 + 4, T0 + 7]);
    expect(t.acts).toContainEqual({ do: 'log', text: 'offline queue full: dropped the reading of ts ' + (T0 + 1) });
  });

  it('sync_request: resends readings after last_ts sent on an earlier connection, not those on their way now', () => {
    const t = machine();
    t.startSession(123);
    for (let i = 0; i < 7; i++) t.sample(); // readings at T0+1, +4, +7 on connection 1
    t.feed({ t: 'close', code: 1006, reason: '', rand: 0 });
    t.sample(); // T0+8: no reading
    t.sample(); // T0+9: nothing
    t.sample(); // T0+10: held
    const back = t.connect();
    expect(t.sent(back).map((x) => x.ts)).toEqual([T0 + 10]);
    t.feed({ t: 'message', m: { type: 'start', session_id: 123, user_name: 'Juan Pérez' } }); // repeated on reconnect: no effect
    expect(t.m.saved().s).toBe(123);
    const sync = t.feed({ t: 'message', m: { type: 'sync_request', from: 'server', session_id: 123, last_ts: T0 + 1 } });
    expect(t.sent(sync).map((x) => x.ts)).toEqual([T0 + 4, T0 + 7]);
  });

  it('sync_request without a session while charging: the server ended it, so the relay opens', () => {
    const t = machine();
    t.startSession(5);
    t.sample();
    const out = t.feed({ t: 'message', m: { type: 'sync_request', from: 'server' } });
    expect(out[0]).toEqual({ do: 'relay', closed: false });
    expect(t.sent(out).map((x) => x.type)).toEqual(['metrics']);
    expect(t.m.saved().s).toBeNull();
  });

  it('after a power cut: the interrupted session is stopped first on reconnect, its repeated start ignored, the queue kept', () => {
    const saved: SavedState = { e: 1234.5, s: 77, l: false, u: [], q: [[77, 230, 16, 3680, T0 - 10, 1234.5]] };
    const t = machine({}, saved);
    expect(t.acts[0]).toEqual({ do: 'relay', closed: false });
    expect(t.m.saved().e).toBe(1234.5);
    const back = t.connect();
    expect(t.sent(back)).toEqual([
      { type: 'stop', session_id: 77 },
      { type: 'metrics', session_id: 77, v: 230, a: 16, w: 3680, ts: T0 - 10, energy_wh: 1234.5 },
    ]);
    const start = t.feed({ t: 'message', m: { type: 'start', session_id: 77, user_name: 'X' } });
    expect(t.sent(start)).toEqual([]);
    expect(t.m.relay).toBe(false);
  });

  it('an emergency lockout survives a reboot', () => {
    const t = machine({}, { e: 0, s: null, l: true, u: [{ type: 'emergency' }], q: [] });
    expect(t.m.saved().l).toBe(true);
    expect(t.sent(t.connect())).toEqual([{ type: 'emergency' }]);
    expect(t.sent(t.feed({ t: 'card', uid: '04000001' }))).toEqual([]);
  });

  it('INA226 fault: relay open, the session stopped, cards refused until the meter answers again', () => {
    const t = machine();
    t.startSession(3);
    t.sample();
    t.at(t.now + 1000);
    const out = t.feed({ t: 'sample', ok: false, why: "jshI2CRead: slave doesn't ACK the transfer" });
    expect(out[0]).toEqual({ do: 'relay', closed: false });
    expect(t.sent(out)).toEqual([{ type: 'stop', session_id: 3 }]);
    expect(out).toContainEqual({ do: 'led', pattern: 'fault' });
    expect(t.sent(t.feed({ t: 'card', uid: '04000001' }))).toEqual([]);
    t.sample(0);
    expect(t.m.meterFault).toBe('');
    expect(t.sent(t.feed({ t: 'card', uid: '04000001' }))).toEqual([{ type: 'nfc_scan', nfc_uid: '04000001' }]);
  });

  it('overcurrent opens the relay and stops the session', () => {
    const t = machine({ max_current_a: 20 });
    t.startSession(4);
    t.sample(16);
    const out = t.sample(25);
    expect(out[0]).toEqual({ do: 'relay', closed: false });
    expect(t.sent(out).map((x) => x.type)).toEqual(['metrics', 'stop']);
  });

  it('server silence beyond the configured limit while charging opens the relay', () => {
    const t = machine({ silence_limit_s: 5 });
    t.startSession(6);
    t.feed({ t: 'close', code: 1006, reason: '', rand: 0 });
    for (let i = 0; i < 5; i++) t.sample();
    expect(t.m.relay).toBe(true);
    t.sample();
    expect(t.m.relay).toBe(false);
    expect(t.m.saved().u).toEqual([{ type: 'stop', session_id: 6 }]);
  });

  it('a refused token is reported with its close code and retried with a growing delay, never at once', () => {
    const t = machine();
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const out = t.feed({ t: 'close', code: 4003, reason: 'Token inválido', rand: 0 });
      expect(out).toContainEqual({ do: 'log', text: 'server refused the connection: 4003 Token inválido' });
      delays.push((out.find((a) => a.do === 'connect') as { afterMs: number }).afterMs);
    }
    expect(delays).toEqual([1000, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(t.acts).toContainEqual({ do: 'led', pattern: 'error' });
    t.connect();
    expect((t.feed({ t: 'close', code: 1006, reason: '', rand: 0.999 }).find((a) => a.do === 'connect') as { afterMs: number }).afterMs).toBe(1000);
  });

  it('server error: logged and shown on the LED for a while; a refused card clears the wait for start', () => {
    const t = machine();
    t.connect();
    t.feed({ t: 'card', uid: '0400BEEF' });
    const out = t.feed({ t: 'message', m: { type: 'error', message: 'Tarjeta 0400BEEF no registrada', code: 'UNKNOWN_CARD' } });
    expect(out).toContainEqual({ do: 'log', text: 'server error UNKNOWN_CARD: Tarjeta 0400BEEF no registrada' });
    expect(out).toContainEqual({ do: 'led', pattern: 'error' });
    expect(t.feed({ t: 'message', m: { type: 'start', session_id: 8, user_name: 'X' } })).not.toContainEqual({ do: 'relay', closed: true });
    for (let i = 0; i < 6; i++) t.sample(0);
    expect(t.acts[t.acts.length - 1]).toEqual({ do: 'led', pattern: 'idle' });
  });

  it('a long backlog goes out oldest first, 20 readings a second, with new readings queued behind it', () => {
    const t = machine();
    t.startSession(1);
    t.feed({ t: 'close', code: 1006, reason: '', rand: 0 });
    for (let i = 0; i < 90; i++) t.sample(); // 30 held
    const first = t.sent(t.connect());
    expect(first.map((x) => x.ts)).toEqual(Array.from({ length: 20 }, (_, i) => T0 + 1 + 3 * i));
    const rest: Record<string, unknown>[] = [];
    for (let i = 0; i < 3; i++) rest.push(...t.sent(t.sample()));
    expect(rest.map((x) => x.ts)).toEqual([...Array.from({ length: 10 }, (_, i) => T0 + 61 + 3 * i), T0 + 91]);
  });

  it('a message the socket refused is kept for the next connection, urgent ones first', () => {
    const t = machine();
    t.startSession(1);
    t.sample();
    t.m.unsent({ type: 'metrics', session_id: 1, v: 230, a: 16, w: 3680, ts: T0 + 1, energy_wh: 0 });
    t.m.unsent({ type: 'stop', session_id: 1 });
    expect(t.m.saved().u).toEqual([{ type: 'stop', session_id: 1 }]);
    expect(t.m.saved().q).toEqual([[1, 230, 16, 3680, T0 + 1, 0]]);
  });
});
