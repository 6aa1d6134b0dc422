/**
 * The device server: {@link DeviceServer}, typed request declarations, the `#log` bridge and
 * the time-synchronisation sensors.
 * @module
 */
export { DeviceServer, ServerState } from './device-server.js';
export type { DeviceServerOptions, ServiceTask } from './device-server.js';
export type { ServerTrafficSnapshot } from './client-pool.js';
export type { ClientTrafficSnapshot } from './client-connection.js';
export { parseServerProtocol } from './dialect.js';
export { RequestContext } from './context.js';
export { MAX_REST_ARGUMENTS, defineRequest } from './request.js';
export type { HandlerArgs, HandlerResult, ParamSpec, ParamTypes, ParamValue, RequestDefinition } from './request.js';
export type { ConsoleLike, KatcpLogger } from './logging.js';
export { filterByName, isRegexFilter } from './sensor-filter.js';
export { DETAIL_LIMIT as INTERFACE_CHANGE_DETAIL_LIMIT } from './interface-changes.js';
export { LIBRARY_NAME, LIBRARY_VERSION, PROTOCOL_INFO } from './version.js';
export {
  AdjtimexCallError,
  AdjtimexUnavailableError,
  CLOCK_STATES,
  STA,
  TIME,
  TIMEX_SIZE,
  clockStateName,
  decodeTimex,
  loadAdjtimex,
  timexTime,
} from './adjtimex.js';
export type { AdjtimexFn, AdjtimexResult, ClockState, Timex } from './adjtimex.js';
export { TimeSyncUpdater, clockStateStatus, createTimeSyncSensors, timeSyncTask } from './time-sync.js';
export type { TimeSyncSensors } from './time-sync.js';
