// Board data shared by the firmware and the simulator, so both wire the same pins.
export { VALVE_BOARD, VALVE_CALIBRATION } from './valve.js';
export { CHARGER_BOARD } from './charger.js';

/** Storage file holding a device's configuration (JSON), as provisioned by flash and simulator. */
export const CONFIG_FILE = 'espfleet.json';
