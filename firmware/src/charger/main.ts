// The charger firmware's wiring: Storage configuration, the chips on I2C, relay, buttons,
// status LED, WiFi and the WebSocket to the backend, all feeding the pure charger machine and
// carrying out its effects. A build without WiFi (Espruino's Linux build) connects at once;
// one without I2C reports both chips as faults and keeps the relay open.
import { decodeChargerCommandMessage, encode } from '@espfleet/protocol/espruino/charger.js';
import { CHARGER_BOARD as B } from '../boards/index.js';
import { readConfig, readJsonFile, writeJsonFile } from '../config/storageConfig.js';
import { connectWs, type WsConnection } from '../net/wsClient.js';
import { connect as pn532, uidHex } from '../drivers/pn532.js';
import { connect as ina226, type INA226 } from '../drivers/ina226.js';
import { relay } from '../drivers/relay.js';
import { watchButton } from '../drivers/button.js';
import { cardPresence } from './cardPresence.js';
import { publisherUrl, readChargerConfig } from './config.js';
import { createChargerMachine, type ServerMessage } from './machine.js';
import type { OutgoingMessage } from './messages.js';
import { ledTimes } from './led.js';
import { savedState } from './savedState.js';

const STATE_FILE = 'charger-state.json';
const SAMPLE_MS = 1000;
const NFC_POLL_MS = 250;
const NFC_RETRY_MS = 5000;
const WIFI_RETRY_MS = 5000;
const MAX_MESSAGE_BYTES = 4096;

function log(text: string): void {
  console.log('[charger] ' + text);
}
function nowMs(): number {
  return getTime() * 1000;
}
function unix(): number {
  return Math.floor(Date.now() / 1000);
}
function errText(e: unknown): string {
  return e && (e as Error).message ? (e as Error).message : String(e);
}

/** A pin written through digitalWrite; a board without that GPIO (the Linux build) is reported once. */
function outputPin(n: number, name: string) {
  let warned = false;
  return {
    write: (high: boolean) => {
      try {
        digitalWrite(new Pin(n), high);
      } catch (e) {
        if (!warned) log(name + ' pin D' + n + ' not available: ' + errText(e));
        warned = true;
      }
    },
  };
}

const setRelay = relay(outputPin(B.relay, 'relay'));
const ledPin = outputPin(B.statusLed, 'LED');
const cfgRead = readChargerConfig(readConfig());
const cfg = cfgRead.config;
for (let i = 0; i < cfgRead.problems.length; i++) log('config: ' + cfgRead.problems[i]);
const stored = savedState(readJsonFile(STATE_FILE));
if (stored.problem) log('saved state ignored: ' + stored.problem);

let ws: WsConnection | null = null;
let ledTimer = 0;
let retryTimer = 0;
let wifiUp = false;
let hasWifi = false;

function sendNow(msg: OutgoingMessage): void {
  if (ws && ws.open && ws.send(encode(msg as never))) return;
  machine.unsent(msg);
}

function persist(): void {
  try {
    writeJsonFile(STATE_FILE, machine.saved());
  } catch (e) {
    log('could not save state: ' + errText(e));
  }
}

function showLed(t: number[]): void {
  if (ledTimer) clearTimeout(ledTimer);
  ledTimer = 0;
  ledPin.write(t[0] > 0);
  if (t[0] === 0 || t[1] === 0) return;
  let on = true;
  const blink = () => {
    on = !on;
    ledPin.write(on);
    ledTimer = setTimeout(blink, on ? t[0] : t[1]);
  };
  ledTimer = setTimeout(blink, t[0]);
}


// ---- the server ----

function connectLater(ms: number): void {
  if (retryTimer) clearTimeout(retryTimer);
  retryTimer = setTimeout(() => {
    retryTimer = 0;
    openWs();
  }, ms);
}

function openWs(): void {
  // Without a link the attempt waits for WiFi's 'connected'.
  if (ws || (hasWifi && !wifiUp) || cfg.estacionId < 0 || !cfg.server) return;
  const url = publisherUrl(cfg);
  log('connecting to ' + cfg.server + ' as station ' + cfg.estacionId);
  ws = connectWs(url, { maxMessageBytes: MAX_MESSAGE_BYTES }, {
    // Nothing to do until the server's `connected`.
    open: () => {},
    message: (text) => {
      const r = decodeChargerCommandMessage(text, MAX_MESSAGE_BYTES);
      if (!r.ok) return log('message from the server refused: ' + r.error.path + ' ' + r.error.message);
      machine.message(r.value as ServerMessage);
    },
    close: (code, reason) => {
      ws = null;
      machine.closed(code, reason, Math.random());
    },
  });
}

