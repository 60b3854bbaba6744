import { obj, str, lit, int, num, opt, nullable, oneOfStr } from '../schema/dsl.js';
import type { FamilyDef } from '../schema/family.js';

const sessionId = () => int(0, undefined, { description: 'Charging session id' });
const chargerId = () => int(0, undefined, { description: 'Station (estacion) id' });
const isoTime = () => str({ 'x-format': 'iso-datetime' });
const estacionId = () => str({ 'x-format': 'digits', description: 'Station id, echoed as a string' });

export const STATION_STATUSES = ['disponible', 'cargando', 'emergencia', 'desconectado'];

export const charger: FamilyDef = {
  name: 'charger',
  id: 'charger',
  title: 'EV charger and dashboard (/ws?role=publisher|client&estacionId=N)',
  seed: 'charger-and-dashboard-websocket.md',
  discriminator: 'type',
  constants: {
    CLOSE_CODES: {
      INVALID_TOKEN: 4003,
      PUBLISHER_MISSING_ESTACION_ID: 4004,
      ESTACION_NOT_FOUND: 4005,
      CLIENT_MISSING_ESTACION_ID: 4006,
    },
    CLOSE_REASONS: {
      4003: 'Token inválido',
      4004: 'Falta estacionId para publisher',
      4005: 'Estacion no encontrada',
      4006: 'Falta estacionId para client',
    },
    STATION_STATUS: {
      AVAILABLE: 'disponible',
      CHARGING: 'cargando',
      EMERGENCY: 'emergencia',
      DISCONNECTED: 'desconectado',
    },
    CHARGER_ERRORS: {
      NOT_CONNECTED: 'ESP32 no conectado',
    },
    // Extension: the `code` of every `error` the server sends a charger or a dashboard. The
    // reading codes name why a `metrics` reading was refused for billing (it is kept, flagged).
    CHARGER_ERROR_CODES: {
      INVALID_MESSAGE: 'INVALID_MESSAGE',
      INTERNAL_ERROR: 'INTERNAL_ERROR',
      UNKNOWN_CARD: 'UNKNOWN_CARD',
      USER_BLOCKED: 'USER_BLOCKED',
      STATION_BUSY: 'STATION_BUSY',
      STATION_EMERGENCY: 'STATION_EMERGENCY',
      UNKNOWN_SESSION: 'UNKNOWN_SESSION',
      QUEUE_FULL: 'QUEUE_FULL',
      TS_BEFORE_START: 'TS_BEFORE_START',
      TS_AFTER_END: 'TS_AFTER_END',
      TS_IN_FUTURE: 'TS_IN_FUTURE',
      VOLTAGE_OUT_OF_RANGE: 'VOLTAGE_OUT_OF_RANGE',
      CURRENT_OUT_OF_RANGE: 'CURRENT_OUT_OF_RANGE',
      POWER_OUT_OF_RANGE: 'POWER_OUT_OF_RANGE',
      POWER_MISMATCH: 'POWER_MISMATCH',
      ENERGY_REGISTER_BACKWARDS: 'ENERGY_REGISTER_BACKWARDS',
      ENERGY_REGISTER_JUMP: 'ENERGY_REGISTER_JUMP',
    },
  },
  directions: [
    {
      union: 'ChargerPublisherMessage',
      from: 'charger',
      to: 'server',
      messages: [
        {
          typeName: 'NfcScan',
          tag: 'nfc_scan',
          summary: 'A card was presented; the server looks it up and may start a session.',
          schema: obj({ type: lit('nfc_scan'), nfc_uid: str({ minLength: 1 }) }),
          examples: [{ type: 'nfc_scan', nfc_uid: 'VIRTUAL-1-A4F2E8' }],
        },
        {
          typeName: 'ChargerMetrics',
          tag: 'metrics',
          summary: 'Periodic reading during a session (every few seconds).',
          schema: obj({
            type: lit('metrics'),
            session_id: sessionId(),
            v: num(undefined, undefined, { description: 'Volts' }),
            a: num(undefined, undefined, { description: 'Amperes' }),
            w: num(undefined, undefined, { description: 'Watts' }),
            ts: int(0, undefined, { description: 'Unix time, seconds' }),
            energy_wh: opt(num(0, undefined, { description: 'Extension: the energy register, Wh since the session started' })),
          }),
          examples: [
            { type: 'metrics', session_id: 123, v: 220.5, a: 16.2, w: 3572.1, ts: 1699276425 },
            { type: 'metrics', session_id: 123, v: 229.8, a: 15.9, w: 3653.8, ts: 1699276428, energy_wh: 2450.5 },
          ],
        },
        {
          typeName: 'ChargerStop',
          tag: 'stop',
          summary: 'The STOP button was pressed.',
          schema: obj({ type: lit('stop'), session_id: sessionId() }),
          examples: [{ type: 'stop', session_id: 123 }],
        },
        {
          typeName: 'ChargerEmergency',
          tag: 'emergency',
          summary: 'The emergency button was pressed; the relay is already open. No session_id when idle.',
          schema: obj({ type: lit('emergency'), session_id: opt(sessionId()) }),
          examples: [{ type: 'emergency', session_id: 123 }, { type: 'emergency' }],
        },
      ],
    },
    {
      union: 'ChargerCommandMessage',
      from: 'server',
      to: 'charger',
      messages: [
        {
          typeName: 'ChargerStart',
          tag: 'start',
          summary: 'Close the relay and meter the session.',
          schema: obj({ type: lit('start'), session_id: sessionId(), user_name: str() }),
          examples: [{ type: 'start', session_id: 123, user_name: 'Juan Pérez' }],
        },
        {
          typeName: 'ChargerRemoteStop',
          tag: 'stop',
          summary: 'Open the relay and end the session.',
          schema: obj({ type: lit('stop'), session_id: sessionId() }),
          examples: [{ type: 'stop', session_id: 123 }],
        },
        {
          typeName: 'ChargerError',
          tag: 'error',
          summary: 'A failed validation (unknown card, blocked user, busy station, bad message).',
          schema: obj({ type: lit('error'), message: str(), code: str() }),
          examples: [{ type: 'error', message: 'Descripción del error', code: 'ERROR_CODE' }],
        },
        {
          typeName: 'ChargerConnected',
          tag: 'connected',
          summary: 'The publisher was accepted.',
          schema: obj({ type: lit('connected'), role: lit('publisher'), estacionId: estacionId() }),
          examples: [{ type: 'connected', role: 'publisher', estacionId: '1' }],
        },
        {
          typeName: 'SyncRequest',
          tag: 'sync_request',
          summary: 'A dashboard subscribed, or the charger (re)connected with a session open: resend current state.',
          schema: obj({
            type: lit('sync_request'),
            from: lit('server'),
            session_id: opt(int(0, undefined, { description: 'Extension: the session open at the station' })),
            last_ts: opt(
              int(0, undefined, {
                description: 'Extension: ts of the newest reading stored for session_id; resend the readings after it (and any older one still kept)',
              }),
            ),
          }),
          examples: [{ type: 'sync_request', from: 'server' }, { type: 'sync_request', from: 'server', session_id: 123, last_ts: 1699276425 }],
        },
      ],
    },
    {
      union: 'DashboardMessage',
      from: 'server',
      to: 'dashboard',
      messages: [
        {
          typeName: 'DashboardInit',
          tag: 'init',
          summary: 'The station as it is now, sent on subscribe.',
          schema: obj({
            type: lit('init'),
            charger: obj({
              id: chargerId(),
              status: oneOfStr(STATION_STATUSES),
              session: nullable(
                obj({
                  session_id: sessionId(),
                  user_name: str(),
                  timestamp: isoTime(),
                  kwh: num(0),
                  cost: num(0),
                  time: int(0),
                }),
              ),
            }),
          }),
          examples: [
            { type: 'init', charger: { id: 1, status: 'disponible', session: null } },
            {
              type: 'init',
              charger: {
                id: 1,
                status: 'cargando',
                session: {
                  session_id: 123,
                  user_name: 'Juan Pérez',
                  timestamp: '2025-11-06T12:00:00.000Z',
                  kwh: 2.45,
                  cost: 17.15,
                  time: 850,
                },
              },
            },
          ],
        },
        {
          typeName: 'DashboardSubscribed',
          tag: 'subscribed',
          summary: 'The dashboard is subscribed to the station.',
          schema: obj({ type: lit('subscribed'), estacionId: estacionId() }),
          examples: [{ type: 'subscribed', estacionId: '1' }],
        },
        {
          typeName: 'DashboardMetrics',
          tag: 'metrics',
          summary: 'Live reading with energy, cost and elapsed seconds.',
          schema: obj({
            type: lit('metrics'),
            session_id: sessionId(),
            charger_id: chargerId(),
            v: num(),
            a: num(),
            w: num(),
            kwh: num(0),
            cost: num(0),
            time: opt(int(0, undefined, { description: 'Seconds since the session started' })),
          }),
          examples: [
            { type: 'metrics', session_id: 123, charger_id: 1, v: 220.5, a: 16.2, w: 3572.1, kwh: 2.45, cost: 17.15, time: 850 },
            { type: 'metrics', session_id: 123, charger_id: 1, v: 220.5, a: 16.2, w: 3572.1, kwh: 2.45, cost: 17.15 },
          ],
        },
        {
          typeName: 'SessionStarted',
          tag: 'session_started',
          summary: 'A session started.',
          schema: obj({
            type: lit('session_started'),
            session_id: sessionId(),
            charger_id: chargerId(),
            user_name: str(),
            timestamp: isoTime(),
          }),
          examples: [
            {
              type: 'session_started',
              session_id: 123,
              charger_id: 1,
              user_name: 'Juan Pérez',
              timestamp: '2025-11-06T12:00:00.000Z',
            },
          ],
        },
        {
          typeName: 'SessionEnded',
          tag: 'session_ended',
          summary: 'A session ended: its energy, cost and duration in seconds.',
          schema: obj({
            type: lit('session_ended'),
            session_id: sessionId(),
            charger_id: chargerId(),
            kwh: num(0),
            cost: num(0),
            duration: int(0),
          }),
          examples: [{ type: 'session_ended', session_id: 123, charger_id: 1, kwh: 3.12, cost: 21.84, duration: 1200 }],
        },
        {
          typeName: 'DashboardError',
          tag: 'error',
          summary: 'An error or alert for the dashboard.',
          schema: obj({ type: lit('error'), message: str(), code: opt(str()) }),
          examples: [{ type: 'error', message: 'ESP32 no conectado' }, { type: 'error', message: 'Sesión de «José Núñez» no encontrada' }],
        },
        {
          typeName: 'DashboardEmergency',
          tag: 'emergency',
          summary: 'The emergency button was pressed at the station.',
          schema: obj({
            type: lit('emergency'),
            charger_id: chargerId(),
            session_id: opt(sessionId()),
            timestamp: isoTime(),
          }),
          examples: [{ type: 'emergency', charger_id: 1, session_id: 123, timestamp: '2025-11-06T12:05:00.000Z' }],
        },
      ],
    },
    {
      union: 'DashboardCommandMessage',
      from: 'dashboard',
      to: 'server',
      messages: [
        {
          typeName: 'DashboardStop',
          tag: 'stop',
          summary: 'Stop the session from the dashboard.',
          schema: obj({ type: lit('stop'), session_id: sessionId() }),
          examples: [{ type: 'stop', session_id: 123 }],
        },
      ],
    },
  ],
};
