// What the firmware uses of Espruino's networking, crypto, E and timers, typed as the
// interpreter has them (2v29; see docs/espruino.md). Strings are byte strings on the board.
// This program is compiled without Node's types (tsconfig.json "types": []), so these are
// the only `require`, timers and base64 functions firmware code sees. Modules are added to
// `EspruinoModules` (interfaces merge), so other declaration files extend `require` too.

/** Espruino's Object.on/emit/removeListener, on every object the modules hand out. */
interface EspruinoEmitter {
  on(event: string, listener: (...args: any[]) => void): void;
  removeListener(event: string, listener: (...args: any[]) => void): void;
  removeAllListeners(event?: string): void;
  emit(event: string, ...args: unknown[]): void;
}

/** A TCP socket: 'data' (a byte string, ≤ 536 bytes a chunk on the ESP32), 'drain' (send buffer empty), 'error', 'end', 'close'. */
interface NetSocket extends EspruinoEmitter {
  /** Appends to the socket's send buffer (unbounded); always returns false. */
  write(data: string): boolean;
  /** Closes once everything queued is sent. */
  end(data?: string): void;
  available(): number;
  read(chars?: number): string;
}

interface NetServer extends EspruinoEmitter {
  listen(port: number): NetServer;
  close(): void;
}

interface NetConnectOptions {
  host: string;
  port: number;
}

interface NetModule {
  createServer(onConnection: (socket: NetSocket) => void): NetServer;
  /** Throws "Unable to create socket" when the station is down; 'connect' fires on the socket. */
  connect(options: NetConnectOptions, onConnect?: (socket: NetSocket) => void): NetSocket;
}

interface CryptoModule {
  /** SHA-1 of a byte string: 20 bytes in an ArrayBuffer. */
  SHA1(data: string): ArrayBuffer;
  SHA256(data: string): ArrayBuffer;
}

interface EspruinoModules {
  net: NetModule;
  crypto: CryptoModule;
}

declare function require<K extends keyof EspruinoModules>(name: K): EspruinoModules[K];

declare namespace E {
  /** Bytes of the arguments (strings, arrays, typed arrays) as one byte string. */
  function toString(...data: (string | ArrayLike<number> | ArrayBuffer | number)[]): string;
  /** Bytes of the arguments as a new Uint8Array (a string gives its char codes). */
  function toUint8Array(...data: (string | ArrayLike<number> | ArrayBuffer | number)[]): Uint8Array;
  /** 'init' runs at boot from saved code; 'kill' before a reset or power-down. */
  function on(event: 'init' | 'kill', fn: () => void): void;
}

/** Seconds (fractional) of the device clock. */
declare function getTime(): number;
declare function setTimeout(fn: () => void, ms: number): number;
declare function setInterval(fn: () => void, ms: number): number;
declare function clearTimeout(id: number): void;
declare function clearInterval(id: number): void;
declare function btoa(binary: string): string;
declare function atob(base64: string): string;
declare function print(...args: unknown[]): void;
declare const console: { log(...args: unknown[]): void };
