// What the charger sends, field for field as the spec's samples, with numbers rounded on the
// device (Espruino prints some floats with spurious digits; the server compares values).

/** A reading as kept in the queue and in Storage: [session_id, v, a, w, ts, energy_wh]. */
export type Reading = number[];

export interface MetricsMessage {
  type: 'metrics';
  session_id: number;
  v: number;
  a: number;
  w: number;
  ts: number;
  energy_wh: number;
}
export interface StopMessage {
  type: 'stop';
  session_id: number;
}
export interface EmergencyMessage {
  type: 'emergency';
  session_id?: number;
}
export interface NfcScanMessage {
  type: 'nfc_scan';
  nfc_uid: string;
}
export type UrgentMessage = StopMessage | EmergencyMessage;
export type OutgoingMessage = MetricsMessage | UrgentMessage | NfcScanMessage;

export function roundTo(x: number, decimals: number): number {
  let f = 1;
  for (let i = 0; i < decimals; i++) f *= 10;
  return Math.round(x * f) / f;
}

/** A reading at the INA226's resolution: 12.5 mV (through the 10:1 divider), 1 mA, 0.25 W; energy to 0.01 Wh. */
export function makeReading(sessionId: number, v: number, a: number, w: number, ts: number, energyWh: number): Reading {
  return [sessionId, roundTo(v, 2), roundTo(a, 3), roundTo(w, 2), ts, roundTo(energyWh, 2)];
}

export function metricsMessage(r: Reading): MetricsMessage {
  return { type: 'metrics', session_id: r[0], v: r[1], a: r[2], w: r[3], ts: r[4], energy_wh: r[5] };
}

export function stopMessage(sessionId: number): StopMessage {
  return { type: 'stop', session_id: sessionId };
}

export function emergencyMessage(sessionId: number | null): EmergencyMessage {
  return sessionId === null ? { type: 'emergency' } : { type: 'emergency', session_id: sessionId };
}
