/**
 * The states, events and options of a `KATCPClientResource`.
 * @module
 */
import type { SamplingStrategy } from '../sensor/strategy.js';
import type { RequestProxy } from './request-proxy.js';
import type { ResourceSensor } from './resource-sensor.js';

/** The three resource states. */
export const ResourceState = { Disconnected: 'disconnected', Syncing: 'syncing', Synced: 'synced' } as const;
/** `disconnected`, `syncing` or `synced`. */
export type ResourceState = (typeof ResourceState)[keyof typeof ResourceState];

/** Events of a {@link KATCPClientResource}. */
export interface ResourceEvents {
  stateChange: [state: ResourceState, previous: ResourceState];
  /** A sensor appeared in `sensor` (also on the first sync). */
  sensorAdded: [sensor: ResourceSensor];
  /** A sensor left `sensor` (the device removed it). */
  sensorRemoved: [sensor: ResourceSensor];
  /** A request appeared in `req`. */
  requestAdded: [request: RequestProxy];
  /** A request left `req`. */
  requestRemoved: [request: RequestProxy];
  /** The device refused a cached strategy when it was re-applied (it is no longer cached). */
  strategyError: [sensor: ResourceSensor, strategy: SamplingStrategy, error: Error];
  /** An inspection failed (the inspecting client retries after a backoff). */
  syncError: [error: Error];
  /** Something was dropped or a listener threw. */
  warning: [error: Error];
}

/** Options besides the spec. */
export interface ResourceOptions {
  /** The container owning this resource. */
  parent?: object;
}
