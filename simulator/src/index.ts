// @espfleet/simulator: run the flashed firmware bundles against emulated hardware.
export { VirtualClock, WallClock, type Clock } from './espruino/clock.js';
export { EspruinoDevice, type EspruinoDeviceOptions, type DeviceState } from './espruino/device.js';
export { NotSupportedError, type DeviceHost, type WifiNetwork } from './espruino/host.js';
export { I2CBus, I2CNackError, type I2CDevice, type I2CTransfer } from './espruino/i2cBus.js';
export { PinBank, type PinOutput } from './espruino/pins.js';
export { SimulatedValve, type SimulatedValveOptions } from './devices/simulatedValve.js';
export { SimulatedCharger, type SimulatedChargerOptions } from './devices/simulatedCharger.js';
export { SimulatedDevice, SIM_NETWORK, type SimulatedDeviceOptions } from './devices/simulatedDevice.js';
export { VALVE_BOARD, CHARGER_BOARD, CONFIG_FILE } from '@espfleet/firmware/boards';
export { INA219 } from './devices/chips/ina219.js';
export { INA226 } from './devices/chips/ina226.js';
export { PN532 } from './devices/chips/pn532.js';
export { GearMotor, VALVE_ACTUATOR } from './physics/gearMotor.js';
export { EvLoad, DEFAULT_EV } from './physics/evLoad.js';
export { Fleet, type FleetOptions, type FleetProgress } from './fleet.js';
export { applyFault, FaultError, FAULT_HELP } from './faults.js';
