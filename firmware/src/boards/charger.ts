// How the charger board is wired. GPIO numbers are ESP32 pins; I2C addresses are 7-bit.

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
