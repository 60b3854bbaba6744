// The spec's JavaScript (socket.io-client) and Python (python-socketio, key in a header)
// examples, run unchanged but for host, port, key and device id, receive the events of a real
// charger on the real /ws?role=publisher endpoint, which shares the path and port.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Client, start, wsUrl } from '../support.js';
import { ExampleProcess, deviceWithKey, specExample, type Server } from './support.js';

describe.each(['javascript', 'python'] as const)("the spec's %s example", (lang) => {
  let s: Server;
  let d: Awaited<ReturnType<typeof deviceWithKey>>;
  beforeAll(async () => {
    s = await start();
    d = await deviceWithKey(s);
  });
  afterAll(() => s?.close());

  it('gets the provisioning qr, then a charger lifecycle: authenticated, ready, state, message, disconnected', async () => {
    const example = new ExampleProcess(lang, specExample(lang, s.url, String(d.deviceId), d.apiKey));
    try {
      await example.printed(lang === 'javascript' ? 'Connected to device namespace:' : 'Connected to device namespace');
      expect(await example.printed('QR Code received:')).toMatch(new RegExp(`espfleet://provision\\?d=${d.deviceId}&k=`));
      const charger = new Client(wsUrl(s, `/ws?role=publisher&estacionId=${d.stationId}&token=${d.publisher}`));
      await charger.type('connected');
      expect(await example.printed('Device authenticated:')).toContain('Estación 1');
      await example.printed('Device ready:');
      expect(await example.printed('Device state changed:')).toContain('disponible');
      charger.send({ type: 'nfc_scan', nfc_uid: 'CARD-1' });
      await charger.type('start');
      expect(await example.printed('Message received:')).toContain('nfc_scan');
      await example.printed('cargando');
      charger.close();
      // python-socketio runs each handler on its own thread: two events arriving together (the
      // station's last state and the disconnect) may interleave their printed lines.
      await example.printed('Device disconnected:');
      await example.printed('closed by the device');
      expect(example.out).toMatch(/timestamp['"]?: ?1[0-9]{12}/);
    } finally {
      example.stop();
    }
  });
});
