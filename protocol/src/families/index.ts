import { valve } from './valve.js';
import { sensorStream } from './sensorStream.js';
import { charger } from './charger.js';
import { gateway } from './gateway.js';
import { signaling } from './signaling.js';
import type { FamilyDef } from '../schema/family.js';

export const families: FamilyDef[] = [valve, sensorStream, charger, gateway, signaling];
export { valve, sensorStream, charger, gateway, signaling };
