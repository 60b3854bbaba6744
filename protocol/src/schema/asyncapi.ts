// One AsyncAPI 3.0.0 document for every family, built from the same schemas as the codecs.
//
// Payload schemas are declared as JSON Schema draft-07 (`application/schema+json;version=draft-07`):
// @asyncapi/parser 3.x registers only draft-07 and the AsyncAPI Schema Object (itself a draft-07
// superset) as JSON Schema formats, so a 2020-12 schemaFormat would be refused. The message
// schemas use only keywords with the same meaning in draft-07 and 2020-12 (type, properties,
// required, const, enum, anyOf, items, min/max*, pattern, default, description); the one 2020-12-only
// construct, the gateway's `prefixItems` direction union, is not used: a gateway message's payload
// is the Socket.io event's payload object and its `name` is the event name.
import type { DirectionDef, FamilyDef, MessageDef } from './family.js';
import { plain } from './jsonSchema.js';

export const ASYNCAPI_SCHEMA_FORMAT = 'application/schema+json;version=draft-07';

const HOST_SERVER = 'espfleet-server';
const VALVE_SERVER = 'valve-device';

interface ChannelSpec {
  key: string;
  address: string;
  server: string;
  title: string;
  description: string;
  parameters?: Record<string, { description: string; examples?: string[] }>;
  bindings?: Record<string, unknown>;
  extra?: Record<string, unknown>;
}

/** `sensorStream` → `SensorStream`: the prefix of a family's component names. */
function prefix(fam: FamilyDef): string {
  return fam.id.charAt(0).toUpperCase() + fam.id.slice(1);
}

function componentKey(fam: FamilyDef, typeName: string): string {
  return `${prefix(fam)}_${typeName}`;
}

function constantsText(fam: FamilyDef): string {
  const c = fam.constants ?? {};
  const parts: string[] = [];
  if (c.CLOSE_CODES) {
    const reasons = c.CLOSE_REASONS ?? {};
    parts.push(
      'Close codes (the server closes the connection with one of these codes and a reason):\n' +
        Object.entries(c.CLOSE_CODES)
          .map(([name, code]) => `- \`${code}\` ${name}${reasons[String(code)] ? ` — "${reasons[String(code)]}"` : ''}`)
          .join('\n'),
    );
  }
  for (const [group, values] of Object.entries(c)) {
    if (!group.endsWith('_ERRORS')) continue;
    parts.push(
      `Error strings (${group}):\n` +
        Object.entries(values)
          .map(([name, v]) => `- ${name}: \`${JSON.stringify(v)}\``)
          .join('\n'),
    );
  }
  return parts.join('\n\n');
}

