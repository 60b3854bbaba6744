// espfleet serve: the host server.
import { startServer, loadConfig, ConfigError, type ServerConfig, type LogFormat } from '@espfleet/host-server';
import { type Command, type Output, UsageError, intOption } from '../command.js';
import { exitWhenFlushed, stopOnSignal } from '../shutdown.js';

/** A first Ctrl-C stops within this long, whatever is queued. */
export const STOP_DEADLINE_MS = 4000;

export const serve: Command = {
  name: 'serve',
  summary: 'Run the host server: charger backend and dashboards, sensor streams, REST API, web dashboard.',
  usage: 'espfleet serve [--port N] [--data-dir DIR] [--open] [options]',
  options: {
    port: { type: 'string', value: 'N', help: 'HTTP and WebSocket port (env PORT; default 3000)' },
    host: { type: 'string', value: 'ADDR', help: 'address to listen on (env ESPFLEET_HOST; default 127.0.0.1)' },
    'data-dir': { type: 'string', value: 'DIR', help: 'where espfleet.db and the token secret live (env ESPFLEET_DATA_DIR; default ./data)' },
    'database-url': { type: 'string', value: 'URL', help: 'PostgreSQL instead of SQLite, e.g. postgres://user@127.0.0.1:5432/db (env DATABASE_URL)' },
    'redis-url': { type: 'string', value: 'URL', help: 'Redis shared by several instances (signaling router, device gateway, chargers and dashboards, sensor streams, station ownership), e.g. redis://127.0.0.1:6379 (env REDIS_URL; without it one instance alone)' },
    'mqtt-url': { type: 'string', value: 'URL', help: 'MQTT broker for the bridge and Home Assistant discovery, e.g. mqtt://127.0.0.1:1883 (env MQTT_URL; without it no bridge)' },
    config: { type: 'string', value: 'FILE', help: 'JSON file with any of the settings, including the charger reading limits chargerMaxPowerW (22000), chargerMaxVoltageV (260), chargerMaxCurrentA (100), chargerClockSkewS (300), chargerMaxGapS (300) and chargerQueueLimit (25000); flags and env win over it' },
    open: { type: 'boolean', help: 'accept clients without tokens, as the specs\' examples connect (env ESPFLEET_OPEN)' },
    'charger-timeout': { type: 'string', value: 'S', help: 'a charger silent this many seconds is desconectado and its session closed (default 90)' },
    'log-level': { type: 'string', value: 'LEVEL', help: 'fatal, error, warn, info, debug or silent (env ESPFLEET_LOG_LEVEL; default info)' },
    'log-format': { type: 'string', value: 'FORMAT', help: 'auto (readable on a terminal, JSON otherwise), pretty or json (env ESPFLEET_LOG_FORMAT; default auto, json with --json)' },
    'log-file': { type: 'string', value: 'FILE', help: 'write the logs to FILE as JSON lines instead of the console (env ESPFLEET_LOG_FILE)' },
  },
  examples: ['espfleet serve --open', 'DATABASE_URL=postgres://postgres@127.0.0.1:5432/test espfleet serve --port 8080', 'espfleet token admin'],
  async run(o, out: Output) {
    const flags: Partial<ServerConfig> = {};
    if (o.port !== undefined) flags.port = intOption(o.port, 'port', 0, 65535);
    if (o.host !== undefined) flags.host = String(o.host);
    if (o['data-dir'] !== undefined) flags.dataDir = String(o['data-dir']);
    if (o['database-url'] !== undefined) flags.databaseUrl = String(o['database-url']);
    if (o['redis-url'] !== undefined) flags.redisUrl = String(o['redis-url']);
    if (o['mqtt-url'] !== undefined) flags.mqttUrl = String(o['mqtt-url']);
    if (o.open) flags.open = true;
    if (o['charger-timeout'] !== undefined) flags.chargerTimeoutMs = intOption(o['charger-timeout'], 'charger-timeout', 1, 86_400) * 1000;
    if (o['log-level'] !== undefined) flags.logLevel = String(o['log-level']);
    if (o['log-format'] !== undefined) flags.logFormat = String(o['log-format']) as LogFormat;
    else if (out.json && !process.env.ESPFLEET_LOG_FORMAT) flags.logFormat = 'json'; // --json: every stdout line is JSON
    if (o['log-file'] !== undefined) flags.logFile = String(o['log-file']);
    let config: ServerConfig;
    try {
      config = loadConfig({ file: o.config as string | undefined, env: process.env, flags });
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message);
      throw e;
    }
    out.progress(`starting the server (${config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`})…`);
    let server;
    try {
      server = await startServer(config);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EADDRINUSE') throw new UsageError(`port ${config.port} is in use; choose another with --port`);
      if (err.code === 'EACCES') throw new UsageError(`not allowed to listen on port ${config.port}`);
      throw new UsageError(err.message);
    }
    if (config.open) out.say('warning: --open: clients connect without tokens; do not expose this server beyond a trusted network');
    out.say(`espfleet host server at ${server.url}  (dashboard ${server.url}/, test page ${server.url}/websocket-test/)`);
    out.emit({ type: 'listening', url: server.url, store: server.store.kind, open: config.open });
    const code = await stopOnSignal({
      deadlineMs: STOP_DEADLINE_MS,
      stop: () => server.close(),
      onStopping: () => {
        out.say('stopping… (Ctrl-C again to exit at once)');
        server.log.info('stopping: finishing queued work');
      },
      onDeadline: () =>
        server.log.warn(
          { deadlineMs: STOP_DEADLINE_MS },
          'stopped before queued work finished: unprocessed messages are dropped (chargers resend readings the server has not stored)',
        ),
      onSecond: () => server.log.warn('second Ctrl-C: exiting at once; unprocessed messages are dropped'),
    });
    server.log.info('stopped');
    out.emit({ type: 'stopped' });
    return exitWhenFlushed(code);
  },
};
