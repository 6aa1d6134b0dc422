/**
 * `katcp/server`: the device server — {@link DeviceServer}, typed request declarations, the
 * `#log` bridge and the time-synchronisation sensors.
 * @module
 */
export { DeviceServer, ServerState } from './device-server.js';
export type { DeviceServerOptions, ServiceTask } from './device-server.js';
export type { ServerTrafficSnapshot } from './client-pool.js';
export type { ClientTrafficSnapshot } from './client-connection.js';
export { parseServerProtocol } from './dialect.js';
export { RequestContext } from './context.js';
export { defineRequest } from './request.js';
export type { HandlerArgs, HandlerResult, ParamSpec, ParamTypes, ParamValue, RequestDefinition } from './request.js';
export type { ConsoleLike, KatcpLogger } from './logging.js';
export { filterByName, isRegexFilter } from './sensor-filter.js';
export { LIBRARY_NAME, LIBRARY_VERSION, PROTOCOL_INFO } from './version.js';
export { AdjtimexCallError, AdjtimexUnavailableError } from './adjtimex.js';
export type { AdjtimexFn, AdjtimexResult, ClockState, Timex } from './adjtimex.js';
export { TimeSyncUpdater, clockStateStatus, createTimeSyncSensors, timeSyncTask } from './time-sync.js';
export type { TimeSyncSensors } from './time-sync.js';
export type { Clock } from '../util/clock.js';
