import { obj, str, lit, int, num, opt } from '../schema/dsl.js';
import type { FamilyDef } from '../schema/family.js';

const isoTime = () => str({ 'x-format': 'iso-datetime' });
const id = (description: string) => int(0, undefined, { description });

export const sensorStream: FamilyDef = {
  name: 'sensor-stream',
  id: 'sensorStream',
  title: 'Sensor streams (/ws/sensor-data/, /ws/device/{device_id}/, /ws/sensor/{sensor_id}/)',
  seed: 'sensor-streams-websocket.md',
  discriminator: 'type',
  constants: {
    SENSOR_PATHS: {
      ALL: '/ws/sensor-data/',
      DEVICE: '/ws/device/{device_id}/',
      SENSOR: '/ws/sensor/{sensor_id}/',
    },
  },
  directions: [
    {
      union: 'SensorClientMessage',
      from: 'client',
      to: 'server',
      messages: [
        {
          typeName: 'SensorData',
          tag: 'sensor_data',
          summary: 'A reading; the server stores it and fans it out as sensor_data_update.',
          schema: obj({
            type: lit('sensor_data'),
            sensor_id: id('Registered sensor id'),
            value: num(),
            timestamp: opt(isoTime()),
          }),
          examples: [
            { type: 'sensor_data', sensor_id: 1, value: 25.5, timestamp: '2025-09-11T15:30:00Z' },
            { type: 'sensor_data', sensor_id: 1, value: 25.5 },
          ],
        },
      ],
    },
    {
      union: 'SensorServerMessage',
      from: 'server',
      to: 'client',
      messages: [
        {
          typeName: 'SensorDataUpdate',
          tag: 'sensor_data_update',
          summary: 'A stored reading, enriched with its sensor and device.',
          schema: obj({
            type: lit('sensor_data_update'),
            sensor_id: id('Sensor id'),
            sensor_type: str(),
            device_id: id('Device id'),
            device_name: str(),
            value: num(),
            unit: str(),
            timestamp: isoTime(),
          }),
          examples: [
            {
              type: 'sensor_data_update',
              sensor_id: 1,
              sensor_type: 'temperature',
              device_id: 1,
              device_name: 'Hydroponic System 1',
              value: 25.5,
              unit: 'celsius',
              timestamp: '2025-09-11T15:30:00Z',
            },
            {
              type: 'sensor_data_update',
              sensor_id: 2,
              sensor_type: 'température',
              device_id: 1,
              device_name: 'Invernadero de la Sra. Núñez',
              value: 21.5,
              unit: '°C',
              timestamp: '2025-09-11T15:30:00Z',
            },
          ],
        },
        {
          typeName: 'DeviceStatus',
          tag: 'device_status',
          summary: 'A device changed status.',
          schema: obj({
            type: lit('device_status'),
            device_id: id('Device id'),
            device_name: str(),
            status: str(),
            timestamp: isoTime(),
          }),
          examples: [
            {
              type: 'device_status',
              device_id: 1,
              device_name: 'Hydroponic System 1',
              status: 'active',
              timestamp: '2025-09-11T15:30:00Z',
            },
            { type: 'device_status', device_id: 2, device_name: 'Bomba nº 2 — riego', status: 'en línea', timestamp: '2025-09-11T15:30:00Z' },
          ],
        },
        {
          typeName: 'SensorError',
          tag: 'error',
          summary: 'Bad input or a server-side failure.',
          schema: obj({ type: lit('error'), message: str(), code: str() }),
          examples: [
            { type: 'error', message: 'Error description', code: 'ERROR_CODE' },
            { type: 'error', message: 'Sensor «pH» no encontrado', code: 'NO_ENCONTRADO' },
          ],
        },
      ],
    },
  ],
};