function startWifi(): void {
  let wifi: WifiModule;
  try {
    wifi = require('Wifi');
  } catch (e) {
    log('no WiFi on this build: connecting directly');
    return openWs();
  }
  hasWifi = true;
  if (!cfg.wifi) return log('no wifi in the configuration: staying offline');
  const w = cfg.wifi;
  const join = () =>
    wifi.connect(w.ssid, { password: w.password }, (err) => {
      if (err) {
        log('WiFi ' + w.ssid + ': ' + err);
        setTimeout(join, WIFI_RETRY_MS);
      }
    });
  wifi.on('connected', () => {
    wifiUp = true;
    try {
      wifi.setSNTP(cfg.ntp, 'UTC0');
    } catch (e) {
      log('SNTP: ' + errText(e));
    }
    openWs();
  });
  wifi.on('disconnected', () => {
    if (!wifiUp) return;
    wifiUp = false;
    log('WiFi lost');
    setTimeout(join, WIFI_RETRY_MS);
  });
  join();
}

// ---- the chips ----

function startChips(): void {
  if (typeof I2C1 === 'undefined') {
    machine.nfc('no I2C on this build');
    return meter(null);
  }
  try {
    I2C1.setup({ scl: new Pin(B.i2cScl), sda: new Pin(B.i2cSda), bitrate: 400000 });
  } catch (e) {
    machine.nfc('I2C: ' + errText(e));
    return meter(null);
  }
  meter(ina226(I2C1, { address: B.ina226, shuntOhms: 0.002, busScale: 10, currentLsbA: 0.001 }));
  nfc();
}

/** One sample a second; a chip that stops answering is a fault until it answers (and is set up) again. */
function meter(ina: INA226 | null): void {
  let ready = false;
  setInterval(() => {
    if (!ina) return machine.sampleFailed('no I2C on this build');
    let r;
    try {
      if (!ready) ina.init();
      ready = true;
      r = ina.read();
    } catch (e) {
      ready = false;
      return machine.sampleFailed(errText(e));
    }
    machine.sample(r.v, r.a, r.w);
  }, SAMPLE_MS);
}

function nfc(): void {
  const reader = pn532(I2C1, B.pn532);
  const placed = cardPresence(2);
  const poll = () =>
    reader.readPassiveTarget((err, uid) => {
      if (err && err.indexOf('not answering') >= 0) {
        machine.nfc(err);
        return setTimeout(init, NFC_RETRY_MS);
      }
      // A garbled or timed-out poll says nothing about the card: ignored.
      if (!err) {
        const card = placed(uid ? uidHex(uid) : null);
        if (card) machine.card(card);
      }
      setTimeout(poll, NFC_POLL_MS);
    });
  const init = () =>
    reader.init((err, version) => {
      if (err) {
        machine.nfc(err);
        return setTimeout(init, NFC_RETRY_MS);
      }
      log(version + ' ready');
      machine.nfc('');
      poll();
    });
  init();
}

function startButtons(): void {
  const pin = (n: number) => ({
    mode: (m: string) => pinMode(new Pin(n), m as 'input_pullup'),
    watch: (fn: (e: WatchEvent) => void, o: { edge: string; debounce: number; repeat: boolean }) =>
      setWatch(fn, new Pin(n), { edge: o.edge as 'both', debounce: o.debounce, repeat: o.repeat }),
  });
  try {
    watchButton(pin(B.stopButton), machine.stop);
    watchButton(pin(B.emergencyButton), machine.emergency);
    // A mushroom button already latched at power-on is an emergency now. Espruino's Linux build has
    // no pull-ups (every input reads low), so there the level says nothing.
    const board = String((process as unknown as { env: { BOARD: string } }).env.BOARD);
    if (board.indexOf('LINUX') < 0 && !digitalRead(new Pin(B.emergencyButton))) {
      machine.emergency(true);
    }
  } catch (e) {
    log('buttons not available: ' + errText(e));
  }
}

// Last, once every function it is given is declared (Espruino does not hoist).
const machine = createChargerMachine(cfg, SAMPLE_MS, stored.state, {
  now: nowMs,
  unix: unix,
  relay: setRelay,
  send: sendNow,
  persist: persist,
  led: (p) => showLed(ledTimes(p)),
  log: log,
  connect: connectLater,
});
machine.boot();
log('charger for station ' + cfg.estacionId + ' booting');
startButtons();
startChips();
startWifi();
