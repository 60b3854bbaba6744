// Messages between the bench and its peers worker (peersWorker.ts).

export interface ValveToDrive {
  id: string;
  port: number;
  passkey: string;
}

export type PeersRequest =
  | { type: 'serve' }
  | { type: 'drive'; valves: ValveToDrive[] }
  | { type: 'counts' }
  | { type: 'close' };

/** Cumulative counts since the worker started. */
export interface PeerCounts {
  /** Moves completed (valve_data idle at the commanded angle), by valve id. */
  moves: Record<string, number>;
  valveErrors: number;
  /** Metrics messages received, by station id. */
  metrics: Record<string, number>;
  /** Sessions started (answers to nfc_scan), by station id. */
  starts: Record<string, number>;
  /** Charger connections accepted. */
  publishers: number;
  errors: string[];
}
