// The charger's settings from Storage `espfleet.json` (the keys the simulator provisions:
// device_id, wifi, estacionId, server, token), extended with the charger's own tunables.
// Missing tunables take defaults; a value of the wrong kind is reported and replaced by its default.

export interface ChargerConfig {
  estacionId: number;
  /** Backend WebSocket endpoint, e.g. ws://192.168.1.10:3000/ws. */
  server: string;
  token: string;
  wifi: { ssid: string; password: string } | null;
  /** Seconds between `metrics` while charging (metrics_interval_s). */
  metricsIntervalMs: number;
  /** Readings kept while offline, oldest dropped first (queue_limit). */
  queueLimit: number;
  /** Above this the relay opens (max_current_a). */
  maxCurrentA: number;
  /** While charging, the relay opens after this long without a connection to the server; 0 = never (silence_limit_s). */
  silenceLimitMs: number;
  /** How the emergency lockout is cleared (emergency_reset): "hold_stop" = hold STOP for reset_hold_s with the
   *  emergency button released; "release" = releasing the emergency button. */
  emergencyReset: 'hold_stop' | 'release';
  resetHoldMs: number;
  /** How long after an nfc_scan its `start` is accepted (start_wait_s). */
  startWaitMs: number;
  /** SNTP server for the clock that stamps `ts` (ntp_server). */
  ntp: string;
}

export interface ConfigResult {
  config: ChargerConfig;
  /** What was wrong with the stored settings, for the log. */
  problems: string[];
}

function num(raw: Record<string, unknown>, key: string, dflt: number, min: number, max: number, problems: string[]): number {
  const v = raw[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !(v >= min && v <= max)) {
    problems.push(key + ' must be a number from ' + min + ' to ' + max + '; using ' + dflt);
    return dflt;
  }
  return v;
}

export function readChargerConfig(stored: unknown): ConfigResult {
  const problems: string[] = [];
  const raw = (stored && typeof stored === 'object' ? stored : {}) as Record<string, unknown>;
  if (!stored) problems.push('no configuration in Storage espfleet.json');
  const id = raw.estacionId;
  const estacionId = typeof id === 'number' && id >= 0 && Math.floor(id) === id ? id : -1;
  if (estacionId < 0) problems.push('estacionId must be a whole number');
  const server = typeof raw.server === 'string' ? raw.server : '';
  if (server.indexOf('ws://') !== 0) problems.push('server must be a ws:// URL');
  const w = raw.wifi as Record<string, unknown> | undefined;
  const wifi = w && typeof w.ssid === 'string' ? { ssid: w.ssid, password: typeof w.password === 'string' ? w.password : '' } : null;
  const reset = raw.emergency_reset;
  if (reset !== undefined && reset !== 'hold_stop' && reset !== 'release') problems.push('emergency_reset must be "hold_stop" or "release"; using "hold_stop"');
  return {
    problems: problems,
    config: {
      estacionId: estacionId,
      server: server,
      token: typeof raw.token === 'string' ? raw.token : '',
      wifi: wifi,
      metricsIntervalMs: num(raw, 'metrics_interval_s', 3, 1, 3600, problems) * 1000,
      queueLimit: Math.floor(num(raw, 'queue_limit', 200, 1, 2000, problems)),
      maxCurrentA: num(raw, 'max_current_a', 32, 0.1, 1000, problems),
      silenceLimitMs: num(raw, 'silence_limit_s', 0, 0, 86400, problems) * 1000,
      emergencyReset: reset === 'release' ? 'release' : 'hold_stop',
      resetHoldMs: num(raw, 'reset_hold_s', 3, 0.5, 60, problems) * 1000,
      startWaitMs: num(raw, 'start_wait_s', 30, 1, 600, problems) * 1000,
      ntp: typeof raw.ntp_server === 'string' ? raw.ntp_server : 'pool.ntp.org',
    },
  };
}

/** The publisher URL: role, station and (when configured) token in the query string. */
export function publisherUrl(c: ChargerConfig): string {
  let url = c.server + (c.server.indexOf('?') >= 0 ? '&' : '?') + 'role=publisher&estacionId=' + c.estacionId;
  if (c.token) url += '&token=' + encodeURIComponent(c.token);
  return url;
}
