// The AsyncAPI document parses cleanly with @asyncapi/parser (offline), covers every message of
// every family, has the seeds' channel addresses, and every message example validates against
// its payload (JSON Schema draft-07, the schemaFormat the document declares).
import { describe, it, expect, beforeAll } from 'vitest';
import { Parser, type AsyncAPIDocumentInterface, type Input } from '@asyncapi/parser';
import { Ajv } from 'ajv';
import { families } from '../src/families/index.js';
import { buildAsyncApi, ASYNCAPI_SCHEMA_FORMAT } from '../src/schema/asyncapi.js';
import type { FamilyDef } from '../src/schema/family.js';

const doc = buildAsyncApi(families);
const raw = doc as {
  channels: Record<string, { address: string; parameters?: Record<string, unknown>; bindings?: any; description: string }>;
  operations: Record<string, { action: string; messages: unknown[] }>;
  components: { messages: Record<string, any>; schemas: Record<string, unknown> };
};

const prefix = (fam: FamilyDef) => fam.id.charAt(0).toUpperCase() + fam.id.slice(1);

function expectedMessages(fam: FamilyDef): string[] {
  const names = new Set<string>();
  for (const dir of fam.directions) {
    if (dir.arrayMessage) names.add(dir.arrayMessage.typeName);
    for (const m of dir.messages) names.add(m.typeName);
  }
  return [...names].map((t) => `${prefix(fam)}_${t}`);
}

const CHANNELS: Record<string, string> = {
  valve: '/ws',
  sensorData: '/ws/sensor-data/',
  sensorDevice: '/ws/device/{device_id}/',
  sensorSensor: '/ws/sensor/{sensor_id}/',
  charger: '/ws',
  gateway: '/device/{deviceId}',
  signaling: '/socket/',
};

let parsed: AsyncAPIDocumentInterface;

beforeAll(async () => {
  const { document, diagnostics } = await new Parser().parse(doc as Input);
  const errors = diagnostics.filter((d) => d.severity === 0);
  if (errors.length) {
    console.error(errors.map((d) => `${d.code}: ${d.message} at ${d.path.join('/')}`).join('\n'));
  }
  expect(errors).toEqual([]);
  expect(document).toBeDefined();
  parsed = document!;
});

