/**
 * The value decoder's former module: the decoder now lives beside the parser in
 * sensor-informs.ts (one module on the path of a reading); these names stay importable here.
 * @module
 */
export { clientSensorType, decodeSensorValue, isWireSensorType, sensorValueCodec } from './sensor-informs.js';
export type { WireSensorType } from './sensor-informs.js';
