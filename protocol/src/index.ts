// @espfleet/protocol: each family is also importable alone, e.g. `@espfleet/protocol/valve`.
export * as valve from './generated/valve.js';
export * as sensorStream from './generated/sensorStream.js';
export * as charger from './generated/charger.js';
export * as gateway from './generated/gateway.js';
export * as signaling from './generated/signaling.js';
export type { DecodeResult, DecodeError, DecodeOptions } from './runtime.js';
export { DEFAULT_MAX_BYTES } from './runtime.js';
