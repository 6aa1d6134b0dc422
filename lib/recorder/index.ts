/**
 * `katcp/recorder`: records the sensors of a `KATCPClientResource` (or a `SensorSet`) into a
 * telescope-state store, as MeerKAT's cam2telstate does.
 *
 * ```ts
 * import { SensorRecorder } from 'katcp/recorder';
 * const recorder = new SensorRecorder(resource, ts, { sensors: [/^pos\./] });
 * await recorder.start();
 * ```
 *
 * It sits above both the resource client and the store (`katcp/telstate`), which know nothing of it.
 * @module
 */
export { SensorRecorder } from './recorder.js';
export type { SensorRecorderEvents, RecorderCounters, SensorRecorderSource } from './recorder.js';
export { telstateValue } from './recorder-plan.js';
export type { SensorRecorderOptions, SensorSelector, StrategyOverrides, RecordedSensor } from './recorder-plan.js';
export { RecordStage, SensorRecordError } from './errors.js';
