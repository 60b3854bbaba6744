// One error type for everything that can go wrong talking to a valve, each kind with its own
// exit status, so scripts tell a wrong passkey from a dead host, a slow one or a real fault.

export type ValveErrorKind = 'auth' | 'unreachable' | 'timeout' | 'fault' | 'protocol';

/** Exit statuses; 2 stays the usage error of every espfleet command. */
export const VALVE_EXIT: Record<ValveErrorKind, number> = {
  auth: 3,
  unreachable: 4,
  timeout: 5,
  fault: 6,
  protocol: 7,
};

export class ValveError extends Error {
  constructor(
    readonly kind: ValveErrorKind,
    message: string,
    /** For a fault: the device's own error text (valve_error.error or valve_data.Error). */
    readonly deviceError?: string,
  ) {
    super(message);
    this.name = 'ValveError';
  }

  get exitCode(): number {
    return VALVE_EXIT[this.kind];
  }
}
