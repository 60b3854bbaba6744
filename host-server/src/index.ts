export { startServer, type EspfleetServer } from './server.js';
export { loadConfig, DEFAULTS, ConfigError, type ServerConfig } from './config.js';
export { signToken, verifyToken, TokenError, type Claims, type Role } from './auth/jwt.js';
export { SessionMeter, cost } from './charger/energy.js';
export type { Store } from './storage/store.js';
