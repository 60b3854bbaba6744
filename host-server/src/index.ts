export { startServer, type EspfleetServer } from './server.js';
export { loadConfig, DEFAULTS, ConfigError, LOG_FORMATS, type ServerConfig, type LogFormat } from './config.js';
export { createLogger, formatLogLine, type Logger } from './log.js';
export { signToken, verifyToken, secretKeyId, TokenError, type Claims, type Role } from './auth/jwt.js';
export { SessionMeter, cost } from './charger/energy.js';
export type { Store } from './storage/store.js';
export { MoveWatch, atRest, isFault, ARRIVAL_TOLERANCE, type MoveOutcome } from './valves/valveMotion.js';
export type { ValveSnapshot } from './fleet/fleetEvents.js';
