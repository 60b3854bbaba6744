// The dashboard and the WebSocket test page in a real browser (Debian's Chromium through
// playwright-core), against the server started in-process, with a charger scripted on the
// `ws` package speaking the charger spec through the protocol codecs.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { chromium, type Browser, type Page, type Locator } from 'playwright-core';
import {
  decodeChargerCommandMessage,
  encodeChargerPublisherMessage,
  type ChargerCommandMessage,
  type ChargerPublisherMessage,
} from '@espfleet/protocol/charger';
import { startServer, type EspfleetServer } from '../../src/server.js';

const CHROMIUM = '/usr/bin/chromium';
const WAIT = 10_000;
const SCREENSHOT = join(tmpdir(), 'espfleet-dashboard.png');

/** A charger (ESP32) on /ws?role=publisher: what it receives is decoded with the codec. */
class ScriptedCharger {
  readonly received: ChargerCommandMessage[] = [];
  readonly invalid: string[] = [];
  private cursor = 0;
  private wakers = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = data.toString();
      const r = decodeChargerCommandMessage(text);
      if (r.ok) this.received.push(r.value);
      else this.invalid.push(text);
      this.wake();
    });
    ws.on('close', () => this.wake());
  }

  static async connect(base: string, station: number): Promise<ScriptedCharger> {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws?role=publisher&estacionId=${station}`);
    sockets.push(ws);
    const c = new ScriptedCharger(ws);
    await new Promise<void>((ok, fail) => {
      ws.once('open', () => ok());
      ws.once('error', fail);
    });
    await c.next((m) => m.type === 'connected');
    return c;
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }

  send(m: ChargerPublisherMessage): void {
    this.ws.send(encodeChargerPublisherMessage(m));
  }

  /** The next message (after those already taken) that matches. */
  next<T extends ChargerCommandMessage>(pred: (m: ChargerCommandMessage) => m is T, timeoutMs?: number): Promise<T>;
  next(pred: (m: ChargerCommandMessage) => boolean, timeoutMs?: number): Promise<ChargerCommandMessage>;
  next(pred: (m: ChargerCommandMessage) => boolean, timeoutMs = WAIT): Promise<ChargerCommandMessage> {
    return new Promise((ok, fail) => {
      const check = () => {
        for (let i = this.cursor; i < this.received.length; i++) {
          if (pred(this.received[i])) {
            this.cursor = i + 1;
            done();
            ok(this.received[i]);
            return;
          }
        }
        if (this.ws.readyState === WebSocket.CLOSED) {
          done();
          fail(new Error(`charger socket closed; received ${JSON.stringify(this.received)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        fail(new Error(`no matching message within ${timeoutMs} ms; received ${JSON.stringify(this.received)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(check);
      };
      this.wakers.add(check);
      check();
    });
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((ok) => {
      this.ws.once('close', () => ok());
      this.ws.close(1000, 'bye');
    });
  }
}

const sockets: WebSocket[] = [];
const pageErrors: string[] = [];
let server: EspfleetServer;
let dataDir: string;
let browser: Browser | undefined;
let dash: Page;
let sensorId: number;
let stationDeviceId: number;
let charger: ScriptedCharger;
let sessionId: number;

async function rest(method: string, path: string, body?: unknown): Promise<any> {
  const r = await fetch(server.url + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const out = await r.json();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(out)}`);
  return out;
}

const tid = (page: Page, id: string): Locator => page.locator(`[data-testid="${id}"]`);
const text = async (page: Page, id: string): Promise<string> => ((await tid(page, id).textContent({ timeout: WAIT })) ?? '').trim();
const attr = async (page: Page, id: string, name: string): Promise<string | null> => tid(page, id).getAttribute(name, { timeout: WAIT });

async function openPage(path: string): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(`${path}: ${e.message}`));
  page.setDefaultTimeout(WAIT);
  await page.goto(server.url + path);
  return page;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  dataDir = mkdtempSync(join(tmpdir(), 'espfleet-pages-'));
  server = await startServer({ port: 0, open: true, dataDir, logLevel: 'silent', chargerTimeoutMs: 60_000 });

  const station = await rest('POST', '/api/v1/stations', { id: 1, name: 'Estación 1', tariff: 7 });
  stationDeviceId = station.deviceId;
  const user = await rest('POST', '/api/v1/users', { name: 'Juan Pérez' });
  await rest('POST', '/api/v1/cards', { uid: 'VIRTUAL-1-A4F2E8', userId: user.id });
  const device = await rest('POST', '/api/v1/devices', { name: 'Hydroponic System 1', kind: 'sensor-node', status: 'active' });
  sensorId = (await rest('POST', `/api/v1/devices/${device.id}/sensors`, { type: 'temperature', unit: 'celsius' })).id;

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    timeout: 30_000,
  });
  dash = await openPage('/');
  // Subscribed (init received) and on the sensor stream before anything is published.
  await dash.locator('[data-testid="station-1-conn"][data-state="live"]').waitFor();
  await dash.locator('[data-testid="sensors-conn"][data-state="open"]').waitFor();
  await dash.locator(`[data-testid="sensor-${sensorId}"]`).waitFor();
}, 60_000);

