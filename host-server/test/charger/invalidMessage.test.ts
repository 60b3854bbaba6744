// The charger endpoint's refusals are Spanish through and through: whatever the decoder finds
// wrong, its English wording never reaches the message.
import { describe, it, expect } from 'vitest';
import { decodeChargerPublisherMessage, decodeDashboardCommandMessage } from '@espfleet/protocol/charger';
import { invalidMessage } from '../../src/charger/invalidMessage.js';

const english = /\b(invalid|unexpected|token|must|required|unknown|type:|expected|integer|number|string|object|message is|larger)\b/i;

const inputs = [
  '{not json',
  '',
  '[]',
  '42',
  'x'.repeat(70_000),
  '{}',
  '{"type":7}',
  '{"type":"teleport"}',
  '{"type":"nfc_scan"}',
  '{"type":"nfc_scan","nfc_uid":""}',
  '{"type":"nfc_scan","nfc_uid":5}',
  '{"type":"metrics","session_id":-1,"v":1,"a":1,"w":1,"ts":1}',
  '{"type":"metrics","session_id":1,"v":"1","a":1,"w":1,"ts":1}',
  '{"type":"metrics","session_id":1,"v":1,"a":1,"w":1,"ts":1.5}',
  '{"type":"metrics","session_id":1,"v":1,"a":1,"w":1,"ts":1,"energy_wh":-3}',
  '{"type":"stop"}',
  '{"type":"emergency","session_id":"a"}',
];

describe('invalidMessage', () => {
  it('words every refusal of the charger and dashboard decoders in Spanish, naming the field', () => {
    for (const text of inputs) {
      for (const decode of [decodeChargerPublisherMessage, decodeDashboardCommandMessage]) {
        const r = decode(text);
        if (r.ok) continue;
        const said = invalidMessage(r.error);
        expect(said, `${text.slice(0, 40)} → ${r.error.path} ${r.error.message}`).toMatch(/^Mensaje inválido: el (mensaje|campo \/\S+) /);
        expect(said.replace(/\("[^"]*"\)$/, ''), said).not.toMatch(english);
        if (r.error.path) expect(said).toContain(r.error.path);
      }
    }
  });

  it('quotes the unknown type as sent', () => {
    expect(invalidMessage({ path: '/type', message: 'Unknown type: teleport' })).toBe('Mensaje inválido: el campo /type no es un tipo de mensaje conocido ("teleport")');
    expect(invalidMessage({ path: '/x', message: 'some future finding' })).toBe('Mensaje inválido: el campo /x no es válido');
  });
});
