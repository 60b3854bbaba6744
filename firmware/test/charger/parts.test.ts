// The charger's small pure parts: backoff, card placement, configuration.
import { describe, it, expect } from 'vitest';
import { backoffDelay } from '../../src/charger/backoff.js';
import { cardPresence } from '../../src/charger/cardPresence.js';
import { readChargerConfig, publisherUrl } from '../../src/charger/config.js';

describe('backoff', () => {
  it('grows from 1 s to 60 s with jitter in the upper half', () => {
    expect(backoffDelay(0, 0)).toBe(1000);
    expect(backoffDelay(0, 0.99)).toBe(1000);
    expect(backoffDelay(3, 0)).toBe(4000);
    expect(backoffDelay(3, 0.5)).toBe(6000);
    expect(backoffDelay(50, 0.999)).toBeLessThanOrEqual(60000);
    expect(backoffDelay(50, 0)).toBe(30000);
  });
});

describe('card placement', () => {
  it('reports a card once per placement; failed polls are not fed; two empty polls end a placement', () => {
    const p = { seen: cardPresence(2) };
    expect(p.seen('04A1B2C3')).toBe('04A1B2C3');
    expect(p.seen('04A1B2C3')).toBeNull();
    expect(p.seen(null)).toBeNull();
    expect(p.seen('04A1B2C3')).toBeNull(); // one empty poll: the same placement
    p.seen(null);
    p.seen(null);
    expect(p.seen('04A1B2C3')).toBe('04A1B2C3');
    expect(p.seen('04112233445566')).toBe('04112233445566');
  });
});

describe('charger configuration', () => {
  it('reads what the simulator provisions, with defaults for the rest', () => {
    const r = readChargerConfig({ device_id: 'c', wifi: { ssid: 's', password: 'p' }, estacionId: 2, server: 'ws://h:3000/ws', token: 'a.b+c' });
    expect(r.problems).toEqual([]);
    expect(r.config).toMatchObject({ estacionId: 2, metricsIntervalMs: 3000, queueLimit: 200, silenceLimitMs: 0, emergencyReset: 'hold_stop' });
    expect(publisherUrl(r.config)).toBe('ws://h:3000/ws?role=publisher&estacionId=2&token=a.b%2Bc');
    expect(publisherUrl({ ...r.config, token: '' })).toBe('ws://h:3000/ws?role=publisher&estacionId=2');
  });

  it('names what is wrong and keeps the defaults', () => {
    const r = readChargerConfig({ estacionId: 'x', server: 'http://h', metrics_interval_s: -1, emergency_reset: 'never' });
    expect(r.problems).toEqual([
      'estacionId must be a whole number',
      'server must be a ws:// URL',
      'emergency_reset must be "hold_stop" or "release"; using "hold_stop"',
      'metrics_interval_s must be a number from 1 to 3600; using 3',
    ]);
    expect(r.config.metricsIntervalMs).toBe(3000);
    expect(readChargerConfig(undefined).problems[0]).toBe('no configuration in Storage espfleet.json');
  });
});
