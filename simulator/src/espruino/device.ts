// One simulated ESP32 running Espruino: a firmware bundle in its own vm context, with GPIO,
// two I2C buses, Storage, WiFi and loopback-bridged sockets. The chips and physics wired to
// the pins and buses belong to the device models (../devices); they outlive boots, as the
// hardware outlives a reboot of the chip.
import { EventEmitter } from 'node:events';
import type { Clock } from './clock.js';
import type { DeviceHost, WifiNetwork } from './host.js';
import { PinBank } from './pins.js';
import { I2CBus } from './i2cBus.js';
import { StorageStore, createStorageModule } from './storage.js';
import { createCryptoModule } from './crypto.js';
import { checkEspruinoDialect, formatDialectProblems } from '@espfleet/protocol/espruino-dialect';
import { createRealm, type Realm } from './realm.js';
import { installGlobals } from './globals.js';
import { WifiRadio, createWifiModule } from './wifi.js';
import { createNetModule } from './net.js';
import { createHttpModule } from './http.js';

export interface EspruinoDeviceOptions {
  id: string;
  /** The firmware bundle: the same JavaScript that is flashed. */
  bundle: string;
  bundleName?: string;
  clock: Clock;
  /** WiFi access points in range. */
  networks?: WifiNetwork[];
  /** Loopback port for each device port a server listens on; unlisted ports get a free one. */
  ports?: Record<number, number>;
  /** Storage contents at first power-on, and/or a file to keep them in between runs. */
  storage?: Record<string, string>;
  storageFile?: string;
  /** Lines of console output kept for inspection. */
  logLines?: number;
  /** Strings are byte strings, as on the ESP32 build (a UTF-8 message decodes to its bytes). */
  byteStrings?: boolean;
}

/** Problems found in recent bundles: a fleet boots one bundle on many devices, checked once. */
const checked = new Map<string, ReturnType<typeof checkEspruinoDialect>>();
const CHECKED_KEPT = 8;

/** A bundle the interpreter would mis-run (the dialect check's problems) is refused, as flashing it would be. */
function checkBundle(bundle: string, name: string): void {
  let problems = checked.get(bundle);
  if (!problems) {
    problems = checkEspruinoDialect(bundle);
    if (checked.size >= CHECKED_KEPT) checked.delete(checked.keys().next().value!);
    checked.set(bundle, problems);
  }
  if (problems.length) throw new Error(`${name} does not run on Espruino:\n${formatDialectProblems(name, problems)}`);
}

export type DeviceState = 'off' | 'running' | 'crashed';

export class EspruinoDevice extends EventEmitter implements DeviceHost {
  readonly id: string;
  readonly clock: Clock;
  readonly networks: WifiNetwork[];
  readonly pins: PinBank;
  readonly i2c: [I2CBus, I2CBus];
  readonly store: StorageStore;
  readonly radio: WifiRadio;
  /** Device port → loopback port of its servers, while they listen. */
  readonly addresses = new Map<number, number>();
  readonly logs: string[] = [];
  /** Exceptions that reached the top of a callback (Espruino prints "Uncaught …"). */
  readonly uncaught: unknown[] = [];
  boots = 0;

  private bundle: string;
  private readonly bundleName: string;
  private readonly ports: Record<number, number>;
  private readonly logLines: number;
  private readonly byteStrings: boolean;
  private stopHandlers: Array<() => void> = [];
  private timers = new Set<number>();
  private events = new Map<string, unknown[]>();
  private _state: DeviceState = 'off';
  private onlineHandlers: Array<(online: boolean) => void> = [];
  private realm: Realm | undefined;

  constructor(o: EspruinoDeviceOptions) {
    super();
    this.id = o.id;
    this.clock = o.clock;
    this.bundleName = o.bundleName ?? `${o.id}.js`;
    checkBundle(o.bundle, this.bundleName);
    this.bundle = o.bundle;
    this.byteStrings = o.byteStrings ?? false;
    this.networks = o.networks ?? [];
    this.ports = o.ports ?? {};
    this.logLines = o.logLines ?? 500;
    this.pins = new PinBank(this);
    const now = () => this.clock.now();
    this.i2c = [new I2CBus('I2C1', now), new I2CBus('I2C2', now)];
    this.store = new StorageStore(o.storageFile);
    if (o.storage && this.store.files.size === 0) for (const [k, v] of Object.entries(o.storage)) this.store.files.set(k, v);
    this.radio = new WifiRadio(this);
    this.radio.onOnlineChange((online) => {
      for (const fn of this.onlineHandlers) fn(online);
      this.emit('online', online);
    });
  }

