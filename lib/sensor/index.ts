/**
 * `katcp/sensor`: the sensor core — sensors, sensor sets, aggregates, sampling strategies and samplers. Pure: no
 * I/O, time from an injected Clock.
 * @module
 */
export { SensorStatus, SENSOR_STATUSES, isSensorStatus, statusIsValid, makeReading } from './status.js';
export type { Reading } from './status.js';
export { Sensor, isValidSensorName } from './sensor.js';
export type { SensorTypeName, SensorValueTypes, SensorObserver, SensorOptions, SetValueOptions, SensorFactoryOptions } from './sensor.js';
export { checkRange, rangeStatusFunc } from './range.js';
export type { SensorRange } from './range.js';
export { compatibilityWarnings } from './compat.js';
export { SensorSet } from './sensor-set.js';
export type { SensorSetCallback } from './sensor-set.js';
export { StrategyName, STRATEGY_PARAM_COUNT, isStrategyName, supportsDifferential, validateStrategy } from './strategy.js';
export type { SamplingStrategy } from './strategy.js';
export { parseStrategy, formatStrategy } from './parse-strategy.js';
export { createSampler } from './sampler.js';
export type { Sampler, SamplerOptions, SendReading } from './sampler.js';
export { AggregateSensor, SimpleAggregateSensor } from './aggregate.js';
export {
  DEVICE_STATUS_VALUES,
  DEFAULT_DEVICE_STATUS_MAP,
  DeviceStatusAggregate,
  deviceStatusSensor,
  deviceStatusToSensorStatus,
} from './device-status.js';
export type { DeviceStatusSensorOptions, DeviceStatusAggregateOptions } from './device-status.js';
