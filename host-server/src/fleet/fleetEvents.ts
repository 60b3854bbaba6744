// What happens in the fleet, for the parts that republish it (the MQTT bridge): valves' state as
// the valve link sees it, chargers' readings, sessions and station status as the charger hub
// bills them. In-process, synchronous, one listener list; a listener that throws is logged by
// the emitter's owner and never reaches the hub that emitted.

/** A valve as the host knows it: its last reported state and whether its link is up. */
export interface ValveSnapshot {
  valveId: number;
  /** The valve's row in devices (sensors, device_status, gateway namespace). */
  deviceId: number;
  name: string;
  /** ws://host:port/ws of the valve. */
  address: string;
  online: boolean;
  /** Degrees, 0 closed … 90 open; null until the valve first reported. */
  angle: number | null;
  isOpen: boolean;
  isClosed: boolean;
  openLimit: boolean;
  closeLimit: boolean;
  /** `idle`, `opening` or `closing`. */
  motion: 'idle' | 'opening' | 'closing';
  targetAngle: number | null;
  /** Motor supply current, amperes, as last reported; null when the valve does not report it. */
  currentA: number | null;
  /** The valve's Error field when it is a fault, else null. */
  fault: string | null;
  schedule: boolean;
  sensor: boolean;
  /** The valve's own id (device_info.device_id), once known. */
  hardwareId: string | null;
  /** When this state was reported (ms). */
  updatedAt: number;
}

export type ValveCommand =
  | { kind: 'angle'; angle: number }
  | { kind: 'open' }
  | { kind: 'close' }
  | { kind: 'stop' }
  /** Daily windows (HH:MM start, minutes, angle); disabled with enabled false. */
  | { kind: 'schedule'; enabled: boolean; windows?: Array<{ start: string; duration: number; angle: number }> }
  /** Open to `angle` while the valve's sensor reads below `threshold`; disabled with enabled false. */
  | { kind: 'sensor'; enabled: boolean; threshold?: number; angle?: number };

export type FleetEvent =
  | { kind: 'valve'; valve: ValveSnapshot }
  | { kind: 'valve-removed'; valveId: number; deviceId: number }
  | { kind: 'charger-metrics'; stationId: number; sessionId: number; v: number; a: number; w: number; kwh: number; cost: number }
  | { kind: 'session-started'; stationId: number; sessionId: number; userName: string; startedAt: number }
  | { kind: 'session-ended'; stationId: number; sessionId: number; kwh: number; cost: number; reason: string; endedAt: number }
  | { kind: 'station-status'; stationId: number; status: string };

export class FleetEvents {
  private readonly listeners = new Set<(e: FleetEvent) => void>();

  constructor(private readonly onError: (e: unknown) => void) {}

  on(listener: (e: FleetEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: FleetEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.onError(err);
      }
    }
  }
}

/** The valves the host links to, for whoever commands them (REST, dashboard, MQTT). */
export interface ValveFleet {
  list(): ValveSnapshot[];
  get(valveId: number): ValveSnapshot | undefined;
  /**
   * Runs a command and resolves with the state at rest once the valve got there; rejects with a
   * ValveCommandError (offline, fault, timeout, bad request).
   */
  command(valveId: number, c: ValveCommand): Promise<ValveSnapshot>;
}

export class ValveCommandError extends Error {
  override readonly name = 'ValveCommandError';
  constructor(
    readonly kind: 'not-found' | 'offline' | 'fault' | 'timeout' | 'invalid',
    message: string,
    readonly state?: ValveSnapshot,
  ) {
    super(message);
  }
}
