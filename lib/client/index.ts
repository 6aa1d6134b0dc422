/**
 * The KATCP client layer: the low-level {@link Client} and the {@link SensorWatcher}.
 * @module
 */
export { Client } from './client.js';
export type { CallbackRequestHandlers, ClientEvents, ClientOptions, ConnectOptions, RequestOptions } from './client.js';
export { ClientState, canTransition, clientTransitions } from './state.js';
export { defaultReconnectPolicy, exponentialBackoff } from './backoff.js';
export type { ExponentialBackoffOptions, ReconnectPolicy } from './backoff.js';
export { defaultLogger, silentLogger } from './logger.js';
export type { ClientLogger } from './logger.js';
export { InformStream } from './inform-stream.js';
export type { InformStreamOptions, OverflowPolicy } from './inform-stream.js';
export { interpretReply } from './reply.js';
export type { RawRequestResult, RequestResult } from './reply.js';
export { MAX_MID } from './requests.js';
export { SUPPORTED_MAJORS, V4_FLAGS } from './negotiation.js';
export { parseSensorInform, parseSensorListInform } from './sensor-informs.js';
export type { RawSensorReading, RemoteSensorInfo, SensorInformBody } from './sensor-informs.js';
export type { SensorReadingOptions } from './sensor-reading.js';
export { SensorWatcher } from './sensor-watcher.js';
export type { SensorWatcherEvents, SensorWatcherOptions } from './sensor-watcher.js';
export { SyncState } from './sync-state.js';
export { BULK_CHUNK_BYTES, BULK_CHUNK_NAMES, MAX_IN_FLIGHT } from './sampling.js';
