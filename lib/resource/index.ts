/**
 * `katcp/resource`: resource clients — `KATCPClientResource` (one device as `req` functions and
 * `sensor` objects) and `KATCPClientResourceContainer` (many devices, prefixed namespaces, groups).
 * @module
 */
export { KATCPClientResource, ResourceState } from './resource.js';
export type { ResourceEvents, ResourceOptions } from './resource.js';
export { KATCPClientResourceContainer } from './container.js';
export type { ContainerEvents, ContainerSpec } from './container.js';
export { ClientGroup, GroupResults, GroupWaitResult } from './group.js';
export type { GroupRequest, GroupWaitOptions } from './group.js';
export { ResourceSensor } from './resource-sensor.js';
export type { ResourceReading, SensorListener } from './resource-sensor.js';
export { KatcpReply } from './reply.js';
export type { RequestProxy } from './request-proxy.js';
export { escapeName } from './namespace.js';
export type { NamespaceObject } from './namespace.js';
export type { StrategyInput } from './strategy.js';
export type { WaitCondition, WaitValue } from './condition.js';
export type { ListSensorsOptions, SensorFilter } from './select.js';
export type { ChildResourceSpec, ResourceSpec } from './spec.js';
export type { ReadingStreamOptions } from './reading-stream.js';
