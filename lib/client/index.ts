/**
 * `katcp/client`: the low-level {@link Client}, its inform streams and reconnect policy, and the
 * {@link SensorWatcher} that mirrors a device's sensors.
 * @module
 */
export { Client } from './client.js';
export type { CallbackRequestHandlers, ClientEvents, ClientOptions, ClientStats, ConnectOptions, HeartbeatOptions, RequestOptions } from './client.js';
export type { RetryAttempt, RetryOptions, RetryPolicy } from '../util/retry.js';
export type { LatencySummary, TrafficSnapshot } from '../util/traffic-stats.js';
export { ClientState } from './state.js';
export { defaultReconnectPolicy, exponentialBackoff } from './backoff.js';
export type { ExponentialBackoffOptions, ReconnectPolicy } from './backoff.js';
export { defaultLogger, silentLogger } from './logger.js';
export type { ClientLogger } from './logger.js';
export { InformStream } from './inform-stream.js';
export type { InformStreamOptions, OverflowPolicy } from './inform-stream.js';
export type { RawRequestResult, RequestResult } from './reply.js';
export type { RawSensorReading, RemoteSensorInfo, SensorInformBody } from './sensor-informs.js';
export type { SensorReadingOptions } from './sensor-reading.js';
export { SensorWatcher } from './sensor-watcher.js';
export type { SensorWatcherEvents, SensorWatcherOptions } from './sensor-watcher.js';
export { SyncState } from './sync-state.js';
