import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../src/config.js';

function file(settings: unknown): string {
  const f = join(mkdtempSync(join(tmpdir(), 'espfleet-config-')), 'config.json');
  writeFileSync(f, JSON.stringify(settings));
  return f;
}

describe('server configuration', () => {
  it('takes the charger reading limits from a config file', () => {
    const c = loadConfig({ file: file({ chargerMaxPowerW: 7400, chargerClockSkewS: 60, chargerQueueLimit: 30000 }) });
    expect(c).toMatchObject({ chargerMaxPowerW: 7400, chargerClockSkewS: 60, chargerQueueLimit: 30000, chargerMaxVoltageV: 260 });
  });

  it('refuses limits that would refuse every reading or bound nothing, naming the setting', () => {
    for (const [k, v] of [['chargerMaxPowerW', 0], ['chargerMaxGapS', 0], ['chargerQueueLimit', 1.5], ['chargerMaxCurrentA', 'lots']] as const) {
      expect(() => loadConfig({ file: file({ [k]: v }) }), `${k}=${v}`).toThrow(ConfigError);
      expect(() => loadConfig({ file: file({ [k]: v }) })).toThrow(k);
    }
  });

  it('accepts a frame limit below the signaling default (signaling then uses the smaller one)', () => {
    expect(loadConfig({ flags: { maxMessageBytes: 1024 } })).toMatchObject({ maxMessageBytes: 1024 });
  });

  it('refuses an unknown setting', () => {
    expect(() => loadConfig({ file: file({ chargerMaxPower: 1 }) })).toThrow(/unknown setting "chargerMaxPower"/);
  });
});
