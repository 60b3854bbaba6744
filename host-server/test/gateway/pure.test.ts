// The gateway's pure decisions: which requests are Engine.IO's, namespaces, keys, payloads.
import { describe, it, expect } from 'vitest';
import { validateGatewayEvent, GATEWAY_ERRORS } from '@espfleet/protocol/gateway';
import { isEngineRequest, deviceOfNamespace } from '../../src/gateway/engineRequest.js';
import { hashApiKey, judgeKey, mintApiKey, presentedKey } from '../../src/gateway/apiKeys.js';
import { closeReason, gatewayEvent, qrEvent } from '../../src/gateway/lifecycle.js';
import { provisioningString } from '../../src/gateway/provisioning.js';

const u = (s: string) => new URL(s, 'http://x');

describe('Engine.IO requests', () => {
  it('takes the Engine.IO query on /ws and /ws/, leaves the charger endpoint alone', () => {
    expect(isEngineRequest(u('/ws/?EIO=4&transport=polling'))).toBe(true);
    expect(isEngineRequest(u('/ws?EIO=4&transport=websocket'))).toBe(true);
    expect(isEngineRequest(u('/ws?role=publisher&estacionId=1'))).toBe(false);
    expect(isEngineRequest(u('/ws/sensor-data/?EIO=4'))).toBe(false);
    expect(isEngineRequest(u('/wsx/?EIO=4'))).toBe(false);
  });
  it('knows device namespaces only', () => {
    expect(deviceOfNamespace('/device/7')).toBe(7);
    for (const n of ['/', '/device/', '/device/0', '/device/07', '/device/abc', '/device/7/x', '/devices/7', '/device/1234567890123456']) expect(deviceOfNamespace(n)).toBeUndefined();
  });
});

describe('API keys', () => {
  const key = { id: 3, deviceId: 7, name: '', prefix: 'efk_abcdef', createdAt: 1, revokedAt: null };
  it('mints distinct keys kept as a hash, with a prefix too short to use', () => {
    const a = mintApiKey();
    const b = mintApiKey();
    expect(a.key).not.toBe(b.key);
    expect(a.hash).toBe(hashApiKey(a.key));
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.key.startsWith(a.prefix) && a.key.length - a.prefix.length >= 24).toBe(true);
  });
  it('reads the key from the query, the apiKey header or the auth payload', () => {
    expect(presentedKey({ query: { apiKey: 'q' }, headers: { apikey: 'h' }, auth: { apiKey: 'a' } })).toBe('q');
    expect(presentedKey({ query: {}, headers: { apikey: 'h' }, auth: {} })).toBe('h');
    expect(presentedKey({ query: { apiKey: '' }, headers: {}, auth: { apiKey: 'a' } })).toBe('a');
    expect(presentedKey({ query: {}, headers: {}, auth: { apiKey: 5 } })).toBeUndefined();
  });
  it("answers the spec's error strings", () => {
    expect(judgeKey(undefined, undefined, 7)).toEqual({ ok: false, error: GATEWAY_ERRORS.API_KEY_REQUIRED });
    expect(judgeKey('k', undefined, 7)).toEqual({ ok: false, error: GATEWAY_ERRORS.INVALID_API_KEY });
    expect(judgeKey('k', { ...key, revokedAt: 5 }, 7)).toEqual({ ok: false, error: GATEWAY_ERRORS.INVALID_API_KEY });
    expect(judgeKey('k', key, 8)).toEqual({ ok: false, error: GATEWAY_ERRORS.INVALID_API_KEY });
    expect(judgeKey('k', key, 7)).toEqual({ ok: true, key });
  });
});

describe('lifecycle events', () => {
  it("gives every event the spec's payload and a millisecond timestamp", () => {
    const facts = { name: 'Estación 1', phoneNumber: '' };
    const all = [
      gatewayEvent(7, { kind: 'authenticated' }, facts, 1_762_430_400_000),
      gatewayEvent(7, { kind: 'ready' }, facts, 1_762_430_400_000),
      gatewayEvent(7, { kind: 'state', status: 'cargando' }, facts, 1_762_430_400_000),
      gatewayEvent(7, { kind: 'message', message: { type: 'nfc_scan', nfc_uid: 'A' } }, facts, 1_762_430_400_000),
      gatewayEvent(7, { kind: 'disconnected', reason: closeReason(1006) }, facts, 1_762_430_400_000),
      qrEvent(7, provisioningString(7), 1_762_430_400_000),
    ];
    for (const e of all) expect(validateGatewayEvent([e.event, e.data])).toMatchObject({ ok: true });
    expect(all[0]).toEqual({ event: 'authenticated', data: { deviceId: '7', phoneNumber: '', clientName: 'Estación 1', timestamp: 1_762_430_400_000 } });
    expect(all[1].data).not.toHaveProperty('phoneNumber');
    expect(all[4].data).toMatchObject({ reason: 'connection lost' });
    expect(provisioningString(7)).toMatch(/^espfleet:\/\/provision\?d=7&k=[0-9a-f]{16}$/);
    expect(provisioningString(7)).not.toBe(provisioningString(7));
  });
});
