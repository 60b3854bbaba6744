// The valve firmware's entry: runs at boot (the bundle's top level).
import { startValve } from './device.js';

startValve();
