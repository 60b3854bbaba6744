// The pure parts of `espfleet flash`: the espruino CLI's arguments, reading its output, the
// configuration check.
import { describe, it, expect } from 'vitest';
import { espruinoArgs, foreignModules } from '../src/flash/espruinoCli.js';
import { UploadLog } from '../src/flash/uploadLog.js';
import { storedConfig } from '../src/flash/config.js';

function verdictOf(lines: string[]) {
  const log = new UploadLog('/dev/ttyUSB0');
  for (const l of lines) log.feed(l);
  return log.verdict();
}

describe('espruino CLI arguments', () => {
  it('sends the bundle to Storage .bootcde, the config as espfleet.json, to the chosen target', () => {
    const base = { bundle: '/b/valve.js', board: '/boards/ESP32.json', configFile: '/tmp/c.json' };
    expect(espruinoArgs({ ...base, target: { serial: '/dev/ttyUSB0', baud: 115200 } })).toEqual(['-v', '--no-ble', '--board', '/boards/ESP32.json', '-p', '/dev/ttyUSB0', '-b', '115200', '--storage', 'espfleet.json:/tmp/c.json', '--storage', '.bootcde:-', '/b/valve.js']);
    expect(espruinoArgs({ ...base, target: { host: '10.0.0.5', port: 23 } })).toContain('tcp://10.0.0.5:23');
    const dry = espruinoArgs({ bundle: '/b/valve.js', board: '/x.json', output: '/tmp/o.js', target: { dryRun: true } });
    expect(dry).toContain('-n');
    expect(dry.join(' ')).toContain('-o /tmp/o.js /b/valve.js');
    expect(dry.join(' ')).not.toContain('espfleet.json');
  });

  it('finds required modules the board lacks', () => {
    expect(foreignModules('var a=require("Storage"),b=require(\'ws\');require("net");require( "ws" )', ['Storage', 'net'])).toEqual(['ws']);
    expect(foreignModules('require("Wifi")', ['Wifi'])).toEqual([]);
  });
});

describe('reading the espruino CLI output', () => {
  const answered = ["Connecting to '/dev/ttyUSB0'", 'Connected', 'Received a prompt after sending newline... good!'];

  it('a board that answered and took the code', () => {
    const log = new UploadLog('/dev/ttyUSB0');
    const events = [...answered, 'serial: Sending "\\u0010reset();\\n"', '--] >', 'serial: Sending "abc"', 'Upload Complete'].map((l) => log.feed(l));
    expect(events.filter((e) => e?.type === 'sent').map((e) => (e as { bytes: number }).bytes)).toEqual([10, 13]);
    expect(log.verdict()).toEqual({ ok: true });
  });

  it('stops the CLI when it gives up on the prompt, before it sends the code blindly', () => {
    const log = new UploadLog('tcp://127.0.0.1:9');
    expect(log.feed('No Prompt found, got undefined - issuing Ctrl-C to try and break out')).toBeUndefined();
    expect(log.feed('Still no prompt - issuing another Ctrl-C')).toEqual({ type: 'no-prompt' });
  });

  it('no such serial port, nothing listening, a silent listener', () => {
    expect(verdictOf(["Connecting to '/dev/ttyUSB9'", 'serial: Port "/dev/ttyUSB9" not found', 'Unable to connect!'])).toMatchObject({ ok: false, kind: 'unreachable', message: expect.stringContaining('serial port does not exist') });
    expect(verdictOf(["Connecting to 'tcp://127.0.0.1:9'", 'RECEIVE ERROR: {"errno":-111,"code":"ECONNREFUSED"}'])).toMatchObject({ ok: false, kind: 'unreachable', message: expect.stringContaining('nothing listens') });
    // The CLI says "Upload Complete" even when nothing answered: only the prompt check tells.
    expect(verdictOf(['Connected', 'No Prompt found, got undefined - issuing Ctrl-C to try and break out', 'Still no prompt - issuing another Ctrl-C', 'Upload Complete'])).toMatchObject({ ok: false, kind: 'unreachable', message: expect.stringContaining('no Espruino prompt') });
  });

  it('a board that fails during the upload', () => {
    expect(verdictOf([...answered, 'serial: Sending "x"', 'Disconnected.'])).toMatchObject({ ok: false, kind: 'failed', message: expect.stringContaining('disconnected during the upload after 1 bytes') });
    expect(verdictOf([...answered, '--] Uncaught Error: Not enough free space in Storage', 'Upload Complete'])).toMatchObject({ ok: false, kind: 'failed', message: 'the board reported: Uncaught Error: Not enough free space in Storage' });
    expect(verdictOf([...answered, '--] ERROR: Out of Memory!', 'Upload Complete'])).toMatchObject({ ok: false, kind: 'failed' });
    expect(verdictOf([...answered, '--] ERROR: Analog is not supported on this device.', 'Upload Complete'])).toEqual({ ok: true });
    expect(verdictOf(answered)).toMatchObject({ ok: false, kind: 'failed', message: expect.stringContaining('did not complete') });
  });
});

describe('the stored configuration', () => {
  it('is compact JSON with what the app needs', () => {
    expect(storedConfig('valve', '{\n "device_id": "valve-7",\n "passkey": "k",\n "wifi": {"ssid": "Café", "password": "pw123456"}\n}', 'v.json')).toBe('{"device_id":"valve-7","passkey":"k","wifi":{"ssid":"Café","password":"pw123456"}}');
    expect(storedConfig('charger', '{"estacionId": 3, "server": "ws://10.0.0.2:3000/ws"}', 'c.json')).toContain('"estacionId":3');
  });

  it('refuses what would leave the device unusable, naming file and key', () => {
    expect(() => storedConfig('valve', '{"device_id": "v"', 'v.json')).toThrow(/v\.json is not JSON/);
    expect(() => storedConfig('valve', '[1]', 'v.json')).toThrow('v.json must hold a JSON object');
    expect(() => storedConfig('valve', '{"device_id": "v"}', 'v.json')).toThrow('v.json: "passkey" must be a non-empty string for a valve');
    expect(() => storedConfig('charger', '{"estacionId": 1.5, "server": "ws://x"}', 'c.json')).toThrow('"estacionId" must be a whole number');
    expect(() => storedConfig('valve', '{"device_id": "v", "passkey": "k", "wifi": "home"}', 'v.json')).toThrow('"wifi" must be');
  });
});
