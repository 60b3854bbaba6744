// How the valve board is wired: the contract between the firmware and the hardware (real or
// simulated). GPIO numbers are ESP32 pins; I2C addresses are 7-bit.

export const VALVE_BOARD = {
  /** H-bridge inputs (PWM): IN1 high opens, IN2 high closes, both low coasts, both high brakes. */
  motorOpen: 25,
  motorClose: 26,
  /** Potentiometer on the output shaft, ADC1. */
  angleSense: 34,
  /** Analog input for sensor mode (e.g. a soil moisture probe), ADC1. */
  sensorInput: 35,
  /** Limit switches to ground, input_pullup: low = engaged. */
  limitOpen: 32,
  limitClose: 33,
  i2cScl: 22,
  i2cSda: 21,
  /** INA219 on the motor supply, 0.1 Ω shunt. */
  ina219: 0x40,
  statusLed: 2,
} as const;

/** Factory calibration and limits; the Storage config overrides each one. */
export const VALVE_CALIBRATION = {
  /** analogRead() (0..1) of the shaft potentiometer at 0° and at 90°. */
  angleAt0: 0.05,
  angleAt90: 0.95,
  shuntOhms: 0.1,
  /** Motor current above this for overcurrentMs is a fault, amps. */
  currentLimitA: 2.5,
  overcurrentMs: 200,
  /** Driven without the angle moving 1° for this long: stalled. */
  stallMs: 1000,
  /** Longest a single move may take. */
  maxRunMs: 20000,
  /** Bridge idle between stopping and driving the other way. */
  deadTimeMs: 300,
  /** Motor PWM frequency, Hz. */
  pwmHz: 20000,
  /** Sensor-mode reading = analogRead(sensorInput) × sensorScale (percent by default). */
  sensorScale: 100,
} as const;
