// The charger as a pure state machine: events in (a card, a server message, a button, a meter
// sample, the connection closing), effects out through ChargerIO (relay, send, persist, LED,
// log, reconnect). No Espruino globals here; main.ts wires it to the hardware and the socket.
// (A closure, not a class: its state lives in locals the minifier shortens.)
import { backoffDelay } from './backoff.js';
import type { ChargerConfig } from './config.js';
import { sentReadings } from './outbox.js';
import {
  emergencyMessage,
  makeReading,
  metricsMessage,
  stopMessage,
  type OutgoingMessage,
  type Reading,
  type UrgentMessage,
} from './messages.js';

/** A server message after the protocol codec has validated it. */
export interface ServerMessage {
  type: 'connected' | 'start' | 'stop' | 'error' | 'sync_request';
  session_id?: number;
  user_name?: string;
  message?: string;
  code?: string;
  last_ts?: number;
}

export type LedPattern = 'idle' | 'charging' | 'offline' | 'error' | 'fault' | 'emergency';

/** The clocks the machine reads and the effects it has, in the order it decides them. */
export interface ChargerIO {
  /** Milliseconds of a clock that SNTP does not move (Espruino's getTime() × 1000). */
  now(): number;
  /** Unix seconds, for readings' `ts`. */
  unix(): number;
  relay(closed: boolean): void;
  send(msg: OutgoingMessage): void;
  /** Save `saved()` to Storage. */
  persist(): void;
  led(pattern: LedPattern): void;
  log(text: string): void;
  /** Open the server connection again after this long. */
  connect(afterMs: number): void;
}

/** What survives a reboot (Storage), in a compact form. */
export interface SavedState {
  /** Energy register, Wh. */
  e: number;
  /** Session in progress when saved (its id). */
  s: number | null;
  /** Emergency lockout. */
  l: boolean;
  u: UrgentMessage[];
  q: Reading[];
}

export interface ChargerMachine {
  /** Whether the relay is closed (charging). */
  readonly relay: boolean;
  /** Why the meter (INA226) is not answering, or `''`. */
  readonly meterFault: string;
  /** Booting: the relay open before anything else. */
  boot(): void;
  saved(): SavedState;
  /** A card placed on the reader (its UID in hex). */
  card(uid: string): void;
  /** A meter sample, one every `sampleMs`. */
  sample(v: number, a: number, w: number): void;
  /** A meter sample that failed (the chip did not answer). */
  sampleFailed(why: string): void;
  /** The NFC reader's state: `''` when it answers. */
  nfc(fault: string): void;
  stop(pressed: boolean): void;
  emergency(pressed: boolean): void;
  /** The server connection closed; `rand` in [0, 1) jitters the retry. */
  closed(code: number, reason: string, rand: number): void;
  message(m: ServerMessage): void;
  /** A message the socket would not take (it closed or its buffer is full): kept for the next connection.
   *  Called from inside the `send` effect of the event being handled. */
  unsent(m: OutgoingMessage): void;
}

/** Close codes the server uses to refuse a publisher (the seed's 4003–4006, and 4001/4002 kept for auth). */
export function refusalText(code: number, reason: string): string {
  if (code >= 4001 && code <= 4006) return 'server refused the connection: ' + code + (reason ? ' ' + reason : '');
  return '';
}

const ERROR_SHOWN_MS = 5000;
/** Held readings sent per sample while catching up, so the socket's send buffer never overflows. */
const DRAIN_PER_SAMPLE = 20;
/** Samples between saves of the energy register while charging. */
const SAVE_EVERY_SAMPLES = 30;