describe('AsyncAPI document', () => {
  it('is AsyncAPI 3.0.0 with the espfleet info and both servers', () => {
    expect(parsed.version()).toBe('3.0.0');
    expect(parsed.info().title()).toBe('espfleet');
    expect(parsed.info().version()).toBe('0.1.0');
    expect(parsed.servers().all().map((s) => s.id()).sort()).toEqual(['espfleet-server', 'valve-device']);
    expect(parsed.servers().get('espfleet-server')?.host()).toBe('localhost:3000');
    expect(parsed.servers().get('valve-device')?.variables().has('deviceIp')).toBe(true);
  });

  it('has no remote $refs', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]*)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.filter((r) => !r!.startsWith('#/'))).toEqual([]);
  });

  it('has every channel address exactly, with its parameters', () => {
    const channels = parsed.channels();
    for (const [key, address] of Object.entries(CHANNELS)) {
      expect(channels.get(key)?.address(), key).toBe(address);
    }
    expect(channels.all().map((c) => c.address()).sort()).toEqual(Object.values(CHANNELS).sort());
    expect(channels.get('valve')?.servers().all().map((s) => s.id())).toEqual(['valve-device']);
    expect(channels.get('sensorDevice')?.parameters().has('device_id')).toBe(true);
    expect(channels.get('sensorSensor')?.parameters().has('sensor_id')).toBe(true);
    expect(channels.get('gateway')?.parameters().has('deviceId')).toBe(true);
    const query = raw.channels.charger!.bindings.ws.query;
    expect(query.type).toBe('object');
    expect(Object.keys(query.properties)).toEqual(expect.arrayContaining(['role', 'estacionId', 'token']));
    for (const code of [4003, 4004, 4005, 4006]) expect(raw.channels.charger!.description).toContain(String(code));
    for (const e of ['API key is required', 'Invalid API key', 'Server configuration error']) {
      expect(raw.channels.gateway!.description).toContain(e);
    }
  });

  it('has an operation per direction of each family, from the server point of view', () => {
    const ops = parsed.operations().all();
    expect(ops.length).toBe(families.reduce((n, f) => n + f.directions.length * (f.name === 'sensor-stream' ? 3 : 1), 0));
    const valveIn = parsed.operations().get('valve_ValveClientMessage');
    expect(valveIn?.action()).toBe('receive');
    expect(parsed.operations().get('charger_DashboardMessage')?.action()).toBe('send');
    expect(parsed.operations().get('gateway_GatewayEvent')?.messages().all().map((m) => m.name()).sort()).toEqual(
      ['authenticated', 'disconnected', 'message', 'qr', 'ready', 'state'],
    );
  });

  for (const fam of families) {
    it(`${fam.name}: every message is present, named by its tag, with its examples`, () => {
      const expected = expectedMessages(fam);
      const components = parsed.components().messages();
      const mine = components.all().filter((m) => m.id().startsWith(`${prefix(fam)}_`));
      expect(mine.map((m) => m.id()).sort()).toEqual([...expected].sort());
      expect(mine.length).toBe(
        new Set(fam.directions.flatMap((d) => d.messages.map((m) => m.typeName))).size +
          fam.directions.filter((d) => d.arrayMessage).length,
      );
      for (const dir of fam.directions) {
        for (const m of dir.messages) {
          const msg = components.get(`${prefix(fam)}_${m.typeName}`)!;
          expect(msg.name()).toBe(m.tag);
          expect(msg.title()).toBe(m.typeName);
          expect(msg.examples().all().length).toBe(m.examples.length);
          expect(msg.extensions().get('x-espfleet-extension')?.value() ?? false).toBe(m.extension ?? false);
        }
      }
    });
  }

  it('has CheckResponse, the signaling array message', () => {
    const msg = parsed.components().messages().get('Signaling_CheckResponse');
    expect(msg?.payload()?.type()).toBe('array');
  });

  it('every message example validates against its payload (draft-07)', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addKeyword('x-format');
    let checked = 0;
    for (const [key, m] of Object.entries(raw.components.messages)) {
      expect(m.payload.schemaFormat, key).toBe(ASYNCAPI_SCHEMA_FORMAT);
      const ref: string = m.payload.schema.$ref;
      const schema = raw.components.schemas[ref.replace('#/components/schemas/', '')];
      expect(schema, key).toBeDefined();
      const validate = ajv.compile(schema as object);
      // The same schema as the parser resolved it.
      const resolved = parsed.components().messages().get(key)!;
      const multi = resolved.payload()?.json() as { schemaFormat?: string; schema?: unknown };
      expect(multi.schemaFormat).toBe(ASYNCAPI_SCHEMA_FORMAT);
      expect(multi.schema).toMatchObject(schema as object);
      for (const ex of resolved.examples().all()) {
        const ok = validate(ex.payload());
        if (!ok) console.error(key, ex.name(), JSON.stringify(validate.errors));
        expect(ok, `${key} ${ex.name()}`).toBe(true);
        checked++;
      }
      // A non-object (or empty array, for CheckResponse) must not pass for object messages.
      if ((schema as { type?: string }).type === 'object') expect(validate([])).toBe(false);
    }
    expect(checked).toBe(
      families.reduce(
        (n, f) =>
          n +
          f.directions.reduce((k, d) => k + (d.arrayMessage?.examples.length ?? 0), 0) +
          [...new Map(f.directions.flatMap((d) => d.messages.map((m) => [m.typeName, m.examples.length] as const))).values()].reduce(
            (a, b) => a + b,
            0,
          ),
        0,
      ),
    );
  });
});
