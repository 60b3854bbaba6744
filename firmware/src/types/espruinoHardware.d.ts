// What the firmware uses of Espruino's hardware API, Storage, Wifi and memory report, typed as
// the interpreter has them (2v29). Merges with espruinoNet.d.ts (EspruinoModules, namespace E).

interface Pin {
  read(): boolean;
  write(value: boolean): void;
}
declare const Pin: { new (pin: number): Pin };

/** A hardware I2C bus; a chip that does not acknowledge makes writeTo/readFrom throw. */
interface I2CBus {
  setup(options: { scl: Pin; sda: Pin; bitrate?: number }): void;
  writeTo(address: number, data: number | number[]): void;
  readFrom(address: number, quantity: number): Uint8Array;
}
declare const I2C1: I2CBus;

/** 0..1 of the ADC range. */
declare function analogRead(pin: Pin): number;
/** PWM with duty 0..1. */
declare function analogWrite(pin: Pin, duty: number, options?: { freq?: number }): void;
declare function digitalWrite(pin: Pin, value: boolean | number): void;
declare function digitalRead(pin: Pin): number;
declare function pinMode(pin: Pin, mode: 'input' | 'input_pullup' | 'input_pulldown' | 'output' | 'analog'): void;

interface WatchEvent {
  /** The pin's level after the (debounced) edge. */
  state: boolean;
  time: number;
  lastTime: number;
}
declare function setWatch(
  fn: (e: WatchEvent) => void,
  pin: Pin,
  options: { repeat?: boolean; edge?: 'rising' | 'falling' | 'both'; debounce?: number },
): number;
declare function clearWatch(id: number): void;

interface StorageModule {
  /** The parsed file; undefined when missing (or unparsable, with noExceptions). */
  readJSON(name: string, noExceptions: boolean): any;
  writeJSON(name: string, data: unknown): boolean;
  erase(name: string): void;
}

interface WifiModule extends EspruinoEmitter {
  connect(ssid: string, options: { password: string }, callback: (err: string | null) => void): void;
  startAP(ssid: string, options: { password?: string; authMode?: string } | null, callback: (err: string | null) => void): void;
  /** Station details; `rssi` only while connected. */
  getStatus(): { station: string; rssi?: number };
  /** Sets the clock from SNTP; `zone` is a POSIX TZ string. */
  setSNTP(server: string, zone: string): void;
}

interface EspruinoModules {
  Storage: StorageModule;
  Wifi: WifiModule;
}

declare namespace E {
  /** JsVars `value` holds. */
  function getSizeOf(value: unknown): number;
  /** Restarts the interpreter; code saved to flash runs again. */
  function reboot(): void;
}

declare const process: { memory(): { free: number; usage: number; total: number } };
