// The dashboard's valve cards in a real browser (Debian's Chromium through playwright-core),
// opened with a client token, against the server started in-process and linked to a simulated
// valve running the real firmware (firmware/dist/valve.js) on the wall clock; a second valve is
// registered with a wrong passkey, so its link never comes up.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type AddressInfo } from 'node:net';
import { chromium, type Browser, type Page, type Locator } from 'playwright-core';
import { SimulatedValve, WallClock } from '@espfleet/simulator';
import { startServer, signToken, type EspfleetServer } from '../../src/index.js';

const CHROMIUM = '/usr/bin/chromium';
const WAIT = 15_000;
const here = dirname(fileURLToPath(import.meta.url));
const BUNDLE = readFileSync(join(here, '../../../firmware/dist/valve.js'), 'utf8');
const SECRET = 'valve-page-secret-valve-page-secret';
const PASSKEY = 'page-passkey-3';
const SCREENSHOT = join(tmpdir(), 'espfleet-valves.png');

let server: EspfleetServer;
let dataDir: string;
let browser: Browser | undefined;
let valve: SimulatedValve;
let other: SimulatedValve;
let page: Page;
let good: number;
let locked: number;
const pageErrors: string[] = [];

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => ok(port));
    });
  });
}

const tid = (id: string): Locator => page.locator(`[data-testid="${id}"]`);
const text = async (id: string): Promise<string> => ((await tid(id).textContent({ timeout: WAIT })) ?? '').trim();

async function openDashboard(): Promise<Page> {
  const p = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
  p.on('pageerror', (e) => pageErrors.push(e.message));
  p.setDefaultTimeout(WAIT);
  await p.goto(`${server.url}/?token=${signToken(SECRET, { sub: 'dashboard', role: 'client' })}`);
  await p.locator('body[data-ready="1"]').waitFor();
  return p;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  dataDir = mkdtempSync(join(tmpdir(), 'espfleet-valve-page-'));
  server = await startServer({ port: 0, open: false, jwtSecret: SECRET, dataDir, logLevel: 'silent', valveCommandTimeoutMs: 20_000 });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    timeout: 30_000,
  });
  page = await openDashboard();
}, 60_000);

