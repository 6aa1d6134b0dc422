/**
 * `katcp/inspecting`: the inspecting client — katcp-python's state machine and device model
 * over a `Client`.
 * @module
 */
export { InspectingClient } from './inspecting-client.js';
export type { InspectingClientEvents, InspectingClientOptions, LookupOptions, SensorTarget, StateCallback } from './inspecting-client.js';
export { ExponentialRandomBackoff } from './backoff.js';
export type { ExponentialRandomBackoffOptions } from './backoff.js';
export { InspectingState } from './state.js';
export type { InspectingStateName, InspectingStateValue } from './state.js';
export type { ItemChanges, ModelChanges, RequestInfo, SensorInfo } from './model.js';
export { defaultRequestFactory, defaultSensorFactory } from './sensor-values.js';
export type { Message } from '../codec/message.js';
