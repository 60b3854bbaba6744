// The lease TTL setting: a positive number of milliseconds, 10 s unless set.
import { describe, it, expect } from 'vitest';
import { loadConfig, ConfigError } from '../../src/config.js';

describe('clusterLeaseTtlMs', () => {
  it('defaults to 10 s and refuses zero', () => {
    expect(loadConfig().clusterLeaseTtlMs).toBe(10_000);
    expect(loadConfig({ flags: { clusterLeaseTtlMs: 3000 } }).clusterLeaseTtlMs).toBe(3000);
    expect(() => loadConfig({ flags: { clusterLeaseTtlMs: 0 } })).toThrow(ConfigError);
  });
});