afterAll(async () => {
  valve?.stop();
  other?.stop();
  await browser?.close().catch(() => {});
  await server?.close().catch(() => {});
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 30_000);

describe('dashboard valve cards', () => {
  it('says briefly that no valve is registered, then shows valves as they are added', async () => {
    expect(await text('valves-empty')).toBe('No hay válvulas registradas.');
    expect(await page.locator('#valves-title').textContent()).toBe('Válvulas');

    // A fixed port: a valve that reboots listens where it listened before.
    valve = new SimulatedValve({ id: 'valve-norte', bundle: BUNDLE, clock: new WallClock(), port: await freePort(), passkey: PASSKEY, startAngle: 30 }).start();
    other = new SimulatedValve({ id: 'valve-sur', bundle: BUNDLE, clock: new WallClock(), port: await freePort(), passkey: PASSKEY }).start();
    await expect.poll(() => valve.port !== undefined && other.port !== undefined, { timeout: WAIT }).toBe(true);
    good = (await server.valves.add({ name: 'Riego norte', address: `127.0.0.1:${valve.port}`, passkey: PASSKEY })).valveId;
    locked = (await server.valves.add({ name: 'Riego sur', address: `127.0.0.1:${other.port}`, passkey: 'not-the-passkey' })).valveId;

    await tid(`valve-${good}`).waitFor();
    await tid(`valve-${locked}`).waitFor();
    expect(await tid('valves-empty').count()).toBe(0);
    await expect.poll(() => text(`valve-${good}-status`), { timeout: WAIT }).toBe('en línea');
    await expect.poll(() => text(`valve-${good}-angle`), { timeout: WAIT }).toBe('30°');
    expect(await text(`valve-${good}`)).toContain('Riego norte');
    expect(await text(`valve-${good}-position`)).toBe('abierta al 33 %');
    expect(await text(`valve-${good}-motion`)).toBe('en reposo');
    expect(await text(`valve-${good}-mode`)).toBe('manual');
    expect(await tid(`valve-${good}-limit-close`).getAttribute('data-on')).toBe('false');
    expect(await tid(`valve-${good}-fault`).isHidden()).toBe(true);
    expect(await text(`valve-${locked}-status`)).toBe('fuera de línea');
    expect(await text(`valve-${locked}-angle`)).toBe('—');
    expect(pageErrors).toEqual([]);
  });

  it('Cerrar closes the simulated valve; the card follows it to 0° and its close limit switch', async () => {
    await tid(`valve-${good}-close`).click();
    await expect.poll(() => tid(`valve-${good}-result`).getAttribute('data-state'), { timeout: WAIT }).toBe('running');
    expect(await text(`valve-${good}-result`)).toMatch(/^Moviendo a 0°… ahora en \d+°$/);
    await expect.poll(() => tid(`valve-${good}-result`).getAttribute('data-state'), { timeout: WAIT }).toBe('ok');
    expect(await text(`valve-${good}-result`)).toBe('Listo: en 0°');
    expect(valve.angle).toBeLessThanOrEqual(1);
    expect(await text(`valve-${good}-angle`)).toBe('0°');
    expect(await text(`valve-${good}-position`)).toBe('cerrada');
    await expect.poll(() => tid(`valve-${good}-limit-close`).getAttribute('data-on'), { timeout: WAIT }).toBe('true');
    expect(pageErrors).toEqual([]);
  });

  it('"mover a" 45: progress with the live angle on the way, then the valve and the card at 45°', async () => {
    // Every angle the card shows, as it shows it.
    await page.evaluate((id) => {
      const el = document.querySelector(`[data-testid="valve-${id}-angle"]`)!;
      const seen: string[] = ((window as unknown as { anglesSeen: string[] }).anglesSeen = []);
      new MutationObserver(() => seen.push(el.textContent ?? '')).observe(el, { childList: true, characterData: true, subtree: true });
    }, good);
    await tid(`valve-${good}-angle-input`).fill('45');
    await tid(`valve-${good}-move`).click();
    await expect.poll(() => text(`valve-${good}-result`), { timeout: WAIT }).toMatch(/^Moviendo a 45°… ahora en \d+°$/);
    expect(await tid(`valve-${good}-open`).isDisabled()).toBe(true);
    expect(await tid(`valve-${good}-stop`).isEnabled()).toBe(true);
    await expect.poll(() => tid(`valve-${good}-result`).getAttribute('data-state'), { timeout: WAIT }).toBe('ok');
    expect(await text(`valve-${good}-result`)).toBe('Listo: en 45°');
    expect(Math.abs(valve.angle - 45)).toBeLessThanOrEqual(1.5);
    expect(await text(`valve-${good}-angle`)).toBe('45°');
    expect(await tid(`valve-${good}-open`).isEnabled()).toBe(true);
    const seen = await page.evaluate(() => (window as unknown as { anglesSeen: string[] }).anglesSeen);
    const between = seen.map((s) => parseInt(s, 10)).filter((a) => a > 2 && a < 43);
    expect(between.length, `angles shown: ${seen.join(' ')}`).toBeGreaterThanOrEqual(2);
    await tid('valves').screenshot({ path: SCREENSHOT });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(5_000);
    expect(pageErrors).toEqual([]);
  });

  it('refuses an angle outside 0…90 in the page, sending nothing', async () => {
    await tid(`valve-${good}-angle-input`).fill('120');
    await tid(`valve-${good}-move`).click();
    await expect.poll(() => text(`valve-${good}-result`), { timeout: WAIT }).toBe('Escriba un ángulo de 0 a 90°');
    expect(await tid(`valve-${good}-result`).getAttribute('data-state')).toBe('error');
    expect(Math.abs(valve.angle - 45)).toBeLessThanOrEqual(1.5);
  });

  it('a valve in sensor mode shows it, and "Pasar a manual" turns the mode off', async () => {
    expect(await tid(`valve-${good}-manual`).isHidden()).toBe(true);
    // A threshold no reading is below: the mode is on, the valve stays where it is.
    await server.valves.command(good, { kind: 'sensor', enabled: true, threshold: -1000, angle: 45 });
    await expect.poll(() => text(`valve-${good}-mode`), { timeout: WAIT }).toMatch(/sensor/i);
    await tid(`valve-${good}-manual`).click();
    await expect.poll(() => tid(`valve-${good}-result`).getAttribute('data-state'), { timeout: WAIT }).toBe('ok');
    expect(server.valves.get(good)!.sensor).toBe(false);
    await expect.poll(() => tid(`valve-${good}-manual`).isHidden(), { timeout: WAIT }).toBe(true);
  });

  it('a jammed valve: the card shows its fault clearly, and the command the fault by its code', async () => {
    valve.jam(55);
    await tid(`valve-${good}-open`).click();
    await expect.poll(() => tid(`valve-${good}-result`).getAttribute('data-code'), { timeout: WAIT }).toBe('VALVE_FAULT');
    expect(await text(`valve-${good}-result`)).toBe('La válvula reportó una falla: motor atascado');
    expect(await tid(`valve-${good}-fault`).isVisible()).toBe(true);
    expect(await text(`valve-${good}-fault`)).toBe('⚠ Falla: motor atascado');
    expect(await tid(`valve-${good}`).getAttribute('data-fault')).toBe('true');
    expect(Math.abs(valve.angle - 55)).toBeLessThanOrEqual(1);
    await expect.poll(() => text(`valve-${good}-angle`), { timeout: WAIT }).toBe('55°');
    valve.clearJam();
    expect(pageErrors).toEqual([]);
  });

  it('a valve that is offline (wrong passkey, or stopped) shows it, and a command shows the offline error', async () => {
    await tid(`valve-${locked}-open`).click();
    await expect.poll(() => tid(`valve-${locked}-result`).getAttribute('data-state'), { timeout: WAIT }).toBe('error');
    expect(await tid(`valve-${locked}-result`).getAttribute('data-code')).toBe('VALVE_OFFLINE');
    expect(await text(`valve-${locked}-result`)).toBe('La válvula está fuera de línea: no se pudo completar la orden');

    valve.stop();
    await expect.poll(() => text(`valve-${good}-status`), { timeout: WAIT }).toBe('fuera de línea');
    expect(await tid(`valve-${good}`).getAttribute('data-online')).toBe('false');
    // The last angle it reported stays on the card.
    expect(await text(`valve-${good}-angle`)).toBe('55°');
    await tid(`valve-${good}-close`).click();
    await expect.poll(() => tid(`valve-${good}-result`).getAttribute('data-code'), { timeout: WAIT }).toBe('VALVE_OFFLINE');
    expect(await text(`valve-${good}-result`)).toBe('La válvula está fuera de línea: no se pudo completar la orden');
    expect(pageErrors).toEqual([]);
  });

  it('speaks English with the switch: the card, and the offline error by its code', async () => {
    await Promise.all([page.waitForEvent('load'), tid('lang-switch').click()]);
    await page.locator('body[data-ready="1"]').waitFor();
    expect(await page.locator('#valves-title').textContent()).toBe('Valves');
    expect(await text(`valve-${good}-status`)).toBe('offline');
    expect(await text(`valve-${good}-open`)).toBe('Open');
    expect(await text(`valve-${good}-position`)).toBe('61 % open');
    expect(await text(`valve-${good}-fault`)).toBe('⚠ Fault: motor stalled');
    await tid(`valve-${good}-stop`).click();
    await expect.poll(() => text(`valve-${good}-result`), { timeout: WAIT }).toBe('The valve is offline: the command could not be carried out');
    await Promise.all([page.waitForEvent('load'), tid('lang-switch').click()]);
    expect(pageErrors).toEqual([]);
  });
});
