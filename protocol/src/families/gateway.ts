import { obj, str, num, any, opt } from '../schema/dsl.js';
import type { FamilyDef, MessageDef } from '../schema/family.js';

// Socket.io carries each event as the array [name, payload]; the payload interfaces are the seed's.
const deviceId = () => str({ description: 'Device id (the namespace /device/:deviceId)' });
const timestamp = () => num(0, undefined, { description: 'Unix time, milliseconds' });

const events: MessageDef[] = [
  {
    typeName: 'DeviceQRPayload',
    tag: 'qr',
    summary: 'A provisioning string for a device not yet provisioned.',
    schema: obj({ deviceId: deviceId(), qr: str(), timestamp: timestamp() }),
    examples: [['qr', { deviceId: '12345678-1234-1234-1234-123456789abc', qr: 'espfleet://provision?d=valve-1&k=7f3a', timestamp: 1762430400000 }]],
  },
  {
    typeName: 'DeviceReadyPayload',
    tag: 'ready',
    summary: 'The device is operational.',
    schema: obj({ deviceId: deviceId(), phoneNumber: opt(str()), timestamp: timestamp() }),
    examples: [
      ['ready', { deviceId: 'valve-1', timestamp: 1762430400000 }],
      ['ready', { deviceId: 'valve-1', phoneNumber: '+34600000000', timestamp: 1762430400000 }],
    ],
  },
  {
    typeName: 'DeviceAuthenticatedPayload',
    tag: 'authenticated',
    summary: 'The device passed authentication; phoneNumber is its cellular number or empty, clientName its name.',
    schema: obj({ deviceId: deviceId(), phoneNumber: str(), clientName: str(), timestamp: timestamp() }),
    examples: [
      ['authenticated', { deviceId: 'valve-1', phoneNumber: '', clientName: 'Greenhouse valve', timestamp: 1762430400000 }],
      ['authenticated', { deviceId: 'válvula-1', phoneNumber: '+34600000000', clientName: 'Válvula del invernadero Núñez', timestamp: 1762430400000 }],
    ],
  },
  {
    typeName: 'MessageReceivedPayload',
    tag: 'message',
    summary: 'A message the device sent (any JSON value).',
    schema: obj({ deviceId: deviceId(), message: any(), timestamp: timestamp() }),
    examples: [
      ['message', { deviceId: 'valve-1', message: { event: 'valve_error', error: 'Motor stalled' }, timestamp: 1762430400000 }],
      ['message', { deviceId: 'valve-1', message: { text: 'Riego terminado ✓ 🌱', 'señal': '−61 dBm' }, timestamp: 1762430400000 }],
    ],
  },
  {
    typeName: 'DeviceStatePayload',
    tag: 'state',
    summary: 'The device changed status.',
    schema: obj({ deviceId: deviceId(), status: str(), timestamp: timestamp() }),
    examples: [['state', { deviceId: 'valve-1', status: 'online', timestamp: 1762430400000 }]],
  },
  {
    typeName: 'DeviceDisconnectedPayload',
    tag: 'disconnected',
    summary: 'The device went away, and why.',
    schema: obj({ deviceId: deviceId(), reason: str(), timestamp: timestamp() }),
    examples: [['disconnected', { deviceId: 'valve-1', reason: 'transport close', timestamp: 1762430400000 }]],
  },
];

export const gateway: FamilyDef = {
  name: 'gateway',
  id: 'gateway',
  title: 'Device gateway (Socket.io, path /ws, namespace /device/:deviceId)',
  seed: 'device-gateway-socketio.md',
  discriminator: 'socketio',
  constants: {
    GATEWAY_ERRORS: {
      API_KEY_REQUIRED: 'API key is required',
      INVALID_API_KEY: 'Invalid API key',
      SERVER_CONFIGURATION: 'Server configuration error',
    },
    GATEWAY_PATHS: { SOCKET_IO_PATH: '/ws', NAMESPACE: '/device/:deviceId' },
  },
  directions: [{ union: 'GatewayEvent', from: 'server', to: 'client', messages: events }],
};