function channelSpecs(fam: FamilyDef): ChannelSpec[] {
  const withConstants = (text: string) => [text, constantsText(fam)].filter(Boolean).join('\n\n');
  switch (fam.name) {
    case 'valve':
      return [
        {
          key: 'valve',
          address: '/ws',
          server: VALVE_SERVER,
          title: fam.title,
          description: withConstants(
            'The valve controller is itself the WebSocket server (port 80, path `/ws`). Clients authenticate with ' +
              '`request_device_info`; every other event is ignored until the passkey matched. Discriminator: `event`.',
          ),
        },
      ];
    case 'sensor-stream': {
      const common = 'Discriminator: `type`. Clients may send `sensor_data`; the server pushes updates, status changes and errors.';
      return [
        {
          key: 'sensorData',
          address: '/ws/sensor-data/',
          server: HOST_SERVER,
          title: 'Sensor stream: all sensors',
          description: `Every sensor data update in real time. ${common}`,
        },
        {
          key: 'sensorDevice',
          address: '/ws/device/{device_id}/',
          server: HOST_SERVER,
          title: 'Sensor stream: one device',
          description: `Updates for one device. ${common}`,
          parameters: { device_id: { description: 'Numeric device id.', examples: ['1'] } },
        },
        {
          key: 'sensorSensor',
          address: '/ws/sensor/{sensor_id}/',
          server: HOST_SERVER,
          title: 'Sensor stream: one sensor',
          description: `Updates for one sensor. ${common}`,
          parameters: { sensor_id: { description: 'Numeric sensor id.', examples: ['1'] } },
        },
      ];
    }
    case 'charger':
      return [
        {
          key: 'charger',
          address: '/ws',
          server: HOST_SERVER,
          title: fam.title,
          description: withConstants(
            'One endpoint for both ends, told apart by the query string: the charger connects with ' +
              '`?role=publisher&estacionId=N`, the dashboard with `?role=client&estacionId=N` (`type=dashboard` is ' +
              'accepted as an alias of `role=client`); `token` is an optional JWT. Discriminator: `type`.',
          ),
          bindings: {
            ws: {
              method: 'GET',
              query: {
                type: 'object',
                properties: {
                  role: {
                    type: 'string',
                    enum: ['publisher', 'client'],
                    description: '`publisher`: the charger (ESP32). `client`: a dashboard subscriber.',
                  },
                  type: {
                    type: 'string',
                    enum: ['dashboard'],
                    description: 'Legacy alias: `type=dashboard` is the same as `role=client`.',
                  },
                  estacionId: {
                    type: 'string',
                    pattern: '^[0-9]+$',
                    description: 'Numeric station id; required for both roles (close code 4004 / 4006 when missing, 4005 when unknown).',
                  },
                  token: { type: 'string', description: 'Optional JWT (close code 4003 when invalid).' },
                },
                required: ['estacionId'],
              },
              bindingVersion: '0.1.0',
            },
          },
        },
      ];
    case 'gateway':
      return [
        {
          key: 'gateway',
          address: '/device/{deviceId}',
          server: HOST_SERVER,
          title: fam.title,
          description: withConstants(
            'A Socket.io namespace, one per device, served under the Socket.io path `/ws` ' +
              '(`io("http://localhost:3000/device/<id>", { path: "/ws", query: { apiKey } })`). Each message is a ' +
              'Socket.io event: the message `name` is the event name and the payload is the event argument. ' +
              'A missing or bad API key rejects the connection (`connect_error`) with one of the error strings below.',
          ),
          parameters: { deviceId: { description: 'The device id (the namespace `/device/:deviceId`).', examples: ['12345678-1234-1234-1234-123456789abc'] } },
          bindings: {
            ws: {
              query: {
                type: 'object',
                properties: { apiKey: { type: 'string', description: 'API key; required.' } },
                required: ['apiKey'],
              },
              bindingVersion: '0.1.0',
            },
          },
          extra: { 'x-socketio': { path: '/ws', namespace: '/device/{deviceId}' } },
        },
      ];
    case 'signaling':
      return [
        {
          key: 'signaling',
          address: '/socket/',
          server: HOST_SERVER,
          title: fam.title,
          description: withConstants(
            'Presence and WebRTC signaling. Clients send `register` first; routed events (`try_connect`, `sdp_offer`, ' +
              '`sdp_answer`, `ice_candidate`) are delivered to the target device unchanged. The answer to `check` is a ' +
              'bare JSON array (CheckResponse). Discriminator: `event`.',
          ),
        },
      ];
  }
}

/** The application this document describes is the server: the host server, or the valve itself. */
function action(dir: DirectionDef): 'send' | 'receive' {
  return dir.to === 'server' || dir.to === 'device' ? 'receive' : 'send';
}

const ROLE: Record<string, string> = { charger: 'role=publisher', dashboard: 'role=client' };

function message(fam: FamilyDef, m: MessageDef): Record<string, unknown> {
  const key = componentKey(fam, m.typeName);
  const out: Record<string, unknown> = {
    name: m.tag,
    title: m.typeName,
    summary: m.summary,
  };
  const notes: string[] = [];
  if (fam.discriminator === 'socketio') notes.push(`Socket.io event \`${m.tag}\`; the payload is the event argument.`);
  else notes.push(`\`${fam.discriminator}\`: \`${m.tag}\`.`);
  if (m.variant) notes.push(`Told apart from its siblings by \`${m.variant.property}\`: \`${m.variant.value}\`.`);
  if (m.extension) notes.push('An espfleet extension, not in the seed.');
  out.description = notes.join(' ');
  out.payload = { schemaFormat: ASYNCAPI_SCHEMA_FORMAT, schema: { $ref: `#/components/schemas/${key}` } };
  out.examples = m.examples.map((e, i) => ({
    name: `${m.typeName}_${i + 1}`,
    payload: fam.discriminator === 'socketio' ? (e as unknown[])[1] : e,
  }));
  if (m.extension) out['x-espfleet-extension'] = true;
  return out;
}

