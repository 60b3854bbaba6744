import { obj, str, lit, int, arr, def, opt, nullable } from '../schema/dsl.js';
import type { FamilyDef, MessageDef } from '../schema/family.js';
import type { ObjectSchema } from '../schema/dsl.js';

// The SocketMessage envelope. Fields the seed's own examples leave out decode as "";
// a payload may be left out (decoding as {}) only when nothing in it is required.
function envelope(event: string, payload: ObjectSchema): ObjectSchema {
  return obj({
    from_email: def(str(), ''),
    from_token: def(str(), ''),
    from_device: def(str(), ''),
    to_email: def(str(), ''),
    to_device: def(str(), ''),
    event: lit(event),
    payload: payload.required.length ? payload : def(payload, {}),
  });
}

const emptyPayload = () => obj({});
const env = (over: Record<string, unknown>) => ({
  from_email: 'user@example.com',
  from_token: '',
  from_device: '',
  to_email: '',
  to_device: '',
  payload: {},
  ...over,
});

const register: MessageDef = {
  typeName: 'RegisterMessage',
  tag: 'register',
  summary: 'Authenticate with a login token and register this device.',
  schema: envelope('register', obj({ device_name: opt(str()), device_type: opt(str()) })),
  examples: [
    {
      from_email: 'user@example.com',
      from_token: 'uuid-token-from-login',
      from_device: 'device-unique-id',
      to_email: '',
      to_device: '',
      event: 'register',
      payload: { device_name: 'My Laptop', device_type: 'desktop' },
    },
    {
      from_email: 'test@example.com',
      from_token: 'uuid-token',
      from_device: 'device-123',
      to_email: '',
      to_device: '',
      event: 'register',
      payload: { device_name: 'Test Device' },
    },
    {
      from_email: 'jose.nunez@example.com',
      from_token: 'uuid-token',
      from_device: 'móvil-1',
      to_email: '',
      to_device: '',
      event: 'register',
      payload: { device_name: 'Móvil de José 📱', device_type: 'móvil' },
    },
  ],
};

const simple = (typeName: string, tag: string, summary: string): MessageDef => ({
  typeName,
  tag,
  summary,
  schema: envelope(tag, emptyPayload()),
  examples: [env({ event: tag })],
});

const tryConnect: MessageDef = {
  typeName: 'TryConnectMessage',
  tag: 'try_connect',
  summary: 'Ask another device to start a WebRTC connection; routed to it unchanged.',
  schema: envelope('try_connect', obj({ request_id: opt(str()) })),
  examples: [
    env({
      from_device: 'my-device-id',
      to_email: 'friend@example.com',
      to_device: 'friend-device-id',
      event: 'try_connect',
      payload: { request_id: 'unique-request-id' },
    }),
    { from_email: 'test@example.com', from_device: 'device-123', to_email: 'friend@example.com', to_device: 'friend-device', event: 'try_connect', payload: {} },
  ],
};

const sdp = (typeName: string, tag: string, kind: 'offer' | 'answer'): MessageDef => ({
  typeName,
  tag,
  summary: `WebRTC session description (${kind}); routed to the target unchanged.`,
  schema: envelope(tag, obj({ sdp: str(), type: lit(kind) })),
  examples: [
    kind === 'offer'
      ? env({
          from_device: 'my-device-id',
          to_email: 'friend@example.com',
          to_device: 'friend-device-id',
          event: tag,
          payload: { sdp: 'v=0\no=- 1234567890 2 IN IP4 127.0.0.1\n...', type: 'offer' },
        })
      : env({
          from_email: 'friend@example.com',
          from_device: 'friend-device-id',
          to_email: 'user@example.com',
          to_device: 'my-device-id',
          event: tag,
          payload: { sdp: 'v=0\no=- 0987654321 2 IN IP4 127.0.0.1\n...', type: 'answer' },
        }),
  ],
});

const ice: MessageDef = {
  typeName: 'IceCandidateMessage',
  tag: 'ice_candidate',
  summary: 'An ICE candidate; routed to the target unchanged.',
  schema: envelope(
    'ice_candidate',
    obj({ candidate: str(), sdpMid: nullable(str()), sdpMLineIndex: nullable(int(0)) }),
  ),
  examples: [
    env({
      from_device: 'my-device-id',
      to_email: 'friend@example.com',
      to_device: 'friend-device-id',
      event: 'ice_candidate',
      payload: {
        candidate: 'candidate:1234567890 1 udp 2122260223 192.168.1.100 54321 typ host',
        sdpMid: '0',
        sdpMLineIndex: 0,
      },
    }),
  ],
};

const presence = (typeName: string, tag: string, summary: string): MessageDef => ({
  typeName,
  tag,
  summary,
  schema: envelope(tag, obj({ email: str(), device_id: str() })),
  examples: [
    env({
      from_email: 'friend@example.com',
      from_device: 'friend-device-id',
      event: tag,
      payload: { email: 'friend@example.com', device_id: 'friend-device-id' },
    }),
  ],
});

