// JSON files in Espruino's Storage: the device configuration (CONFIG_FILE, provisioned by
// `espfleet flash` and the simulator) and small state files an app keeps across reboots.
import { CONFIG_FILE } from '../boards/index.js';

/** A JSON file's object, or an empty object when it is missing or unreadable. */
export function readJsonFile(name: string): Record<string, any> {
  const v = require('Storage').readJSON(name, true);
  return v !== null && typeof v === 'object' ? v : {};
}

export function writeJsonFile(name: string, data: object): void {
  require('Storage').writeJSON(name, data);
}

export function readConfig(): Record<string, any> {
  return readJsonFile(CONFIG_FILE);
}

/** Rewrites the configuration with `changes` merged over its top-level keys. */
export function updateConfig(changes: Record<string, any>): void {
  writeJsonFile(CONFIG_FILE, Object.assign(readConfig(), changes));
}
