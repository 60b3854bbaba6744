export * from './dsl.js';
export * from './family.js';
export * from './jsonSchema.js';
export * from './asyncapi.js';
export { families, valve, sensorStream, charger, gateway, signaling } from '../families/index.js';
