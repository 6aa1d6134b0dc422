/**
 * `katcp/demo`: the bundled demo device (the one `npm start` tours and `katcp demo-server` serves).
 * @module
 */
export { createDemoServer, DEMO_BUILD_STATE, DEMO_VERSION } from './demo-server.js';
export type { DemoServerOptions } from './demo-server.js';
export { FRUITS } from './demo-sensors.js';
export type { Fruit } from './demo-sensors.js';
