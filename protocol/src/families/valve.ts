import { obj, str, lit, int, num, bool, arr, opt, oneOfStr } from '../schema/dsl.js';
import type { FamilyDef } from '../schema/family.js';

const localTime = () => str({ 'x-format': 'local-datetime', description: 'Device local time, YYYY-MM-DD HH:MM:SS' });
const angle = () => int(0, 90, { description: 'Valve angle in degrees: 0 closed, 90 fully open' });

export const valve: FamilyDef = {
  name: 'valve',
  id: 'valve',
  title: 'Valve controller (device is the WebSocket server at /ws)',
  seed: 'valve-controller-websocket.md',
  discriminator: 'event',
  constants: {
    VALVE_ERRORS: {
      NONE: 'No Error',
      OVERCURRENT: 'Overcurrent detected',
      STALLED: 'Motor stalled',
      LIMIT_SWITCH: 'Limit switch fault',
    },
  },
  directions: [
    {
      union: 'ValveClientMessage',
      from: 'client',
      to: 'device',
      messages: [
        {
          typeName: 'RequestDeviceInfo',
          tag: 'request_device_info',
          summary: 'Authenticate with the device passkey; answered by device_info.',
          schema: obj({ event: lit('request_device_info'), passkey: str() }),
          examples: [{ event: 'request_device_info', passkey: 'YOUR_PASSKEY' }],
        },
        {
          typeName: 'DeviceBasicInfo',
          tag: 'device_basic_info',
          summary: 'Ask for the full valve state; answered by valve_data when device_id matches.',
          schema: obj({
            event: lit('device_basic_info'),
            data: obj({ user_id: str(), device_id: str() }),
          }),
          examples: [{ event: 'device_basic_info', data: { user_id: '123', device_id: 'DEVICE_ID' } }],
        },
        {
          typeName: 'SetValveBasic',
          tag: 'set_valve_basic',
          summary: 'Manual control: switches schedule and sensor control off and moves the valve.',
          schema: obj({
            event: lit('set_valve_basic'),
            valve_data: obj({ set_angle: bool(), angle: angle() }),
          }),
          examples: [{ event: 'set_valve_basic', valve_data: { set_angle: true, angle: 45 } }],
        },
        {
          typeName: 'SetValveWifi',
          tag: 'set_valve_wifi',
          summary: 'New WiFi credentials; the device saves them and restarts when they changed.',
          schema: obj({
            event: lit('set_valve_wifi'),
            wifi_data: obj({ ssid: str({ minLength: 1 }), password: str() }),
          }),
          examples: [
            { event: 'set_valve_wifi', wifi_data: { ssid: 'YourSSID', password: 'YourPassword' } },
            { event: 'set_valve_wifi', wifi_data: { ssid: 'Café Núñez 🌱', password: 'contraseña€' } },
          ],
        },
        {
          typeName: 'SetValveSchedule',
          tag: 'set_valve_schedule',
          extension: true,
          summary: 'Schedule mode: daily windows during which the valve opens to an angle.',
          schema: obj({
            event: lit('set_valve_schedule'),
            schedule_data: obj({
              enabled: bool(),
              windows: arr(
                obj({
                  start: str({ 'x-format': 'hh-mm', description: 'Local start time HH:MM' }),
                  duration: int(1, 1440, { description: 'Minutes open' }),
                  angle: angle(),
                }),
                { maxItems: 8 },
              ),
            }),
          }),
          examples: [
            {
              event: 'set_valve_schedule',
              schedule_data: { enabled: true, windows: [{ start: '06:30', duration: 20, angle: 90 }] },
            },
          ],
        },
        {
          typeName: 'SetValveSensor',
          tag: 'set_valve_sensor',
          extension: true,
          summary: 'Sensor mode: open to an angle while the sensor reading is below the threshold.',
          schema: obj({
            event: lit('set_valve_sensor'),
            sensor_data: obj({ enabled: bool(), threshold: num(), angle: angle() }),
          }),
          examples: [{ event: 'set_valve_sensor', sensor_data: { enabled: true, threshold: 30.5, angle: 60 } }],
        },
        {
          typeName: 'SetValveStop',
          tag: 'set_valve_stop',
          extension: true,
          summary: 'Stop the motor where it is.',
          schema: obj({ event: lit('set_valve_stop') }),
          examples: [{ event: 'set_valve_stop' }],
        },
      ],
    },
    {
      union: 'ValveDeviceMessage',
      from: 'device',
      to: 'client',
      messages: [
        {
          typeName: 'DeviceInfo',
          tag: 'device_info',
          summary: 'Sent right after a successful request_device_info.',
          schema: obj({ event: lit('device_info'), timestamp: localTime(), device_id: str() }),
          examples: [
            { event: 'device_info', timestamp: '2025-11-06 12:00:00', device_id: 'DEVICE_ID' },
          ],
        },
        {
          typeName: 'ValveData',
          tag: 'valve_data',
          summary: 'Full valve state, on request and on every change (at most every 250 ms while moving).',
          schema: obj({
            event: lit('valve_data'),
            timestamp: localTime(),
            device_id: str(),
            get_controller: obj({ schedule: bool(), sensor: bool() }),
            get_valvedata: obj({ angle: angle(), is_open: bool(), is_close: bool() }),
            get_limitdata: obj({
              is_open_limit: bool({ description: 'The open limit switch is installed and enabled' }),
              open_limit: bool({ description: 'The open limit switch is engaged now' }),
              is_close_limit: bool(),
              close_limit: bool(),
            }),
            Error: str({ description: '"No Error" or the latest fault' }),
            motion: opt(oneOfStr(['idle', 'opening', 'closing'], { description: 'Extension: what the motor is doing' })),
            target_angle: opt(angle()),
            uptime: opt(int(0, undefined, { description: 'Extension: seconds since boot' })),
            rssi: opt(int(-127, 0, { description: 'Extension: WiFi signal, dBm' })),
            current_a: opt(num(0, undefined, { description: 'Extension: motor supply current, amperes (absent while the current sensor does not answer)' })),
          }),
          examples: [
            {
              event: 'valve_data',
              timestamp: '2025-11-06 12:00:00',
              device_id: 'DEVICE_ID',
              get_controller: { schedule: true, sensor: false },
              get_valvedata: { angle: 90, is_open: true, is_close: false },
              get_limitdata: { is_open_limit: true, open_limit: false, is_close_limit: true, close_limit: false },
              Error: 'No Error',
            },
            {
              event: 'valve_data',
              timestamp: '2025-11-06 12:00:01',
              device_id: 'valve-7',
              get_controller: { schedule: false, sensor: false },
              get_valvedata: { angle: 30, is_open: true, is_close: false },
              get_limitdata: { is_open_limit: true, open_limit: false, is_close_limit: true, close_limit: false },
              Error: 'No Error',
              motion: 'opening',
              target_angle: 45,
              uptime: 3600,
              rssi: -61,
              current_a: 0.412,
            },
          ],
        },
        {
          typeName: 'ValveError',
          tag: 'valve_error',
          summary: 'A fault broadcast to all clients, or (extension) the problem with one bad command, sent to its sender.',
          schema: obj({ event: lit('valve_error'), timestamp: localTime(), device_id: str(), error: str() }),
          examples: [
            {
              event: 'valve_error',
              timestamp: '2025-11-06 12:00:00',
              device_id: 'DEVICE_ID',
              error: 'Overcurrent detected',
            },
            {
              event: 'valve_error',
              timestamp: '2025-11-06 12:00:00',
              device_id: 'válvula-1',
              error: 'Sobrecorriente: motor bloqueado a 90°',
            },
          ],
        },
      ],
    },
  ],
};
