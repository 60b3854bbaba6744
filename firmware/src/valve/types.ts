// What the valve state machine is fed and what it asks the outside world to do. Pure types:
// the wiring (main.ts) implements them over the Espruino API, the tests over recorders.

/** Bridge commands, as the hBridge driver applies them. */
export const MOTOR_COAST = 0;
export const MOTOR_OPEN = 1;
export const MOTOR_CLOSE = -1;
export const MOTOR_BRAKE = 2;

export const ERR_NONE = 'No Error';
export const ERR_OVERCURRENT = 'Overcurrent detected';
export const ERR_STALLED = 'Motor stalled';
export const ERR_LIMIT = 'Limit switch fault';
/** Extensions: faults the spec does not name. */
export const ERR_CURRENT_SENSOR = 'Current sensor fault';
export const ERR_MAX_RUN = 'Max run time exceeded';
/** Advisory: the device restarted while the motor was moving (power cut, crash). */
export const ERR_INTERRUPTED = 'Move interrupted by restart';

/** Factory calibration and limits (boards/valve.ts), each overridable in the config. */
export interface Calibration {
  angleAt0: number;
  angleAt90: number;
  shuntOhms: number;
  currentLimitA: number;
  overcurrentMs: number;
  stallMs: number;
  maxRunMs: number;
  deadTimeMs: number;
  pwmHz: number;
  sensorScale: number;
}

/** The device's settings: the Storage config completed with the board's defaults. */
export interface ValveSettings extends Calibration {
  deviceId: string;
  passkey: string;
  /** WebSocket server port. */
  port: number;
  /** Local time = UTC + this many minutes. */
  tzOffsetMin: number;
  /** Which limit switches are installed and enabled. */
  limitOpen: boolean;
  limitClose: boolean;
  wifiSsid: string;
  wifiPassword: string;
  /** The provisioning access point, used when there are no WiFi credentials. */
  apSsid: string;
  apPassword: string;
}

export interface ScheduleWindow {
  /** Minutes after local midnight. */
  start: number;
  /** Minutes open. */
  duration: number;
  angle: number;
}

/** What survives a reboot (a Storage file of its own; written on commands, stops and faults). */
export interface ValveMemory {
  /** Last angle at rest, degrees. */
  angle: number;
  error: string;
  /** The motor was driving when this was written. */
  moving: boolean;
  schedule: { enabled: boolean; windows: ScheduleWindow[] };
  sensor: { enabled: boolean; threshold: number; angle: number };
}

/** One control period's measurements. The wiring reuses one object: read it, do not keep it. */
export interface Readings {
  /** Shaft angle, degrees (may read a little outside 0..90 at the hard stops). */
  angle: number;
  /** Motor supply current, amps. */
  amps: number;
  /** The INA219 answered. */
  inaOk: boolean;
  /** Sensor-mode input, in the units of the threshold. */
  sensor: number;
  /** WiFi signal, dBm; undefined without a station link. */
  rssi: number | undefined;
}

export interface DecodeResult {
  ok: boolean;
  value?: any;
  error?: { path: string; message: string };
}

/** The protocol's valve codec (the Espruino build on the device, the Node build in tests). */
export interface ValveCodec {
  decode(text: string): DecodeResult;
  encode(message: object): string;
}

/** What the machine asks of the outside world. */
export interface ValveEffects {
  motor(command: number, duty: number): void;
  send(peer: number, text: string): void;
  close(peer: number, code: number, reason: string): void;
  remember(memory: ValveMemory): void;
  saveWifi(ssid: string, password: string): void;
  restart(): void;
  log(text: string): void;
}