export function createChargerMachine(cfg: ChargerConfig, sampleMs: number, saved: SavedState | null, io: ChargerIO): ChargerMachine {
  let relay = false;
  let session: number | null = null;
  let lockout = false;
  let energyWh = 0;
  let online = false;
  let inaFault = '';
  let nfcFault = '';
  /** `stop`/`emergency` waiting for a connection, then readings held while offline (oldest first). */
  let urgentQueue: UrgentMessage[] = [];
  let queue: Reading[] = [];
  const sent = sentReadings();
  let awaitingUntil = -1;
  /** The session this charger ended last (its `stop` is sent or waiting). */
  let lastEnded: number | null = null;
  let conn = 0;
  let attempts = 0;
  let offlineSince = io.now();
  let emergencyPressed = false;
  let stopHeldSince = -1;
  let errorUntil = -1;
  let led: LedPattern | '' = '';
  /** The last good sample: [v, a, w, now]. */
  let last: number[] | null = null;
  let samplesSinceReading = 0;
  const readingEvery = Math.max(1, Math.round(cfg.metricsIntervalMs / sampleMs));
  let samplesSinceSave = 0;
  /** The time of the event being handled. */
  let now = 0;
  let unix = 0;
  /** The ts of the last reading made: each reading gets a later one. */
  let lastTs = 0;

  if (saved) {
    energyWh = saved.e;
    lockout = saved.l;
    urgentQueue = saved.u;
    queue = saved.q;
    // The relay opened with the power: a session that was running is over, and the server is told so.
    if (saved.s !== null) {
      urgentQueue.push(stopMessage(saved.s));
      lastEnded = saved.s;
    }
  }

  const log = io.log;
  const persist = io.persist;
  const send = io.send;

  /** Starts handling an event: its time, read once. */
  function at(): void {
    now = io.now();
    unix = io.unix();
  }

  /** Ends handling an event: the LED shows the state it left. */
  function showState(): void {
    const pattern: LedPattern = lockout
      ? 'emergency'
      : inaFault || nfcFault
        ? 'fault'
        : now < errorUntil
          ? 'error'
          : !online
            ? 'offline'
            : session !== null
              ? 'charging'
              : 'idle';
    if (pattern !== led) {
      led = pattern;
      io.led(pattern);
    }
  }

  function openRelay(): void {
    io.relay(false);
    relay = false;
  }

  function sendReading(r: Reading): void {
    sent.sent(r, conn);
    send(metricsMessage(r));
  }

  function urgent(m: UrgentMessage): void {
    if (online) send(m);
    else urgentQueue.push(m);
  }

  function reading(p?: number[]): void {
    const s = p || last;
    if (!s || session === null) return;
    samplesSinceReading = 0;
    // The server keeps one reading per (session, second): a final reading in the same second as
    // the last sample would be dropped as a replay, and the energy since with it.
    lastTs = unix > lastTs ? unix : lastTs + 1;
    const r = makeReading(session, s[0], s[1], s[2], lastTs, energyWh);
    // Behind readings still held, a new one waits its turn.
    if (online && !queue.length) return sendReading(r);
    queue.push(r);
    if (queue.length > cfg.queueLimit) log('offline queue full: dropped the reading of ts ' + queue.shift()![4]);
    persist();
  }

  /** A last reading as the relay opens: the register brought up to now at the last power seen. */
  function finalReading(): void {
    const p = last;
    if (!p) return;
    if (now > p[3] && now - p[3] <= 3 * sampleMs) energyWh += (p[2] * (now - p[3])) / 3600000;
    last = [p[0], 0, 0, now];
    reading(p);
  }

  /** Opens the relay and ends the session; `tell` sends `stop` (the charger ended it). */
  function endSession(tell: boolean, noReading?: boolean): void {
    openRelay();
    const sid = session;
    if (sid === null) return;
    if (!noReading) finalReading();
    if (tell) urgent(stopMessage(sid));
    session = null;
    lastEnded = sid;
    log('session ' + sid + ' ended');
    persist();
  }

  /** Sends the oldest held readings, a batch at a time. */
  function drainSome(): void {
    const batch = queue.splice(0, DRAIN_PER_SAMPLE);
    for (let i = 0; i < batch.length; i++) sendReading(batch[i]);
    if (batch.length) persist();
  }

  function clearLockout(): void {
    lockout = false;
    log('emergency lockout reset');
    persist();
  }

  /** What follows every meter sample, good or failed. */
  function housekeeping(): void {
    if (awaitingUntil >= 0 && now > awaitingUntil) awaitingUntil = -1;
    const limit = cfg.silenceLimitMs;
    if (limit > 0 && session !== null && !online && now - offlineSince > limit) {
      endSession(true);
      log('no server connection for ' + Math.round((now - offlineSince) / 1000) + ' s while charging: stopped');
    }
    if (stopHeldSince >= 0 && now - stopHeldSince >= cfg.resetHoldMs) {
      stopHeldSince = -1;
      if (lockout) {
        if (emergencyPressed) log('emergency reset refused: the emergency button is still pressed');
        else clearLockout();
      }
    }
    if (online) drainSome();
    showState();
  }

  function connected(): void {
    online = true;
    attempts = 0;
    conn++;
    log('connected to the server');
    const urgentNow = urgentQueue;
    urgentQueue = [];
    for (let i = 0; i < urgentNow.length; i++) send(urgentNow[i]);
    if (urgentNow.length) persist();
    if (queue.length) log('sending ' + queue.length + ' reading(s) held while offline');
    drainSome();
  }

  function start(sid: number): void {
    if (sid === session) return; // the server repeats `start` when the charger reconnects
    if (sid === lastEnded) return log('start for session ' + sid + ' ignored: it has ended here');
    const asked = awaitingUntil >= 0 && now <= awaitingUntil;
    let refuse = '';
    if (!asked) refuse = 'the charger did not ask for it';
    else if (lockout) refuse = 'emergency lockout';
    else if (inaFault) refuse = 'meter fault';
    else if (session !== null) refuse = 'session ' + session + ' is running';
    if (refuse) {
      log('start for session ' + sid + ' refused: ' + refuse);
      // The server ends a session it believes is running only when told.
      return send(stopMessage(sid));
    }
    awaitingUntil = -1;
    session = sid;
    relay = true;
    io.relay(true);
    // The first sample of a session is a reading: the register's value as charging begins.
    samplesSinceReading = readingEvery - 1;
    samplesSinceSave = 0;
    log('session ' + sid + ' started');
    persist();
  }

  function sync(sid: number | undefined, lastTs: number | undefined): void {
    if (sid === undefined) {
      // The server has no session open here: one still running on this side has ended over there.
      const running = session;
      if (running !== null) {
        endSession(false);
        log('server has no open session: ended session ' + running);
      }
      return;
    }
    const resend = sent.unconfirmed(sid, lastTs === undefined ? -1 : lastTs, conn);
    for (let i = 0; i < resend.length; i++) sendReading(resend[i]);
    if (resend.length) log('sync_request: resent ' + resend.length + ' reading(s)');
  }

  function message(m: ServerMessage): void {
    const t = m.type;
    if (t === 'connected') return connected();
    if (t === 'start') return start(m.session_id as number);
    if (t === 'stop') {
      if (m.session_id === session) return endSession(false);
      return log('server stop for session ' + m.session_id + ' ignored: not running here');
    }
    if (t === 'error') {
      log('server error ' + (m.code || '') + ': ' + m.message);
      errorUntil = now + ERROR_SHOWN_MS;
      const c = m.code;
      if (c === 'UNKNOWN_CARD' || c === 'USER_BLOCKED' || c === 'STATION_BUSY' || c === 'STATION_EMERGENCY') awaitingUntil = -1;
      return;
    }
    if (t === 'sync_request') sync(m.session_id, m.last_ts);
  }

  return {
    get relay() {
      return relay;
    },
    get meterFault() {
      return inaFault;
    },

    boot() {
      at();
      openRelay();
      if (urgentQueue.length || lockout) persist();
      if (lockout) log('emergency lockout still set: charging is refused until it is reset');
      showState();
    },

    saved: () => ({ e: energyWh, s: session, l: lockout, u: urgentQueue, q: queue }),

    card(uid) {
      at();
      const ignored = lockout
        ? 'emergency lockout'
        : session !== null
          ? ''
          : inaFault
            ? 'meter fault (' + inaFault + ')'
            : !online
              ? 'not connected to the server'
              : '';
      if (ignored) log('card ' + uid + ' ignored: ' + ignored);
      else if (session === null) {
        awaitingUntil = now + cfg.startWaitMs;
        send({ type: 'nfc_scan', nfc_uid: uid });
      }
      showState();
    },

    sample(v, a, w) {
      at();
      if (inaFault) log('INA226 answering again');
      inaFault = '';
      // The register counts what flows through the meter, session or not (trapezoid between samples).
      const p = last;
      if (p && now > p[3] && now - p[3] <= 3 * sampleMs) energyWh += ((p[2] + w) / 2) * (now - p[3]) / 3600000;
      last = [v, a, w, now];
      if (relay && a > cfg.maxCurrentA) {
        endSession(true);
        log('overcurrent: ' + a + ' A above the ' + cfg.maxCurrentA + ' A limit');
      } else if (session !== null) {
        if (++samplesSinceReading >= readingEvery) reading();
        if (++samplesSinceSave >= SAVE_EVERY_SAMPLES) {
          samplesSinceSave = 0;
          persist();
        }
      }
      housekeeping();
    },

    sampleFailed(why) {
      at();
      last = null;
      if (relay || session !== null) endSession(true, true);
      if (!inaFault) log('INA226 fault: ' + why);
      inaFault = why;
      housekeeping();
    },

    nfc(fault) {
      at();
      if (fault !== nfcFault) log(fault ? 'NFC reader fault: ' + fault : 'NFC reader ready');
      nfcFault = fault;
      showState();
    },

    stop(pressed) {
      at();
      if (!pressed) stopHeldSince = -1;
      else if (session !== null) endSession(true);
      else if (lockout && cfg.emergencyReset === 'hold_stop') stopHeldSince = now;
      showState();
    },

    emergency(pressed) {
      at();
      emergencyPressed = pressed;
      if (!pressed) {
        if (lockout && cfg.emergencyReset === 'release') clearLockout();
      } else {
        // The relay opens first, before anything else is decided or sent.
        openRelay();
        lockout = true;
        log('EMERGENCY STOP');
        const sid = session;
        urgent(emergencyMessage(sid));
        if (sid !== null) {
          finalReading();
          lastEnded = sid;
        }
        session = null;
        awaitingUntil = -1;
        persist();
      }
      showState();
    },

    closed(code, reason, rand) {
      at();
      if (online) offlineSince = now;
      online = false;
      const refused = refusalText(code, reason);
      if (refused) {
        log(refused);
        errorUntil = now + ERROR_SHOWN_MS;
      }
      const delay = backoffDelay(attempts++, rand);
      log('connection closed (' + code + '); retrying in ' + Math.round(delay / 100) / 10 + ' s');
      io.connect(delay);
      showState();
    },

    message(m) {
      at();
      message(m);
      showState();
    },

    // Called from inside another event's `send`: that event's time still holds.
    unsent(m) {
      if (m.type === 'stop' || m.type === 'emergency') urgentQueue.unshift(m);
      else if (m.type === 'metrics') queue.unshift(makeReading(m.session_id, m.v, m.a, m.w, m.ts, m.energy_wh));
      else log('card scan not sent: connection lost');
      if (m.type !== 'nfc_scan') persist();
      showState();
    },
  };
}