const routed = [tryConnect, sdp('SdpOfferMessage', 'sdp_offer', 'offer'), sdp('SdpAnswerMessage', 'sdp_answer', 'answer'), ice];

const deviceInfo = obj({ socket_id: str(), device_name: opt(nullable(str())), device_type: opt(nullable(str())) });

export const signaling: FamilyDef = {
  name: 'signaling',
  id: 'signaling',
  title: 'Presence and signaling router (/socket/)',
  seed: 'signaling-router-websocket.md',
  discriminator: 'event',
  constants: {
    SIGNALING_ERRORS: {
      INVALID_TOKEN: 'Invalid or expired token',
      PARSE_PREFIX: 'Failed to parse message: ',
      UNKNOWN_EVENT_PREFIX: 'Unknown event: ',
      ROUTING_REDIS: 'Failed to route message - Redis unavailable',
      REQUIRED_SUFFIX: ' is required for ',
    },
    SIGNALING_REDIS: {
      PRESENCE_KEY: 'socket:presence:{email}:{device_id}',
      USER_DEVICES_KEY: 'socket:user_devices:{email}',
      CHANNEL: 'socket:messages',
    },
    SIGNALING_TIMING: { PING_INTERVAL_S: 30, IDLE_TIMEOUT_S: 60, ROUTE_TIMEOUT_MS: 5000 },
  },
  directions: [
    {
      union: 'SignalingClientMessage',
      from: 'client',
      to: 'server',
      messages: [
        register,
        simple('CheckMessage', 'check', 'List online devices of connected users.'),
        simple('ConnectMessage', 'connect', 'Connection acknowledgement.'),
        simple('PingMessage', 'ping', 'Heartbeat, every 30 s.'),
        ...routed,
        simple('DisconnectMessage', 'disconnect', 'Clean disconnect.'),
      ],
    },
    {
      union: 'SignalingServerMessage',
      from: 'server',
      to: 'client',
      arrayMessage: {
        typeName: 'CheckResponse',
        summary: 'Online devices of each connected user (empty when none).',
        schema: arr(obj({ email: str(), devices: arr(deviceInfo) })),
        examples: [
          [
            {
              email: 'friend@example.com',
              devices: [
                { socket_id: '49fd1ed5-0024-410c-99a5-f60163d83f1b', device_name: 'Work Laptop', device_type: 'desktop' },
                { socket_id: 'abc123', device_name: 'iPhone', device_type: 'mobile' },
              ],
            },
          ],
          [],
        ],
      },
      messages: [
        {
          typeName: 'RegisterOk',
          tag: 'register',
          variant: { property: 'status', value: 'ok' },
          summary: 'Registered; socket_id is this connection.',
          schema: obj({ event: lit('register'), status: lit('ok'), socket_id: str() }),
          examples: [{ event: 'register', status: 'ok', socket_id: '49fd1ed5-0024-410c-99a5-f60163d83f1b' }],
        },
        {
          typeName: 'RegisterError',
          tag: 'register',
          variant: { property: 'status', value: 'error' },
          summary: 'Registration refused.',
          schema: obj({ event: lit('register'), status: lit('error'), error: str() }),
          examples: [{ event: 'register', status: 'error', error: 'Invalid or expired token' }],
        },
        {
          typeName: 'ConnectedResponse',
          tag: 'connected',
          summary: 'Answer to connect.',
          schema: obj({ event: lit('connected'), status: lit('ok') }),
          examples: [{ event: 'connected', status: 'ok' }],
        },
        {
          typeName: 'PongResponse',
          tag: 'pong',
          summary: 'Answer to ping; Unix time in seconds.',
          schema: obj({ event: lit('pong'), timestamp: int(0) }),
          examples: [{ event: 'pong', timestamp: 1707417600 }],
        },
        {
          typeName: 'TargetNotFound',
          tag: 'target_not_found',
          summary: 'The target device was not online anywhere within 5 s.',
          schema: obj({ event: lit('target_not_found'), error: str(), target_email: str(), target_device: str() }),
          examples: [
            {
              event: 'target_not_found',
              error: 'User friend@example.com with device friend-device-id is not online',
              target_email: 'friend@example.com',
              target_device: 'friend-device-id',
            },
          ],
        },
        {
          typeName: 'SignalingError',
          tag: 'error',
          summary: 'Validation, parse, unknown-event or routing error.',
          schema: obj({ event: lit('error'), error: str(), target_email: opt(str()), target_device: opt(str()) }),
          examples: [
            { event: 'error', error: 'from_email is required for register' },
            { event: 'error', error: 'Failed to parse message: expected value at line 1 column 1' },
            { event: 'error', error: 'Unknown event: invalid_event' },
            {
              event: 'error',
              error: 'Failed to route message - Redis unavailable',
              target_email: 'friend@example.com',
              target_device: 'friend-device-id',
            },
          ],
        },
        ...routed,
        presence('UserJoinedMessage', 'user_joined', 'A device of a connected user came online.'),
        presence('UserLeftMessage', 'user_left', 'A device of a connected user went offline.'),
      ],
    },
  ],
};
