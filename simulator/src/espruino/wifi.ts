// The ESP32's WiFi: WifiRadio is the host-side radio (state, faults, what `online` means), and
// createWifiModule gives the firmware Espruino's `Wifi` module over it. The runtime creates the
// radio once per simulated device (it outlives reboots, like the chip and its saved config) and
// derives DeviceHost.online/onOnlineChange from it; on every reboot or power cut it runs the host's
// stop handlers and then radio.stop().
//
// Behaviour follows libs/network/esp32/jswrap_esp32_network.c (Espruino 2v29):
// - connect(ssid, {password}, cb): cb(null) once an IP is got, with 'associated' {ssid,mac,channel}
//   then 'connected' {ip,netmask,gw} events; a failed attempt is retried (3 attempts in all), then
//   'disconnected' {ssid,mac,reason,msg} and cb(msg) — msg is the reason name, e.g.
//   "4WAY_HANDSHAKE_TIMEOUT" (wrong password) or "NO_AP_FOUND" (reason codes from ESP-IDF);
// - disconnect(cb) calls cb at once and, when a link existed, again on the 'disconnected' event;
// - getIP/getAPIP call cb(null, info); getDetails/getAPDetails call cb(details); getStatus and
//   getHostname ignore their callback; scan calls cb(list) with channel as a string;
// - setSNTP(server, zone) wants a POSIX TZ string ("Zone is not a string" otherwise);
// - startAP passwords need 8+ characters, and authMode must agree with the password.
// Timing (device time): IP 1.5 s after connect, a failed attempt 2 s (so a wrong password answers
// after 6 s), AP up after 0.1 s, scan 2 s.
//
// Simulator model: sockets are bridged to loopback, so the station and AP addresses are
// 127.0.0.1 (netmask 255.0.0.0); a network's channel, rssi and bssid derive from its ssid.
// dropFor(ms) is the WiFi-loss fault: the link (station and AP) goes now and comes back after ms.
// As on the real build, a lost station retries silently while it has attempts left: a short
// outage heals by itself ('associated', 'connected'); a longer one ends in 'disconnected', and
// the firmware must call connect() again.
import { EventEmitter } from 'node:events';
import type { Clock } from './clock.js';
import type { DeviceHost, WifiNetwork } from './host.js';
import { Emitter, Timers, espruinoObject, isObject, typeName, type EspruinoEvents } from './net.js';

const GOT_IP_MS = 1500;
const ASSOCIATE_MS = 1000;
const ATTEMPT_FAIL_MS = 2000;
const ATTEMPTS = 3;
const AP_START_MS = 100;
const SCAN_MS = 2000;
const DEFAULT_HOSTNAME = 'espressif';
const LOOPBACK = { ip: '127.0.0.1', netmask: '255.0.0.0', gw: '127.0.0.1' };
const NO_IP = { ip: '0.0.0.0', netmask: '0.0.0.0', gw: '0.0.0.0' };

/** ESP-IDF disconnect reasons the model produces, with Espruino's names for them. */
export const REASON = { ASSOC_LEAVE: 8, '4WAY_HANDSHAKE_TIMEOUT': 15, BEACON_TIMEOUT: 200, NO_AP_FOUND: 201 } as const;
const REASON_NAME = new Map<number, string>(Object.entries(REASON).map(([k, v]) => [v, k]));
const reasonName = (r: number): string => REASON_NAME.get(r) ?? 'Unknown reason';

export type StationStatus = 'off' | 'connecting' | 'connected' | 'lost';
export type AuthMode = 'open' | 'wpa' | 'wpa2' | 'wpa_wpa2';

export interface ApConfig {
  ssid: string;
  password: string;
  authMode: AuthMode;
  channel: number;
}

export interface SavedWifi {
  ssid: string;
  password: string;
  ap: ApConfig | null;
  hostname: string;
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

const hex = (n: number): string => (n & 0xff).toString(16).padStart(2, '0');

function mac(seed: string, last = 0): string {
  const h = hash(seed);
  return ['24', '0a', 'c4', hex(h >> 16), hex(h >> 8), hex(h + last)].join(':');
}

export class WifiRadio extends EventEmitter {
  readonly staMac: string;
  readonly apMac: string;
  hostname = DEFAULT_HOSTNAME;
  powersave = 'min_modem';
  sntp: { server: string; zone: string } | null = null;
  /** What Wifi.save() stored; kept across stop(), like flash. */
  saved: SavedWifi | null = null;
  private sta = { status: 'off' as StationStatus, ssid: '', password: '', reason: 0, attemptsLeft: 0 };
  private apConfig: ApConfig | null = null;
  private apUp = false;
  private down = false;
  private downTimer: number | undefined;
  private wasOnline = false;
  private readonly stationTimers: Timers;
  private readonly timers: Timers;