  get state(): DeviceState {
    return this._state;
  }

  get online(): boolean {
    return this.radio.online;
  }

  onOnlineChange(fn: (online: boolean) => void): void {
    this.onlineHandlers.push(fn);
  }

  onStop(fn: () => void): void {
    this.stopHandlers.push(fn);
  }

  hostPort(devicePort: number): number {
    return this.ports[devicePort] ?? 0;
  }

  listening(devicePort: number, hostPort: number): void {
    this.addresses.set(devicePort, hostPort);
    this.emit('listening', devicePort, hostPort);
  }

  log(text: string): void {
    this.logs.push(text);
    if (this.logs.length > this.logLines) this.logs.splice(0, this.logs.length - this.logLines);
    this.emit('log', text);
  }

  invoke(fn: unknown, thisArg: unknown, args: unknown[]): void {
    if (this._state !== 'running' || typeof fn !== 'function') return;
    try {
      (fn as (...a: unknown[]) => unknown).apply(thisArg, args);
    } catch (e) {
      this.reportUncaught(e);
    }
  }

  private reportUncaught(e: unknown): void {
    this.uncaught.push(e);
    // Espruino prints the error as its toString gives it ("Error: …", "ReferenceError: …").
    const msg = String(e);
    this.log(`Uncaught ${msg}`);
    this.emit('uncaught', e);
  }

  /** Power on: a fresh interpreter runs the bundle, then E.on('init') handlers, as at boot from flash. */
  boot(): void {
    if (this._state === 'running') throw new Error(`${this.id} is already running`);
    this.boots++;
    this.events = new Map();
    this.timers = new Set();
    const realm = createRealm(() => this.clock.now(), { byteStrings: this.byteStrings });
    this.realm = realm;
    let net: ReturnType<typeof createNetModule> | undefined;
    const getNet = () => (net ??= createNetModule(this));
    installGlobals({
      host: this,
      realm,
      pins: this.pins,
      i2c: this.i2c,
      events: this.events,
      timers: this.timers,
      reboot: () => this.clock.setTimer(() => this.reboot(), 0),
      modules: {
        Storage: () => createStorageModule(this.store, realm),
        Wifi: () => createWifiModule(this, this.radio),
        net: getNet,
        http: () => createHttpModule(this, getNet()),
        crypto: () => createCryptoModule(realm),
      },
    });
    this._state = 'running';
    // The ESP32 build reconnects to a saved WiFi configuration at boot.
    if (this.radio.saved) this.radio.restore();
    this.emit('boot', this.boots);
    try {
      realm.runBundle(this.bundle, this.bundleName);
    } catch (e) {
      this.reportUncaught(e);
    }
    for (const fn of this.events.get('init') ?? []) this.invoke(fn, undefined, []);
  }

  /**
   * Runs code at the device's console, as typed into the Espruino IDE's REPL: in the running
   * firmware's global scope. Throws what the code throws.
   */
  eval(code: string): unknown {
    if (this._state !== 'running' || !this.realm) throw new Error(`${this.id} is not running`);
    return this.realm.run(code, 'console');
  }

  /** The chip stops: timers, watches, sockets and servers go; Storage stays. */
  stop(): void {
    if (this._state === 'off') return;
    for (const fn of this.events.get('kill') ?? []) this.invoke(fn, undefined, []);
    this._state = 'off';
    for (const t of this.timers) this.clock.clearTimer(t);
    this.timers.clear();
    const handlers = this.stopHandlers;
    this.stopHandlers = [];
    // Subscriptions belong to one boot's modules.
    this.onlineHandlers = [];
    for (const fn of handlers) fn();
    this.radio.stop();
    this.pins.reset();
    this.addresses.clear();
    this.realm = undefined;
    this.emit('stop');
  }

  reboot(): void {
    this.stop();
    this.boot();
  }

  /** Fault: power is cut now and comes back after `ms` of device time. */
  powerCut(ms: number): void {
    this.stop();
    this.emit('power', false);
    this.clock.setTimer(() => {
      this.emit('power', true);
      this.boot();
    }, ms);
  }

  /** Flash a new bundle (takes effect at the next boot). */
  flash(bundle: string): void {
    checkBundle(bundle, this.bundleName);
    this.bundle = bundle;
  }
}
