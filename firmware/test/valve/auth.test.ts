// The spec's authentication flow on the pure machine, and the passkey lockout.
import { describe, it, expect } from 'vitest';
import { Bench, PASSKEY } from './rig.js';
import { passkeyMatches, createGuesses, MAX_WRONG_PASSKEYS } from '../../src/valve/passkey.js';
import { CLOSE_LOCKED, LOCKED_REASON } from '../../src/valve/machine.js';

describe('passkeyMatches', () => {
  it('accepts only the exact key', () => {
    expect(passkeyMatches('abc', 'abc')).toBe(true);
    expect(passkeyMatches('abd', 'abc')).toBe(false);
    expect(passkeyMatches('ab', 'abc')).toBe(false);
    expect(passkeyMatches('abcd', 'abc')).toBe(false);
    expect(passkeyMatches('', 'abc')).toBe(false);
    expect(passkeyMatches('', '')).toBe(true);
    expect(passkeyMatches('\u0000bc', 'abc')).toBe(false);
  });
});

describe('Guesses', () => {
  it('locks an address out after five wrong passkeys, longer each time, and forgives a right one', () => {
    const g = createGuesses();
    for (let i = 1; i < MAX_WRONG_PASSKEYS; i++) expect(g.wrong('a', 0)).toBe(false);
    expect(g.wrong('a', 0)).toBe(true);
    expect(g.locked('a', 9999)).toBe(true);
    expect(g.locked('b', 9999)).toBe(false);
    expect(g.locked('a', 10000)).toBe(false);
    for (let i = 1; i < MAX_WRONG_PASSKEYS; i++) g.wrong('a', 10000);
    expect(g.wrong('a', 10000)).toBe(true);
    expect(g.locked('a', 29999)).toBe(true);
    expect(g.locked('a', 30000)).toBe(false);
    g.right('a');
    for (let i = 1; i < MAX_WRONG_PASSKEYS; i++) g.wrong('a', 30000);
    expect(g.wrong('a', 30000)).toBe(true);
    expect(g.locked('a', 40000)).toBe(false);
  });

  it('remembers a bounded number of addresses', () => {
    const g = createGuesses();
    for (let i = 0; i < MAX_WRONG_PASSKEYS; i++) g.wrong('first', 0);
    for (let a = 0; a < 8; a++) g.wrong('other' + a, 0);
    expect(g.locked('first', 1)).toBe(false);
  });
});

describe('authentication', () => {
  it('answers the right passkey with device_info; the connection is then served', () => {
    const b = new Bench();
    b.connect(1, false);
    b.send(1, { event: 'request_device_info', passkey: PASSKEY });
    expect(b.sent).toHaveLength(1);
    const info = b.last(1, 'device_info');
    expect(info).toEqual({ event: 'device_info', timestamp: '2026-01-01 08:00:00', device_id: 'valve-7' });
    b.send(1, { event: 'device_basic_info', data: { user_id: '123', device_id: 'valve-7' } });
    expect(b.last(1, 'valve_data').device_id).toBe('valve-7');
  });

  it('a wrong passkey leaves the connection unauthorised: nothing is answered, commands are ignored', () => {
    const b = new Bench({ angle: 10 });
    b.connect(1, false);
    b.send(1, { event: 'request_device_info', passkey: 'guess' });
    b.send(1, { event: 'device_basic_info', data: { user_id: '123', device_id: 'valve-7' } });
    b.send(1, { event: 'set_valve_basic', valve_data: { set_angle: true, angle: 45 } });
    b.send(1, '{not json');
    b.run(2000);
    expect(b.sent).toEqual([]);
    expect(b.motor).toEqual([]);
    expect(b.logs.some((l) => l.includes('wrong passkey'))).toBe(true);
  });

  it('five wrong passkeys close the connection and refuse that address for a while; others keep being served', () => {
    const b = new Bench();
    const good = b.connect(1, true, '10.0.0.2');
    const bad = b.connect(2, false, '10.0.0.9');
    for (let i = 0; i < 4; i++) b.send(bad, { event: 'request_device_info', passkey: 'guess' + i });
    expect(b.closes).toEqual([]);
    b.send(bad, { event: 'request_device_info', passkey: 'guess5' });
    expect(b.closes).toEqual([{ peer: bad, code: CLOSE_LOCKED, reason: LOCKED_REASON }]);
    b.m.closed(bad);
    b.connect(3, false, '10.0.0.9');
    expect(b.closes[1]).toEqual({ peer: 3, code: CLOSE_LOCKED, reason: LOCKED_REASON });
    b.send(good, { event: 'set_valve_basic', valve_data: { set_angle: true, angle: 20 } });
    b.run(3000);
    expect(b.last(good, 'valve_data').get_valvedata.angle).toBe(20);
    b.run(8000);
    b.connect(4, true, '10.0.0.9');
    expect(b.to(4, 'device_info')).toHaveLength(1);
  });

  it('a locked address cannot authenticate on a connection it opened before the lockout', () => {
    const b = new Bench();
    b.connect(1, false, '');
    b.connect(2, false, '');
    for (let i = 0; i < 5; i++) b.send(1, { event: 'request_device_info', passkey: 'x' });
    b.send(2, { event: 'request_device_info', passkey: PASSKEY });
    expect(b.to(2, 'device_info')).toEqual([]);
    expect(b.closes.map((c) => c.peer)).toEqual([1, 2]);
  });
});
