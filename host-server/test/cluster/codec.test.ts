// The cluster channel's frames, decoded back as they were sent; anything else is skipped.
import { describe, it, expect } from 'vitest';
import { decodeBatch, encodeBatch, type Frame } from '../../src/cluster/clusterCodec.js';
import { channelOf } from '../../src/cluster/clusterBus.js';
import { ANNOUNCE_EVERY_MS, RemoteInterest } from '../../src/cluster/interest.js';

describe('cluster frames', () => {
  it('round-trip every kind of frame in one batch with its sender', () => {
    const frames: Frame[] = [
      { t: 'dashboard', station: 7, text: '{"type":"metrics"}' },
      { t: 'sensor', device: 3, sensor: 12, text: '{"type":"sensor_data_update"}' },
      { t: 'sensor', device: 3, sensor: null, text: '{"type":"device_status"}' },
      { t: 'want', station: 7 },
      { t: 'command', to: 'b', from: 'a', request: 4, station: 7, command: { kind: 'stop', sessionId: 9 } },
      { t: 'command', to: 'b', from: 'a', request: 5, station: 7, command: { kind: 'reset' } },
      { t: 'command', to: 'b', from: 'a', request: 6, station: 7, command: { kind: 'joined' } },
      { t: 'reply', to: 'a', request: 4, texts: ['{"type":"error"}'] },
      { t: 'interest', interest: { all: true, devices: [3, 4], sensors: [12], gateway: [] } },
    ];
    expect(decodeBatch(encodeBatch('a', frames))).toEqual({ origin: 'a', frames, bad: 0 });
  });

  it('skips frames it does not understand and refuses what is not a batch', () => {
    const raw = JSON.stringify({ o: 'x', f: [['d', -1, 't'], ['w', 2], ['c', 'b', 'a', 1, 2, { kind: 'stop' }], ['r', 'a', 1, [3]], 'junk', ['s', 1, 'no', 't']] });
    expect(decodeBatch(raw)).toEqual({ origin: 'x', frames: [{ t: 'want', station: 2 }], bad: 5 });
    expect(decodeBatch('not json')).toBeUndefined();
    expect(decodeBatch('[1,2]')).toBeUndefined();
    expect(decodeBatch('{"o":1,"f":[]}')).toBeUndefined();
  });

  it('tells which instance watches what; a silent instance’s interest expires', () => {
    const r = new RemoteInterest();
    expect(r.wantsSensor(3, 12, 0)).toBe(false);
    expect(r.update('b', { all: false, devices: [3], sensors: [20], gateway: [7] }, 0)).toBe(true);
    expect(r.update('b', { all: false, devices: [3], sensors: [20], gateway: [7] }, 1000)).toBe(false);
    expect(r.wantsSensor(3, 12, 1000)).toBe(true); // device 3's stream
    expect(r.wantsSensor(4, 20, 1000)).toBe(true); // sensor 20's stream
    expect(r.wantsSensor(4, 21, 1000)).toBe(false);
    expect(r.wantsSensor(4, null, 1000)).toBe(false);
    expect(r.wantsGateway(7, 1000)).toBe(true);
    expect(r.wantsGateway(3, 1000)).toBe(false);
    r.update('c', { all: true, devices: [], sensors: [], gateway: [] }, 1000);
    expect(r.wantsSensor(99, null, 1000)).toBe(true);
    // Not renewed for three rounds: gone.
    expect(r.wantsSensor(99, null, 1000 + 3 * ANNOUNCE_EVERY_MS + 1)).toBe(false);
    expect(r.wantsGateway(7, 1000 + 3 * ANNOUNCE_EVERY_MS + 1)).toBe(false);
  });

  it('keeps deployments on different logical databases on different channels', () => {
    expect(channelOf(0)).toBe('espfleet:cluster:0');
    expect(channelOf(3)).not.toBe(channelOf(4));
  });
});
