// What the emulated Espruino modules (pins, I2C, Storage, Wifi, net, http) need from the
// simulated device that hosts them.
import type { Clock } from './clock.js';

export interface WifiNetwork {
  ssid: string;
  password: string;
}

export interface DeviceHost {
  readonly id: string;
  readonly clock: Clock;
  /**
   * Runs device code from a host event (timer, pin, socket), as Espruino's event loop does:
   * an exception is reported as "Uncaught …" and the device keeps running.
   */
  invoke(fn: unknown, thisArg: unknown, args: unknown[]): void;
  /** Device console output (print, console.log, errors). */
  log(text: string): void;
  /** Called when the device stops (reboot, power cut, dispose): release sockets, servers, watches. */
  onStop(fn: () => void): void;
  /** The WiFi networks around the device. */
  readonly networks: WifiNetwork[];
  /** The loopback port a server the device opens on `devicePort` is bound to; 0 for any free port. */
  hostPort(devicePort: number): number;
  /** Reports where a device server is reachable. */
  listening(devicePort: number, hostPort: number): void;
  /** The station link is up (connected to an access point) or the device runs its own AP. */
  readonly online: boolean;
  /** Fires when `online` changes. */
  onOnlineChange(fn: (online: boolean) => void): void;
}

/** What the firmware used that the simulator does not emulate: fails loudly, never silently. */
export class NotSupportedError extends Error {
  constructor(what: string) {
    super(`${what} is not supported by the simulator`);
  }
}
