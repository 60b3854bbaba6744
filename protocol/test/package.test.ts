// The built package as an app imports it: one subpath per family, types and JS in dist/.
import { describe, it, expect } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { protocolRoot } from './support/vectors.js';

describe('@espfleet/protocol entry points', () => {
  it('loads each family alone and decodes its seed example', async () => {
    const valve = await import('@espfleet/protocol/valve');
    expect(valve.decodeValveClientMessage('{"event":"request_device_info","passkey":"YOUR_PASSKEY"}')).toEqual({
      ok: true,
      value: { event: 'request_device_info', passkey: 'YOUR_PASSKEY' },
    });
    const charger = await import('@espfleet/protocol/charger');
    expect(charger.CLOSE_CODES.ESTACION_NOT_FOUND).toBe(4005);
    const sensor = await import('@espfleet/protocol/sensor-stream');
    expect(sensor.decodeSensorClientMessage('{"type":"sensor_data","sensor_id":1,"value":25.5}').ok).toBe(true);
    const gateway = await import('@espfleet/protocol/gateway');
    expect(gateway.GATEWAY_ERRORS.API_KEY_REQUIRED).toBe('API key is required');
    const signaling = await import('@espfleet/protocol/signaling');
    expect(signaling.encodeSignalingServerMessage({ event: 'pong', timestamp: 1707417600 })).toBe('{"event":"pong","timestamp":1707417600}');
    const all = await import('@espfleet/protocol');
    expect(typeof all.valve.decodeValveDeviceMessage).toBe('function');
  });
  it('ships declarations, Espruino and Lua modules, JSON Schema and AsyncAPI', () => {
    for (const f of [
      'dist/node/generated/valve.d.ts',
      'dist/node/index.d.ts',
      'dist/espruino/valve.js',
      'dist/lua/5.1/valve.lua',
      'dist/lua/5.3/signaling.lua',
      'dist/json-schema/charger.json',
      'dist/asyncapi.json',
    ]) {
      expect(existsSync(join(protocolRoot, f)), f).toBe(true);
    }
  });
});