afterAll(async () => {
  for (const ws of sockets) ws.terminate();
  await browser?.close().catch(() => {});
  await server?.close().catch(() => {});
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 30_000);

describe('dashboard', () => {
  it('lists the station from REST and its live charger state', async () => {
    expect(await tid(dash, 'station-1').count()).toBe(1);
    expect(await text(dash, 'station-1')).toContain('Estación 1');
    // No charger has connected yet.
    expect(await text(dash, 'station-1-status')).toBe('desconectado');
    expect(await tid(dash, 'station-1-stop').isDisabled()).toBe(true);
    // The page loaded its codecs from the protocol package.
    const r = await fetch(`${server.url}/assets/protocol/generated/charger.js`);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('export function decodeDashboardMessage');
  });

  it('updates when the scripted charger publishes: nfc_scan, then metrics', async () => {
    charger = await ScriptedCharger.connect(server.url, 1);
    // The station's device goes disponible on the sensor stream as the charger connects.
    await expect.poll(() => text(dash, `device-${stationDeviceId}-status`), { timeout: WAIT }).toBe('disponible');
    await expect.poll(() => text(dash, 'station-1-status'), { timeout: WAIT }).toBe('disponible');

    charger.send({ type: 'nfc_scan', nfc_uid: 'VIRTUAL-1-A4F2E8' });
    const start = await charger.next((m) => m.type === 'start');
    if (start.type !== 'start') throw new Error('unreachable');
    expect(start.user_name).toBe('Juan Pérez');
    sessionId = start.session_id;

    await expect.poll(() => text(dash, 'station-1-status'), { timeout: WAIT }).toBe('cargando');
    expect(await attr(dash, 'station-1', 'data-status')).toBe('cargando');
    expect(await text(dash, 'station-1-user')).toBe('Juan Pérez');
    expect(await tid(dash, 'station-1-stop').isEnabled()).toBe(true);
    await dash.locator(`[data-testid="station-1-history"] li[data-kind="session_started"][data-session="${sessionId}"]`).waitFor();
    expect(await text(dash, 'station-1-kwh')).toBe('0.000');
    expect(await text(dash, 'station-1-cost')).toBe('$0.00');

    const t0 = Math.floor(Date.now() / 1000);
    charger.send({ type: 'metrics', session_id: sessionId, v: 230.4, a: 31.25, w: 7200, ts: t0 });
    await expect.poll(() => text(dash, 'station-1-watts'), { timeout: WAIT }).toBe('7200');
    expect(await text(dash, 'station-1-volts')).toBe('230.4');
    expect(await text(dash, 'station-1-amps')).toBe('31.25');
    expect(await text(dash, 'station-1-kwh')).toBe('0.000');

    // A minute later at ~7.2 kW: 0.120 kWh at 7 per kWh.
    charger.send({ type: 'metrics', session_id: sessionId, v: 229.8, a: 31.4, w: 7210, ts: t0 + 60 });
    await expect.poll(() => text(dash, 'station-1-watts'), { timeout: WAIT }).toBe('7210');
    expect(await text(dash, 'station-1-volts')).toBe('229.8');
    expect(await text(dash, 'station-1-amps')).toBe('31.40');
    await expect.poll(() => text(dash, 'station-1-kwh'), { timeout: WAIT }).toBe('0.120');
    expect(await text(dash, 'station-1-cost')).toBe('$0.84');
    expect(await text(dash, 'station-1-time')).toMatch(/^\d+:\d\d:\d\d$/);

    // The charger's readings also reach the sensor section (the station device's power sensor).
    await expect
      .poll(() => dash.locator(`[data-testid="device-${stationDeviceId}-sensors"] .sensor-value`).allTextContents(), { timeout: WAIT })
      .toContain('7210 W');

    await dash.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
    expect(pageErrors).toEqual([]);
  });

  it('ends the session with the Stop button, and reports a disconnected charger', async () => {
    expect(sessionId).toBeTypeOf('number');
    await tid(dash, 'station-1-stop').click();
    const stop = await charger.next((m) => m.type === 'stop');
    expect(stop).toEqual({ type: 'stop', session_id: sessionId });

    await expect.poll(() => text(dash, 'station-1-status'), { timeout: WAIT }).toBe('disponible');
    await dash.locator(`[data-testid="station-1-history"] li[data-kind="session_ended"][data-session="${sessionId}"]`).waitFor();
    expect(await text(dash, 'station-1-kwh')).toBe('0.120');
    expect(await tid(dash, 'station-1-stop').isDisabled()).toBe(true);
    expect(await tid(dash, 'station-1-error').isHidden()).toBe(true);
    const stored = await rest('GET', `/api/v1/sessions/${sessionId}`);
    expect(stored.endReason).toBe('stop-dashboard');

    // A second session, then the charger goes away while it runs.
    charger.send({ type: 'nfc_scan', nfc_uid: 'VIRTUAL-1-A4F2E8' });
    const start = await charger.next((m) => m.type === 'start');
    if (start.type !== 'start') throw new Error('unreachable');
    await expect.poll(() => text(dash, 'station-1-status'), { timeout: WAIT }).toBe('cargando');
    await charger.close();
    await expect.poll(() => text(dash, 'station-1-status'), { timeout: WAIT }).toBe('desconectado');
    expect(await tid(dash, 'station-1-stop').isEnabled()).toBe(true);

    await tid(dash, 'station-1-stop').click();
    await expect.poll(() => text(dash, 'station-1-error'), { timeout: WAIT }).toBe('ESP32 no conectado');
    expect(await tid(dash, 'station-1-error').isVisible()).toBe(true);
    // Still running: nothing was stopped.
    expect((await rest('GET', `/api/v1/sessions/${start.session_id}`)).endedAt).toBeNull();
    expect(pageErrors).toEqual([]);
  });
});

describe('WebSocket test page', () => {
  let page: Page;

  it('round-trips sensor_data on /ws/sensor-data/ and the dashboard shows the value', async () => {
    page = await openPage('/websocket-test/');
    await tid(page, 'ws-url').fill('/ws/sensor-data/');
    await tid(page, 'ws-connect').click();
    await page.locator('[data-testid="ws-state"][data-state="open"]').waitFor();

    await tid(page, 'ws-message').fill(JSON.stringify({ type: 'sensor_data', sensor_id: sensorId, value: 21.5 }));
    await tid(page, 'ws-send').click();
    const sent = page.locator('[data-testid="ws-log-entry"][data-dir="out"][data-type="sensor_data"]');
    await sent.waitFor();
    expect(await sent.getAttribute('data-valid')).toBe('true');
    const update = page.locator('[data-testid="ws-log-entry"][data-dir="in"][data-type="sensor_data_update"]').first();
    await update.waitFor();
    expect(await update.getAttribute('data-valid')).toBe('true');
    expect(await update.textContent()).toContain('válido');
    expect(await update.textContent()).toContain('"device_name": "Hydroponic System 1"');

    await expect.poll(() => text(dash, `sensor-${sensorId}-value`), { timeout: WAIT }).toBe('21.5 celsius');
    expect(Number(await attr(dash, `sensor-${sensorId}-chart`, 'data-points'))).toBeGreaterThanOrEqual(1);
    expect(pageErrors).toEqual([]);
  });

  it('marks an invalid message and shows the server error and close codes', async () => {
    await tid(page, 'ws-message').fill('{"type":"sensor_data","sensor_id":"uno"}');
    await tid(page, 'ws-send').click();
    const bad = page.locator('[data-testid="ws-log-entry"][data-dir="out"][data-valid="false"]');
    await bad.waitFor();
    expect(await bad.textContent()).toContain('/sensor_id');
    const err = page.locator('[data-testid="ws-log-entry"][data-dir="in"][data-type="error"]').first();
    await err.waitFor();
    expect(await err.getAttribute('data-valid')).toBe('true');

    await tid(page, 'ws-disconnect').click();
    await page.locator('[data-testid="ws-state"][data-state="closed"]').waitFor();
    await tid(page, 'ws-url').fill('/ws?role=client&estacionId=99');
    await tid(page, 'ws-connect').click();
    const closed = page.locator('[data-testid="ws-close"][data-code="4005"]');
    await closed.waitFor();
    expect(await closed.textContent()).toContain('Estacion no encontrada');
    expect(pageErrors).toEqual([]);
  });
});

describe('languages', () => {
  it('speaks Spanish, switches to English and keeps it, and names sensors as people do', async () => {
    const valve = await rest('POST', '/api/v1/devices', { name: 'Valve 1', kind: 'valve', status: 'online' });
    const motor = await rest('POST', `/api/v1/devices/${valve.id}/sensors`, { type: 'motor_current', unit: 'A' });
    const page = await openPage('/');
    await page.locator('body[data-ready="1"]').waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('es');
    expect(await text(page, `sensor-${motor.id}-name`)).toBe('Corriente del motor');
    expect(await text(page, `device-${valve.id}-status`)).toBe('en línea');
    expect(await text(page, 'lang-switch')).toBe('English');

    await Promise.all([page.waitForEvent('load'), tid(page, 'lang-switch').click()]);
    await page.locator('body[data-ready="1"]').waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.title()).toBe('espfleet — Stations and sensors');
    expect(await page.locator('#stations-title').textContent()).toBe('Charging stations');
    expect(await text(page, `sensor-${motor.id}-name`)).toBe('Motor current');
    expect(await text(page, `device-${valve.id}-status`)).toBe('online');
    expect(await text(page, `device-${valve.id}`)).toContain('valve');
    // The wire keeps the seed's word; only what is shown is English.
    const status = await attr(page, 'station-1', 'data-status');
    expect(await text(page, 'station-1-status')).toBe({ disponible: 'available', cargando: 'charging', emergencia: 'emergency', desconectado: 'disconnected' }[status!]);
    expect(await text(page, 'station-1')).toContain('Stop charging');
    expect(await text(page, 'lang-switch')).toBe('Español');

    // Kept across pages and visits.
    await page.goto(server.url + '/websocket-test');
    await page.locator('body[data-ready="1"]').waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await text(page, 'ws-connect')).toBe('Connect');
    expect(await text(page, 'ws-state')).toBe('disconnected');
    await Promise.all([page.waitForEvent('load'), tid(page, 'lang-switch').click()]);
    await page.locator('body[data-ready="1"]').waitFor();
    expect(await text(page, 'ws-connect')).toBe('Conectar');
    expect(pageErrors).toEqual([]);
    await page.close();
  });
});
