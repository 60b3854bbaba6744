// Types of the protocol's generated Espruino codecs (protocol/dist/espruino/<family>.js), which
// the build bundles into the app. The message types come from the protocol's Node declarations
// (type-only imports, erased from the bundle). `decode…(text, maxBytes)` parses and checks
// field by field; `encode` writes JSON with bytes ≥ 0x80 as they are (byte strings).

declare module '@espfleet/protocol/espruino/valve.js' {
  import type { DecodeResult, ValveClientMessage, ValveDeviceMessage } from '@espfleet/protocol/valve';
  export function decodeValveClientMessage(text: string, maxBytes?: number): DecodeResult<ValveClientMessage>;
  export function validateValveClientMessage(value: unknown): DecodeResult<ValveClientMessage>;
  export function decodeValveDeviceMessage(text: string, maxBytes?: number): DecodeResult<ValveDeviceMessage>;
  export function validateValveDeviceMessage(value: unknown): DecodeResult<ValveDeviceMessage>;
  export function encode(message: ValveClientMessage | ValveDeviceMessage): string;
  export const VALVE_ERRORS: { NONE: 'No Error'; OVERCURRENT: 'Overcurrent detected'; STALLED: 'Motor stalled'; LIMIT_SWITCH: 'Limit switch fault' };
}

declare module '@espfleet/protocol/espruino/charger.js' {
  import type {
    DecodeResult,
    ChargerPublisherMessage,
    ChargerCommandMessage,
    DashboardMessage,
    DashboardCommandMessage,
  } from '@espfleet/protocol/charger';
  export function decodeChargerPublisherMessage(text: string, maxBytes?: number): DecodeResult<ChargerPublisherMessage>;
  export function validateChargerPublisherMessage(value: unknown): DecodeResult<ChargerPublisherMessage>;
  export function decodeChargerCommandMessage(text: string, maxBytes?: number): DecodeResult<ChargerCommandMessage>;
  export function validateChargerCommandMessage(value: unknown): DecodeResult<ChargerCommandMessage>;
  export function decodeDashboardMessage(text: string, maxBytes?: number): DecodeResult<DashboardMessage>;
  export function validateDashboardMessage(value: unknown): DecodeResult<DashboardMessage>;
  export function decodeDashboardCommandMessage(text: string, maxBytes?: number): DecodeResult<DashboardCommandMessage>;
  export function validateDashboardCommandMessage(value: unknown): DecodeResult<DashboardCommandMessage>;
  export function encode(message: ChargerPublisherMessage | ChargerCommandMessage | DashboardMessage | DashboardCommandMessage): string;
  export const CLOSE_CODES: Record<'INVALID_TOKEN' | 'PUBLISHER_MISSING_ESTACION_ID' | 'ESTACION_NOT_FOUND' | 'CLIENT_MISSING_ESTACION_ID', number>;
  export const CLOSE_REASONS: Record<string, string>;
  export const STATION_STATUS: { AVAILABLE: 'disponible'; CHARGING: 'cargando'; EMERGENCY: 'emergencia'; DISCONNECTED: 'desconectado' };
  export const CHARGER_ERRORS: { NOT_CONNECTED: string };
  export const CHARGER_ERROR_CODES: Record<string, string>;
}
