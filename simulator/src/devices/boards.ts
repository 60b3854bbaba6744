// How each espfleet board is wired: the contract between the firmware and the hardware
// (real or simulated). GPIO numbers are ESP32 pins; I2C addresses are 7-bit.

export const VALVE_BOARD = {
  /** H-bridge inputs (PWM): IN1 high opens, IN2 high closes, both low coasts, both high brakes. */
  motorOpen: 25,
  motorClose: 26,
  /** Potentiometer on the output shaft, ADC1. */
  angleSense: 34,
  /** Limit switches to ground, input_pullup: low = engaged. */
  limitOpen: 32,
  limitClose: 33,
  i2cScl: 22,
  i2cSda: 21,
  /** INA219 on the motor supply, 0.1 Ω shunt. */
  ina219: 0x40,
  statusLed: 2,
} as const;

export const CHARGER_BOARD = {
  /** Contactor relay driver: high = closed (charging). */
  relay: 27,
  /** Push buttons to ground, input_pullup: low = pressed. */
  stopButton: 14,
  emergencyButton: 12,
  i2cScl: 22,
  i2cSda: 21,
  /** INA226 on the charging line (2 mΩ shunt, bus through a 10:1 divider). */
  ina226: 0x40,
  /** PN532 NFC reader in I2C mode. */
  pn532: 0x24,
  statusLed: 2,
} as const;

/** Where the simulator provisions a device's configuration in Storage (JSON). */
export const CONFIG_FILE = 'espfleet.json';
