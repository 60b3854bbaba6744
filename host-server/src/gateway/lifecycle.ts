// A device's lifecycle as the hubs report it, and the spec's event for each (ARCHITECTURE.md,
// Decisions → Gateway), pure: payloads with the device id as the namespace names it and a
// millisecond timestamp.
import type { GatewayEvent } from '@espfleet/protocol/gateway';

export type Lifecycle =
  | { kind: 'authenticated' }
  | { kind: 'ready' }
  | { kind: 'state'; status: string }
  | { kind: 'message'; message: unknown }
  | { kind: 'disconnected'; reason: string };

/** What the event needs to know about the device beyond the lifecycle itself. */
export interface DeviceFacts {
  name: string;
  /** Its cellular number; empty when it has none (none of today's devices has a modem). */
  phoneNumber: string;
}

export function gatewayEvent(deviceId: number, l: Lifecycle, facts: DeviceFacts, timestamp: number): GatewayEvent {
  const id = String(deviceId);
  switch (l.kind) {
    case 'authenticated':
      return { event: 'authenticated', data: { deviceId: id, phoneNumber: facts.phoneNumber, clientName: facts.name, timestamp } };
    case 'ready':
      return { event: 'ready', data: { deviceId: id, ...(facts.phoneNumber ? { phoneNumber: facts.phoneNumber } : {}), timestamp } };
    case 'state':
      return { event: 'state', data: { deviceId: id, status: l.status, timestamp } };
    case 'message':
      return { event: 'message', data: { deviceId: id, message: l.message, timestamp } };
    case 'disconnected':
      return { event: 'disconnected', data: { deviceId: id, reason: l.reason, timestamp } };
  }
}

export function qrEvent(deviceId: number, qr: string, timestamp: number): GatewayEvent {
  return { event: 'qr', data: { deviceId: String(deviceId), qr, timestamp } };
}

/** A close code as a `disconnected` reason people can read. */
export function closeReason(code: number): string {
  if (code === 1000 || code === 1005) return 'closed by the device';
  if (code === 1001) return 'device going away';
  if (code === 1006) return 'connection lost';
  if (code === 1008) return 'dropped by the server (policy)';
  if (code === 4000) return 'replaced by a newer connection';
  return `closed with code ${code}`;
}