  constructor(private readonly deps: Pick<DeviceHost, 'id' | 'networks'> & { clock: Clock }) {
    super();
    this.staMac = mac(deps.id);
    this.apMac = mac(deps.id, 1);
    this.stationTimers = new Timers(deps.clock);
    this.timers = new Timers(deps.clock);
  }

  /** The station has an IP, or the device's own access point is up. */
  get online(): boolean {
    return !this.down && (this.sta.status === 'connected' || this.apUp);
  }

  onOnlineChange(fn: (online: boolean) => void): () => void {
    this.on('online', fn);
    return () => this.off('online', fn);
  }

  get station(): { status: StationStatus; ssid: string | null; ip: string | null; reason: number } {
    const { status, ssid, reason } = this.sta;
    return { status, ssid: status === 'off' ? null : ssid, ip: status === 'connected' ? LOOPBACK.ip : null, reason };
  }

  /** The SSID of the running access point. */
  get ap(): string | null {
    return this.apUp ? (this.apConfig?.ssid ?? null) : null;
  }

  get apDetails(): ApConfig | null {
    return this.apConfig && { ...this.apConfig };
  }

  get stationPassword(): string {
    return this.sta.password;
  }

  connect(ssid: string, password: string): void {
    const same = this.sta.status === 'connected' && this.sta.ssid === ssid && this.sta.password === password;
    this.stationTimers.clearAll();
    Object.assign(this.sta, { ssid, password, attemptsLeft: ATTEMPTS });
    if (same) {
      // Re-association with the same network keeps the address (and the sockets).
      this.stationTimers.set(() => this.emit('associated', this.assocInfo()), ASSOCIATE_MS);
      this.stationTimers.set(() => this.emit('connected', { ...LOOPBACK }), GOT_IP_MS);
      return;
    }
    this.sta.status = 'connecting';
    this.emitOnline();
    this.attempt();
  }

  /** Returns whether a link was dropped (the ESP32 then reports 'disconnected'). */
  disconnect(): boolean {
    const was = this.sta.status;
    this.stationTimers.clearAll();
    Object.assign(this.sta, { status: 'off', attemptsLeft: 0 });
    if (was !== 'connected' && was !== 'connecting') return false;
    this.sta.reason = REASON.ASSOC_LEAVE;
    this.emitOnline();
    const info = this.disconnectInfo(REASON.ASSOC_LEAVE);
    this.timers.set(() => this.emit('disconnected', info));
    return true;
  }

  startAP(config: ApConfig): void {
    this.apConfig = { ...config };
    this.timers.set(() => {
      if (this.apConfig?.ssid !== config.ssid) return;
      this.apUp = true;
      this.emitOnline();
      this.emit('apStarted');
    }, AP_START_MS);
  }

  stopAP(): void {
    this.apConfig = null;
    this.apUp = false;
    this.emitOnline();
  }

  /** What a scan finds now. */
  scan(): { ssid: string; mac: string; authMode: AuthMode; channel: string; rssi: number }[] {
    if (this.down) return [];
    return this.deps.networks.map((n) => ({
      rssi: -35 - (hash(n.ssid) % 50),
      authMode: n.password ? 'wpa2' : 'open',
      ssid: n.ssid,
      mac: mac(`ap:${n.ssid}`),
      channel: String(this.channel(n.ssid)),
    }));
  }

