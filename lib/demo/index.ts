/**
 * The bundled demo device.
 * @module
 */
export { createDemoServer, DEMO_BUILD_STATE, DEMO_VERSION } from './demo-server.js';
export type { DemoServerOptions } from './demo-server.js';
export { FRUITS, MODES, createDemoSensors, extraSensorName } from './demo-sensors.js';
export type { DemoSensors, Fruit } from './demo-sensors.js';
export { FRUIT_STEPS, demoRequests } from './demo-requests.js';
export type { DemoRequestDeps } from './demo-requests.js';
