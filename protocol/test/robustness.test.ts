// Decoders never throw, whatever they are given, and say clearly why they refuse.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { families } from '../src/families/index.js';
import { nodeCodecs } from './support/codecs.js';
import { loadVectors, protocolRoot } from './support/vectors.js';
import { loadEspruinoModule } from './support/espruinoContext.js';
import { decodeValveClientMessage, decodeValveDeviceMessage } from '../src/generated/valve.js';
import { decodeChargerPublisherMessage } from '../src/generated/charger.js';
import { decodeSignalingClientMessage } from '../src/generated/signaling.js';
import { decodeGatewayEvent, validateGatewayEvent } from '../src/generated/gateway.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
const accepted = loadVectors().flatMap(({ fam, vectors }) => vectors.filter((v) => v.accept).map((v) => ({ fam, v })));

describe('decoders never throw', () => {
  for (const fam of families) {
    const esp = loadEspruinoModule(readFileSync(join(protocolRoot, 'dist', 'espruino', `${fam.name}.js`), 'utf8'));
    for (const dir of fam.directions) {
      const codec = nodeCodecs(fam, dir);
      const espDecode = esp[`decode${dir.union}`];
      const both = (input: unknown) => {
        const r = codec.decode(input);
        expect(typeof r.ok).toBe('boolean');
        if (typeof input === 'string') expect(typeof (espDecode(input) as { ok: boolean }).ok).toBe('boolean');
        return r;
      };
      it(`${dir.union}: random bytes, random strings, any JS value`, () => {
        fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => void both(b)), { numRuns: RUNS });
        fc.assert(fc.property(fc.string({ maxLength: 300, unit: 'binary' }), (s) => void both(s)), { numRuns: RUNS });
        fc.assert(fc.property(fc.anything(), (x) => void both(x)), { numRuns: RUNS });
      });
      it(`${dir.union}: every prefix of every accepted vector`, () => {
        for (const { v } of accepted.filter((a) => a.fam === fam && a.v.direction === dir.union)) {
          for (let i = 0; i < v.text.length; i++) both(v.text.slice(0, i));
        }
      });
    }
  }
});

describe('size limit', () => {
  const big = JSON.stringify({ event: 'request_device_info', passkey: 'x'.repeat(70_000) });
  it('refuses input over 64 KiB before parsing, on Node and Espruino', () => {
    const r = decodeValveClientMessage(big);
    expect(r).toEqual({ ok: false, error: { path: '', message: 'message is larger than the 65536-byte limit' } });
    expect(decodeValveClientMessage(Buffer.from(big)).ok).toBe(false);
    const esp = loadEspruinoModule(readFileSync(join(protocolRoot, 'dist', 'espruino', 'valve.js'), 'utf8'));
    expect((esp.decodeValveClientMessage(big) as { ok: boolean }).ok).toBe(false);
  });
  it('counts bytes, not characters', () => {
    const text = JSON.stringify({ event: 'request_device_info', passkey: 'é'.repeat(400) });
    expect(text.length).toBeLessThan(1000);
    expect(decodeValveClientMessage(text, { maxBytes: 1000 }).ok).toBe(true);
    expect(Buffer.byteLength(text)).toBeGreaterThan(800);
    expect(decodeValveClientMessage(text, { maxBytes: 800 }).ok).toBe(false);
  });
  it('takes a configured limit', () => {
    const ok = JSON.stringify({ event: 'request_device_info', passkey: 'p' });
    expect(decodeValveClientMessage(ok, { maxBytes: 10 }).ok).toBe(false);
    expect(decodeValveClientMessage(ok, { maxBytes: 1 << 20 }).ok).toBe(true);
  });
});

describe('errors a user can act on', () => {
  it('names the unknown discriminator in the spec words', () => {
    expect(decodeSignalingClientMessage('{"event":"invalid_event"}')).toEqual({
      ok: false,
      error: { path: '/event', message: 'Unknown event: invalid_event' },
    });
    expect(decodeChargerPublisherMessage('{"type":"charge_now"}')).toEqual({
      ok: false,
      error: { path: '/type', message: 'Unknown type: charge_now' },
    });
    expect(decodeGatewayEvent('["nope",{}]')).toEqual({ ok: false, error: { path: '/0', message: 'Unknown event: nope' } });
  });
  it('points at the field', () => {
    expect(decodeValveClientMessage('{"event":"set_valve_basic","valve_data":{"set_angle":true,"angle":91}}')).toEqual({
      ok: false,
      error: { path: '/valve_data/angle', message: 'must be an integer from 0 to 90' },
    });
    expect(decodeValveDeviceMessage('{"event":"device_info","timestamp":"YYYY-MM-DD HH:MM:SS","device_id":"d"}')).toEqual({
      ok: false,
      error: { path: '/timestamp', message: 'must be a "YYYY-MM-DD HH:MM:SS" time' },
    });
    expect(decodeChargerPublisherMessage('{"type":"nfc_scan"}').ok).toBe(false);
  });
  it('reports invalid JSON and non-text input', () => {
    const r = decodeValveClientMessage('{"event":');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/^invalid JSON: /);
    expect(decodeValveClientMessage(42)).toEqual({ ok: false, error: { path: '', message: 'message must be text (a string or UTF-8 bytes)' } });
    expect(decodeValveClientMessage(new Uint8Array([0x7b, 0xff, 0x7d]))).toEqual({ ok: false, error: { path: '', message: 'message is not valid UTF-8' } });
  });
  it('fills in the envelope fields the seed examples leave out', () => {
    const r = decodeSignalingClientMessage('{"from_email":"test@example.com","event":"check"}');
    expect(r).toEqual({
      ok: true,
      value: { from_email: 'test@example.com', from_token: '', from_device: '', to_email: '', to_device: '', event: 'check', payload: {} },
    });
  });
  it('validates already-parsed Socket.io payloads', () => {
    expect(validateGatewayEvent(['qr', { deviceId: 'd', qr: 'q', timestamp: 1 }]).ok).toBe(true);
    expect(validateGatewayEvent(['qr', { deviceId: 'd', timestamp: 1 }])).toEqual({ ok: false, error: { path: '/1/qr', message: 'is required' } });
  });
});