export function buildAsyncApi(families: FamilyDef[], version = '0.1.0'): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};

  for (const fam of families) {
    // Components: one message and one schema per distinct type name.
    const famMessages: string[] = [];
    for (const dir of fam.directions) {
      const am = dir.arrayMessage;
      if (am && !famMessages.includes(am.typeName)) {
        const key = componentKey(fam, am.typeName);
        famMessages.push(am.typeName);
        schemas[key] = { description: am.summary, ...plain(am.schema) };
        messages[key] = {
          name: 'check',
          title: am.typeName,
          summary: am.summary,
          description: 'The whole message is a JSON array (no discriminator property): the answer to `check`.',
          payload: { schemaFormat: ASYNCAPI_SCHEMA_FORMAT, schema: { $ref: `#/components/schemas/${key}` } },
          examples: am.examples.map((e, i) => ({ name: `${am.typeName}_${i + 1}`, payload: e })),
        };
      }
      for (const m of dir.messages) {
        if (famMessages.includes(m.typeName)) continue;
        const key = componentKey(fam, m.typeName);
        famMessages.push(m.typeName);
        schemas[key] = { description: m.summary + (m.extension ? ' (espfleet extension)' : ''), ...plain(m.schema) };
        messages[key] = message(fam, m);
      }
    }

    const specs = channelSpecs(fam);
    for (const ch of specs) {
      const channelMessages: Record<string, unknown> = {};
      for (const t of famMessages) channelMessages[t] = { $ref: `#/components/messages/${componentKey(fam, t)}` };
      channels[ch.key] = {
        address: ch.address,
        title: ch.title,
        description: ch.description,
        servers: [{ $ref: `#/servers/${ch.server}` }],
        ...(ch.parameters ? { parameters: ch.parameters } : {}),
        messages: channelMessages,
        ...(ch.bindings ? { bindings: ch.bindings } : {}),
        'x-espfleet-family': fam.name,
        'x-espfleet-seed': fam.seed,
        ...(ch.extra ?? {}),
      };

      for (const dir of fam.directions) {
        const opKey = `${fam.id}_${dir.union}` + (specs.length > 1 ? `_${ch.key}` : '');
        const names = [...(dir.arrayMessage ? [dir.arrayMessage.typeName] : []), ...dir.messages.map((m) => m.typeName)];
        const roles = [ROLE[dir.from], ROLE[dir.to]].filter(Boolean);
        operations[opKey] = {
          action: action(dir),
          channel: { $ref: `#/channels/${ch.key}` },
          title: `${dir.union} (${dir.from} → ${dir.to})`,
          summary: `Every message from ${dir.from} to ${dir.to}.`,
          description:
            `${action(dir) === 'receive' ? 'The server receives' : 'The server sends'} these messages` +
            (roles.length ? ` on connections opened with \`${roles.join(', ')}\`` : '') +
            (fam.discriminator === 'socketio' ? ' as Socket.io events' : '') +
            '.',
          messages: [...new Set(names)].map((t) => ({ $ref: `#/channels/${ch.key}/messages/${t}` })),
          'x-espfleet-union': dir.union,
        };
      }
    }
  }

  return {
    asyncapi: '3.0.0',
    id: 'urn:espfleet:protocol',
    info: {
      title: 'espfleet',
      version,
      description:
        'The espfleet wire protocol: every message of the five families (valve controller, sensor streams, ' +
        'EV charger and dashboard, device gateway, signaling router), generated from the same schemas as the ' +
        'Node, Espruino and Lua codecs. Operations are written from the point of view of the server application ' +
        '(the host server, or for the valve family the valve device itself). Messages marked ' +
        '`x-espfleet-extension: true` are additive espfleet extensions not present in the original specifications.',
      license: { name: 'MIT' },
    },
    defaultContentType: 'application/json',
    servers: {
      [HOST_SERVER]: {
        host: 'localhost:3000',
        protocol: 'ws',
        title: 'espfleet host server',
        description:
          'The host server: sensor streams, charger/dashboard endpoint, the Socket.io device gateway (path `/ws`) and the signaling router.',
      },
      [VALVE_SERVER]: {
        host: '{deviceIp}',
        protocol: 'ws',
        title: 'Valve controller',
        description: 'The valve controller serves its own WebSocket endpoint on port 80.',
        variables: {
          deviceIp: { default: '192.168.4.1', description: 'The valve device address on the local network (port 80).' },
        },
      },
    },
    channels,
    operations,
    components: { messages, schemas },
  };
}
