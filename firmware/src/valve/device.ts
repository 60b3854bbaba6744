// The valve's wiring to the Espruino API: drivers on the board's pins, the control loop's
// timer, limit-switch watches, WiFi, Storage and the WebSocket server, all feeding the machine.
import { decodeValveClientMessage, encode } from '@espfleet/protocol/espruino/valve.js';
import { startWsServer } from '../net/wsServer.js';
import type { WsPeer, WsServer } from '../net/wsServer.js';
import { VALVE_BOARD as B } from '../boards/valve.js';
import { INA219 } from '../drivers/ina219.js';
import { hBridge } from '../drivers/hBridge.js';
import { angleSensor, wholeDegrees } from '../drivers/angleSensor.js';
import { watchLimitSwitch } from '../drivers/limitSwitch.js';
import { readConfig, readJsonFile, updateConfig, writeJsonFile } from '../config/storageConfig.js';
import { createValveMachine } from './machine.js';
import { MEMORY_FILE, valveMemory, valveSettings } from './settings.js';
import { MOTOR_BRAKE, MOTOR_CLOSE, MOTOR_OPEN } from './types.js';
import type { Readings } from './types.js';
import { startNetwork } from './network.js';

/** Largest WebSocket message accepted (a full schedule is ~400 bytes). */
export const MAX_MESSAGE_BYTES = 2048;
const WS_PATH = '/ws';
const ANGLE_SAMPLES = 8;
const DEBOUNCE_MS = 20;
/** Lets the last frames leave before a restart. */
const RESTART_DELAY_MS = 200;

function message(e: unknown): string {
  return (e as { message?: string }).message || String(e);
}

/** Whether the limit switch on `pin` is engaged, or undefined when the pin cannot be watched (then it counts as not installed). */
function limitSwitch(pin: number, onChange: (engaged: boolean) => void): (() => boolean) | undefined {
  try {
    return watchLimitSwitch(new Pin(pin), DEBOUNCE_MS, onChange);
  } catch (e) {
    console.log('limit switch D' + pin + ': ' + message(e));
    return undefined;
  }
}

export function startValve(): void {
  const cfg = readConfig();
  const s = valveSettings(cfg);
  // Switch edges reach the machine once it exists: watches fire only after this function returns.
  const open = limitSwitch(B.limitOpen, (engaged) => edge(true, engaged));
  const close = limitSwitch(B.limitClose, (engaged) => edge(false, engaged));
  if (!open) s.limitOpen = false;
  if (!close) s.limitClose = false;
  const bridge = hBridge(new Pin(B.motorOpen), new Pin(B.motorClose), s.pwmHz);
  const angle = angleSensor(new Pin(B.angleSense), s.angleAt0, s.angleAt90, ANGLE_SAMPLES);
  const ina = new INA219(I2C1, B.ina219, s.shuntOhms);
  const sensorPin = new Pin(B.sensorInput);
  // Espruino's Linux build has no ADC: analogRead prints an error and returns 0 on every call.
  const adc = String((process as unknown as { env: { BOARD: string } }).env.BOARD).indexOf('LINUX') < 0;
  if (!adc) console.log('no ADC on this build: angle and sensor inputs read 0');
  /** Open connections by peer id. */
  const links: Record<number, WsPeer> = {};
  const r: Readings = { angle: 0, amps: 0, inaOk: false, sensor: 0, rssi: undefined };
  let server: WsServer | undefined;
  let period = 0;
  let timer = 0;

  const m = createValveMachine(s, valveMemory(readJsonFile(MEMORY_FILE)), {
    decode: (t) => decodeValveClientMessage(t, MAX_MESSAGE_BYTES),
    encode: encode as (msg: object) => string,
  }, {
    motor(command, duty) {
      if (command === MOTOR_OPEN) bridge.open(duty);
      else if (command === MOTOR_CLOSE) bridge.close(duty);
      else if (command === MOTOR_BRAKE) bridge.brake();
      else bridge.coast();
    },
    send(id, text) {
      if (links[id]) links[id].send(text);
    },
    close(id, code, reason) {
      if (links[id]) links[id].close(code, reason);
    },
    remember: (memory) => writeJsonFile(MEMORY_FILE, memory),
    saveWifi: (ssid, password) => updateConfig({ wifi: { ssid: ssid, password: password } }),
    restart: () => setTimeout(() => {
      if (server) server.stop();
      E.reboot();
    }, RESTART_DELAY_MS),
    log: (text) => console.log(text),
  }, Date.now());

  /** Fast ticks while the motor runs, slow ones at rest. */
  function pace(): void {
    if (m.tickMs === period) return;
    if (period) clearInterval(timer);
    period = m.tickMs;
    timer = setInterval(loop, period);
  }

  function loop(): void {
    if (adc) {
      r.angle = angle();
      r.sensor = analogRead(sensorPin) * s.sensorScale;
    }
    r.inaOk = ina.read();
    r.amps = ina.amps;
    m.tick(Date.now(), r);
    pace();
  }

  // A board without the bus (or the chip) is a reported fault, not a crash.
  try {
    I2C1.setup({ scl: new Pin(B.i2cScl), sda: new Pin(B.i2cSda), bitrate: 400000 });
  } catch (e) {
    console.log('I2C: ' + message(e));
  }
  if (!ina.setup()) console.log(ina.error);
  function edge(openSwitch: boolean, engaged: boolean): void {
    m.limit(openSwitch, engaged, Date.now());
    pace();
  }

  loop();
  if (open && open()) m.limit(true, true, Date.now());
  if (close && close()) m.limit(false, true, Date.now());
  startNetwork(s, (rssi) => {
    r.rssi = rssi;
  });
  server = startWsServer({ port: s.port, path: WS_PATH, maxMessageBytes: MAX_MESSAGE_BYTES }, {
    open(p) {
      links[p.id] = p;
      m.open(p.id, p.address, Date.now());
    },
    message(p, text) {
      m.message(p.id, text, Date.now());
      pace();
    },
    close(p) {
      delete links[p.id];
      m.closed(p.id);
    },
  });
  console.log('valve ' + s.deviceId + ' at ' + wholeDegrees(angle()) + ' deg, port ' + s.port);
}