  /**
   * Fault: the radio link is lost now and the access point comes back after `ms` of device
   * time. As on the ESP32 build, a lost station retries silently while it has attempts left
   * (ATTEMPTS × ATTEMPT_FAIL_MS): back within that window, it reconnects by itself; gone
   * longer, it reports 'disconnected' and stays down until the firmware calls connect().
   */
  dropFor(ms: number): void {
    const wasConnected = this.sta.status === 'connected';
    this.stationTimers.clearAll();
    if (wasConnected) Object.assign(this.sta, { status: 'lost', reason: REASON.BEACON_TIMEOUT });
    this.down = true;
    this.emitOnline();
    if (wasConnected) {
      this.stationTimers.set(() => {
        if (this.sta.status !== 'lost') return;
        Object.assign(this.sta, { status: 'off', reason: REASON.BEACON_TIMEOUT });
        this.emit('disconnected', this.disconnectInfo(REASON.BEACON_TIMEOUT));
      }, ATTEMPTS * ATTEMPT_FAIL_MS);
    }
    this.timers.clear(this.downTimer);
    this.downTimer = this.timers.set(() => this.recover(), ms);
  }

  setSntp(server: string, zone: string): void {
    this.sntp = { server, zone };
  }

  save(): void {
    const { ssid, password } = this.sta;
    this.saved = { ssid, password, ap: this.apDetails, hostname: this.hostname };
  }

  /** Applies the saved configuration (the ESP32 does this at boot when one was saved). */
  restore(): void {
    const s = this.saved;
    if (!s) return;
    this.hostname = s.hostname;
    if (s.ap) this.startAP(s.ap);
    if (s.ssid) this.connect(s.ssid, s.password);
  }

  /** Reboot or power cut: the radio forgets everything but the saved configuration. */
  stop(): void {
    this.stationTimers.clearAll();
    this.timers.clearAll();
    this.sta = { status: 'off', ssid: '', password: '', reason: 0, attemptsLeft: 0 };
    this.apConfig = null;
    this.apUp = false;
    this.down = false;
    this.downTimer = undefined;
    this.hostname = DEFAULT_HOSTNAME;
    this.powersave = 'min_modem';
    this.sntp = null;
    this.emitOnline();
  }

  private attempt(): void {
    if (this.down) return; // resumed by recover()
    const net = this.deps.networks.find((n) => n.ssid === this.sta.ssid);
    if (net && net.password === this.sta.password) {
      this.stationTimers.set(() => this.emit('associated', this.assocInfo()), ASSOCIATE_MS);
      this.stationTimers.set(() => {
        this.sta.status = 'connected';
        this.emitOnline();
        this.emit('connected', { ...LOOPBACK });
      }, GOT_IP_MS);
      return;
    }
    const reason = net ? REASON['4WAY_HANDSHAKE_TIMEOUT'] : REASON.NO_AP_FOUND;
    this.stationTimers.set(() => {
      if (--this.sta.attemptsLeft > 0) return this.attempt();
      Object.assign(this.sta, { status: 'off', reason });
      this.emit('disconnected', this.disconnectInfo(reason));
    }, ATTEMPT_FAIL_MS);
  }

  private recover(): void {
    this.down = false;
    this.downTimer = undefined;
    if (this.sta.status === 'lost') {
      this.emit('associated', this.assocInfo());
      this.sta.status = 'connected';
      this.emitOnline();
      this.emit('connected', { ...LOOPBACK });
    } else {
      this.emitOnline();
      if (this.sta.status === 'connecting') this.attempt();
    }
  }

  private emitOnline(): void {
    const online = this.online;
    if (online === this.wasOnline) return;
    this.wasOnline = online;
    this.emit('online', online);
  }

  private channel(ssid: string): number {
    return 1 + (hash(ssid) % 11);
  }

  private assocInfo(): { ssid: string; mac: string; channel: string } {
    return { ssid: this.sta.ssid, mac: mac(`ap:${this.sta.ssid}`), channel: String(this.channel(this.sta.ssid)) };
  }

