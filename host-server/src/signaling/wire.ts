// What the router reads and writes, as pure functions: a client message parsed and checked into
// the spec's error forms, and every reply the spec shows, encoded by the protocol's codecs.
import {
  decodeSignalingClientMessage,
  encodeConnectedResponse,
  encodePongResponse,
  encodeRegisterError,
  encodeRegisterOk,
  encodeSignalingError,
  encodeTargetNotFound,
  encodeUserJoinedMessage,
  encodeUserLeftMessage,
  encodeCheckResponse,
  SIGNALING_ERRORS,
  type CheckResponse,
  type SignalingClientMessage,
} from '@espfleet/protocol/signaling';

export type ClientMessage = SignalingClientMessage;
export type RoutedEvent = 'try_connect' | 'sdp_offer' | 'sdp_answer' | 'ice_candidate';
export const ROUTED: ReadonlySet<string> = new Set<RoutedEvent>(['try_connect', 'sdp_offer', 'sdp_answer', 'ice_candidate']);
export type RoutedMessage = Extract<ClientMessage, { event: RoutedEvent }>;

export const isRouted = (m: ClientMessage): m is RoutedMessage => ROUTED.has(m.event);

/** Longest email or device id the router takes. */
export const MAX_ID_CHARS = 256;
// Ids travel inside Redis keys and the bus's framing, which use no control characters.
const CONTROL = /\p{Cc}/u;

export const ERRORS = {
  ...SIGNALING_ERRORS,
  EMAIL_MISMATCH: 'Email does not match token',
  NOT_REGISTERED: 'Not registered: send register first',
  FROM_MISMATCH: 'from_email and from_device must be those this socket registered',
  NOT_CONNECTED: (email: string) => `Not connected with ${email}: send a connection request first`,
  TOO_LARGE: (bytes: number, max: number) => `Message too large: ${bytes} bytes (at most ${max})`,
  BUSY: 'Too many messages waiting on this socket: slow down',
} as const;

export type Parsed = { ok: true; msg: ClientMessage } | { ok: false; reply: string };

/** The spec's parse, unknown-event and size errors; a message that passes still needs validate(). */
export function parseClientMessage(text: string, maxBytes: number): Parsed {
  if (text.length > maxBytes / 3) {
    const bytes = Buffer.byteLength(text);
    if (bytes > maxBytes) return { ok: false, reply: error(ERRORS.TOO_LARGE(bytes, maxBytes)) };
  }
  const d = decodeSignalingClientMessage(text, { maxBytes: Infinity });
  if (d.ok) return { ok: true, msg: d.value };
  const { path, message } = d.error;
  if (path === '/event' && message.startsWith(SIGNALING_ERRORS.UNKNOWN_EVENT_PREFIX)) return { ok: false, reply: error(message) };
  return { ok: false, reply: error(`${SIGNALING_ERRORS.PARSE_PREFIX}${path ? `${path} ` : ''}${message}`) };
}

const REQUIRED: Record<string, ReadonlyArray<keyof ClientMessage>> = {
  register: ['from_email', 'from_token', 'from_device'],
  try_connect: ['from_email', 'from_device', 'to_email', 'to_device'],
  sdp_offer: ['from_email', 'from_device', 'to_email', 'to_device'],
  sdp_answer: ['from_email', 'from_device', 'to_email', 'to_device'],
  ice_candidate: ['from_email', 'from_device', 'to_email', 'to_device'],
};

/** The spec's validation error (`from_email is required for register`), or undefined when valid. */
export function validate(m: ClientMessage): string | undefined {
  for (const f of REQUIRED[m.event] ?? []) {
    const v = m[f] as string;
    if (v.trim() === '') return `${f}${SIGNALING_ERRORS.REQUIRED_SUFFIX}${m.event}`;
    if (f !== 'from_token' && (v.length > MAX_ID_CHARS || CONTROL.test(v))) {
      return `${f} must be at most ${MAX_ID_CHARS} characters without control characters`;
    }
  }
  return undefined;
}

/** Emails compare as the accounts store them. */
export const sameEmail = (a: string) => a.trim().toLowerCase();

export function error(message: string, target?: { email: string; device: string }): string {
  return encodeSignalingError(target ? { event: 'error', error: message, target_email: target.email, target_device: target.device } : { event: 'error', error: message });
}

export const registerOk = (socketId: string) => encodeRegisterOk({ event: 'register', status: 'ok', socket_id: socketId });
export const registerError = (message: string) => encodeRegisterError({ event: 'register', status: 'error', error: message });
export const connected = () => encodeConnectedResponse({ event: 'connected', status: 'ok' });
export const pong = (nowMs: number) => encodePongResponse({ event: 'pong', timestamp: Math.floor(nowMs / 1000) });
export const checkResponse = (users: CheckResponse) => encodeCheckResponse(users);

export function targetNotFound(email: string, device: string): string {
  return encodeTargetNotFound({
    event: 'target_not_found',
    error: `User ${email} with device ${device} is not online`,
    target_email: email,
    target_device: device,
  });
}

export const routingUnavailable = (email: string, device: string) => error(SIGNALING_ERRORS.ROUTING_REDIS, { email, device });

export function presenceEvent(event: 'user_joined' | 'user_left', email: string, deviceId: string): string {
  const m = { from_email: email, from_token: '', from_device: deviceId, to_email: '', to_device: '', payload: { email, device_id: deviceId } };
  return event === 'user_joined' ? encodeUserJoinedMessage({ ...m, event }) : encodeUserLeftMessage({ ...m, event });
}

export type DeviceInfo = CheckResponse[number]['devices'][number];