  private disconnectInfo(reason: number): { ssid: string; mac: string; reason: string; msg: string } {
    const known = this.deps.networks.some((n) => n.ssid === this.sta.ssid);
    return { ssid: this.sta.ssid, mac: known ? mac(`ap:${this.sta.ssid}`) : '00:00:00:00:00:00', reason: String(reason), msg: reasonName(reason) };
  }
}

// ---------------------------------------------------------------------------------------------

export interface WifiModule extends EspruinoEvents {
  connect(ssid: string, options?: { password?: string }, callback?: (err: string | null) => void): void;
  disconnect(callback?: () => void): void;
  startAP(ssid: string, options?: { password?: string; authMode?: string; channel?: number } | null, callback?: (err: string | null) => void): void;
  stopAP(callback?: () => void): void;
  scan(callback: (list: unknown[]) => void): void;
  getIP(callback?: (err: null, info: Record<string, string>) => void): Record<string, string>;
  getAPIP(callback?: (err: null, info: Record<string, string>) => void): Record<string, string>;
  getStatus(callback?: unknown): Record<string, unknown>;
  getDetails(callback?: (details: Record<string, unknown>) => void): Record<string, unknown>;
  getAPDetails(callback?: (details: Record<string, unknown>) => void): Record<string, unknown>;
  setConfig(settings: Record<string, unknown>): void;
  setHostname(hostname: string, callback?: () => void): void;
  getHostname(callback?: unknown): string;
  setSNTP(server: string, zone: string): void;
  save(what?: string): void;
  restore(): void;
}

export function createWifiModule(host: DeviceHost, radio: WifiRadio): WifiModule {
  const timers = new Timers(host.clock);
  const events = new Emitter(host, timers);
  let stopped = false;
  let onConnect: unknown;
  let onDisconnect: unknown;
  let onAPStart: unknown;
  let scanning = false;

  const call = (fn: unknown, args: unknown[]): void => {
    if (!stopped && typeof fn === 'function') host.invoke(fn, undefined, args);
  };
  const later = (fn: unknown, args: unknown[]): void => {
    if (typeof fn === 'function') timers.set(() => call(fn, args));
  };
  const checkCallback = (cb: unknown, nullOk = false): void => {
    if (cb !== undefined && !(nullOk && cb === null) && typeof cb !== 'function') {
      throw new Error(`Expecting callback function but got ${String(cb)}`);
    }
  };

  const forward: [string, (d?: Record<string, unknown>) => void][] = [
    ['associated', (d) => events.fire('associated', [{ ...d }])],
    ['connected', (d) => {
      const cb = onConnect;
      onConnect = undefined;
      call(cb, [null]);
      events.fire('connected', [{ ...d }]);
    }],
    ['disconnected', (d) => {
      const dcb = onDisconnect;
      const cb = onConnect;
      onDisconnect = onConnect = undefined;
      call(dcb, []);
      events.fire('disconnected', [{ ...d }]);
      call(cb, [d?.msg]);
    }],
    ['apStarted', () => {
      const cb = onAPStart;
      onAPStart = undefined;
      call(cb, [null]);
    }],
  ];
  for (const [name, fn] of forward) radio.on(name, fn);
  host.onStop(() => {
    stopped = true;
    timers.clearAll();
    for (const [name, fn] of forward) radio.off(name, fn);
  });

  const ipInfo = (up: boolean, macAddress: string): Record<string, string> => ({ ...(up ? LOOPBACK : NO_IP), mac: macAddress });

  const wifi: WifiModule = {
    ...events.methods(),
    connect(ssid, options, callback) {
      if (typeof ssid !== 'string') throw new Error('No SSID provided');
      if (options !== undefined && !isObject(options)) throw new Error(`Expecting Object, got ${typeName(options)}`);
      onConnect = undefined;
      checkCallback(callback);
      onDisconnect = undefined;
      const password: unknown = options?.password;
      if (password !== undefined && typeof password !== 'string') {
        throw new Error(`Expecting options.password to be a string but got ${typeName(password)}`);
      }
      radio.connect(ssid.slice(0, 32), (password ?? '').slice(0, 64));
      onConnect = callback;
    },
    disconnect(callback) {
      onDisconnect = undefined;
      checkCallback(callback);
      onDisconnect = callback;
      if (!radio.disconnect()) onDisconnect = undefined;
      later(callback, []); // also called at once: with a link, the ESP32 build calls it twice
    },
    startAP(ssid, options, callback) {
      checkCallback(callback);
      if (typeof ssid !== 'string') throw new Error('No SSID');
      if (options != null && !isObject(options)) throw new Error(`Expecting Object, got ${typeName(options)}`);
      const config: ApConfig = { ssid: ssid.slice(0, 32), password: '', authMode: 'open', channel: 0 };
      if (options) {
        const channel = options.channel;
        if (Number.isInteger(channel) && (channel as number) >= 1 && (channel as number) <= 13) config.channel = channel as number;
        const password: unknown = options.password;
        if (password !== undefined) {
          if (typeof password !== 'string' || password.length < 8) throw new Error('Password must be string of at least 8 characters');
          config.password = password.slice(0, 63);
        }
        const auth: unknown = options.authMode;
        if (typeof auth === 'string') {
          if (!['open', 'wpa2', 'wpa', 'wpa_wpa2'].includes(auth)) throw new Error('Unknown authMode value');
          config.authMode = auth as AuthMode;
        } else config.authMode = config.password ? 'wpa2' : 'open';
        if (config.authMode !== 'open' && !config.password) throw new Error('Password not set but authMode not open');
        if (config.authMode === 'open' && config.password) throw new Error('Auth mode set to open but password supplied');
      }
      onAPStart = callback;
      radio.startAP(config);
    },
    stopAP(callback) {
      checkCallback(callback);
      radio.stopAP();
      later(callback, []);
    },
    scan(callback) {
      if (scanning) throw new Error('A scan is already in progress');
      if (typeof callback !== 'function') throw new Error(`Expecting callback function but got ${String(callback)}`);
      scanning = true;
      timers.set(() => {
        scanning = false;
        call(callback, [radio.scan()]);
      }, SCAN_MS);
    },
    getIP(callback) {
      checkCallback(callback, true);
      const info = ipInfo(radio.station.status === 'connected' && radio.online, radio.staMac);
      later(callback, [null, info]);
      return info;
    },
    getAPIP(callback) {
      checkCallback(callback, true);
      const info = ipInfo(radio.ap !== null && radio.online, radio.apMac);
      later(callback, [null, info]);
      return info;
    },
    getStatus() {
      const st = radio.station;
      const connected = st.status === 'connected';
      const sta = st.status !== 'off';
      const ap = radio.ap !== null;
      const mode = !connected && !ap ? 'NULL' : sta && ap ? 'APSTA' : ap ? 'AP' : 'STA';
      const scan = connected ? radio.scan().find((n) => n.ssid === st.ssid) : undefined;
      const status: Record<string, unknown> = connected
        ? { station: 'connected', ssid: st.ssid, bssid: scan?.mac, channel: Number(scan?.channel), rssi: scan?.rssi, htMode: 'HT20', authMode: scan?.authMode }
        : { station: reasonName(st.reason) };
      return { ...status, mode, powersave: radio.powersave };
    },
    getDetails(callback) {
      checkCallback(callback, true);
      const st = radio.station;
      const auth = radio.scan().find((n) => n.ssid === st.ssid)?.authMode ?? 'open';
      const details: Record<string, unknown> =
        st.status === 'connected'
          ? { ssid: st.ssid, password: radio.stationPassword, status: 'connected', authMode: auth }
          : { status: reasonName(st.reason) };
      later(callback, [details]);
      return details;
    },
    getAPDetails(callback) {
      checkCallback(callback, true);
      const ap = radio.apDetails;
      const details = { authMode: ap?.authMode ?? 'open', hidden: false, maxConn: 4, ssid: ap?.ssid ?? '', password: ap?.password ?? '' };
      later(callback, [details]);
      return details;
    },
    setConfig(settings) {
      if (!isObject(settings)) throw new Error(`Expecting Object, got ${typeName(settings)}`);
      const phy = settings.phy;
      if (typeof phy === 'string' && !['11b', '11g', '11n'].includes(phy)) throw new Error('Unknown phy mode');
      const ps = settings.powersave;
      if (typeof ps === 'string') {
        const mode = { none: 'none', min: 'min_modem', max: 'max_modem' }[ps];
        if (!mode) throw new Error('Unknown powersave mode');
        radio.powersave = mode;
      }
    },
    setHostname(hostname, callback) {
      radio.hostname = String(hostname).slice(0, 255);
      later(callback, []);
    },
    getHostname() {
      return radio.hostname;
    },
    setSNTP(server, zone) {
      if (typeof zone !== 'string') throw new Error('Zone is not a string');
      if (typeof server !== 'string') throw new Error('Server is not a string');
      radio.setSntp(server.slice(0, 63), zone.slice(0, 63));
    },
    save(what) {
      if (what === 'clear') radio.saved = null;
      else radio.save();
    },
    restore() {
      radio.restore();
    },
  };
  const object = espruinoObject<WifiModule>('Wifi', wifi);
  events.self = object;
  return object;
}
