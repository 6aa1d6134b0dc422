/**
 * katcp: a KATCP toolkit for Node.js. The public API, as explicit named exports from each layer.
 * The telescope-state store is the separate entry point `katcp/telstate`.
 * @module
 */
export {
  KatcpError,
  KatcpTypeError,
  KatcpSyntaxError,
  FailReply,
  InvalidReply,
  ProtocolVersionError,
  ConnectionClosedError,
  NotConnectedError,
  KatcpTimeoutError,
  KatcpAbortError,
  SyncError,
} from './errors.js';
export type { KatcpErrorOptions, SyntaxErrorKind, ReplyLike } from './errors.js';
export type { Clock, TimerHandle } from './util/clock.js';
export { systemClock, sleep } from './util/clock.js';
export type { CallOptions } from './util/abort.js';

// Connection framing over a socket or any Duplex.
export { Connection } from './connection.js';
export type { ConnectionOwner, ConnectionOptions } from './connection.js';

// The codec: messages, parsing, formatting, type codecs (pure).
export { Message, MessageType } from './codec/message.js';
export { LineParser, DEFAULT_MAX_LINE_LENGTH } from './codec/parser.js';
export type { LineParserOptions } from './codec/parser.js';
export { formatMessage, formatMessages } from './codec/format.js';
export type { MessageLike, WireItem } from './codec/format.js';
export { escapeArgument, unescapeArgument } from './codec/escape.js';
export type { UnescapeOptions } from './codec/escape.js';
export { registerType, getType, hasType, typeNames, encodeValue, decodeValue, encodeArgument, discreteType, formatFloat } from './codec/types.js';
export type { CodecContext, TypeCodec, IntegerValue, DiscreteCodec } from './codec/types.js';
export { DeviceStatus } from './codec/text-types.js';
export type { TimestampOrNow } from './codec/scalar-types.js';
export { Address } from './codec/address.js';
export { ProtocolFlags } from './codec/protocol-flags.js';
export { LogLevel, LOG_LEVELS, isLogLevel, parseLogLevel, logLevelSeverity, compareLogLevels, logLevelEnabled, logLevelFromSeverity } from './codec/log-level.js';

// The sensor core: sensors, sets, strategies, samplers, aggregates (pure).
export { SensorStatus, SENSOR_STATUSES, isSensorStatus, statusIsValid, makeReading } from './sensor/status.js';
export type { Reading } from './sensor/status.js';
export { Sensor, isValidSensorName } from './sensor/sensor.js';
export type { SensorTypeName, SensorValueTypes, SensorObserver, SensorOptions, SetValueOptions, SensorFactoryOptions } from './sensor/sensor.js';
export { checkRange, rangeStatusFunc } from './sensor/range.js';
export type { SensorRange } from './sensor/range.js';
export { compatibilityWarnings } from './sensor/compat.js';
export { SensorSet } from './sensor/sensor-set.js';
export type { SensorSetCallback } from './sensor/sensor-set.js';
export { StrategyName, STRATEGY_PARAM_COUNT, isStrategyName, supportsDifferential, validateStrategy } from './sensor/strategy.js';
export type { SamplingStrategy } from './sensor/strategy.js';
export { parseStrategy, formatStrategy } from './sensor/parse-strategy.js';
export { createSampler } from './sensor/sampler.js';
export type { Sampler, SamplerOptions, SendReading } from './sensor/sampler.js';
export { AggregateSensor, SimpleAggregateSensor } from './sensor/aggregate.js';
export { DEVICE_STATUS_VALUES, DEFAULT_DEVICE_STATUS_MAP, DeviceStatusAggregate, deviceStatusSensor, deviceStatusToSensorStatus } from './sensor/device-status.js';
export type { DeviceStatusSensorOptions, DeviceStatusAggregateOptions } from './sensor/device-status.js';

// The device server.
export { DeviceServer, ServerState } from './server/device-server.js';
export type { DeviceServerOptions, ServiceTask } from './server/device-server.js';
export { RequestContext } from './server/context.js';
export { MAX_REST_ARGUMENTS, defineRequest } from './server/request.js';
export type { HandlerArgs, HandlerResult, ParamSpec, ParamTypes, ParamValue, RequestDefinition } from './server/request.js';
export type { ConsoleLike, KatcpLogger } from './server/logging.js';
export { filterByName, isRegexFilter } from './server/sensor-filter.js';
export { DETAIL_LIMIT as INTERFACE_CHANGE_DETAIL_LIMIT } from './server/interface-changes.js';
export { LIBRARY_NAME, LIBRARY_VERSION, PROTOCOL_INFO } from './server/version.js';
export { AdjtimexCallError, AdjtimexUnavailableError, CLOCK_STATES, STA, TIME, TIMEX_SIZE, clockStateName, decodeTimex, loadAdjtimex, timexTime } from './server/adjtimex.js';
export type { AdjtimexFn, AdjtimexResult, ClockState, Timex } from './server/adjtimex.js';
export { TimeSyncUpdater, clockStateStatus, createTimeSyncSensors, timeSyncTask } from './server/time-sync.js';
export type { TimeSyncSensors } from './server/time-sync.js';

// The bundled demo device.
export { createDemoServer, DEMO_BUILD_STATE, DEMO_VERSION } from './demo/demo-server.js';
export type { DemoServerOptions } from './demo/demo-server.js';
export { FRUITS, MODES, createDemoSensors, extraSensorName } from './demo/demo-sensors.js';
export type { DemoSensors, Fruit } from './demo/demo-sensors.js';
export { FRUIT_STEPS, demoRequests } from './demo/demo-requests.js';
export type { DemoRequestDeps } from './demo/demo-requests.js';

// The low-level client and sensor watcher.
export { Client } from './client/client.js';
export type { CallbackRequestHandlers, ClientEvents, ClientOptions, ConnectOptions, RequestOptions } from './client/client.js';
export { ClientState, canTransition, clientTransitions } from './client/state.js';
export { defaultReconnectPolicy, exponentialBackoff } from './client/backoff.js';
export type { ExponentialBackoffOptions, ReconnectPolicy } from './client/backoff.js';
export { defaultLogger, silentLogger } from './client/logger.js';
export type { ClientLogger } from './client/logger.js';
export { InformStream } from './client/inform-stream.js';
export type { InformStreamOptions, OverflowPolicy } from './client/inform-stream.js';
export { interpretReply } from './client/reply.js';
export type { RawRequestResult, RequestResult } from './client/reply.js';
export { MAX_MID } from './client/requests.js';
export { SUPPORTED_MAJORS, V4_FLAGS } from './client/negotiation.js';
export { parseSensorInform, parseSensorListInform } from './client/sensor-informs.js';
export type { RawSensorReading, RemoteSensorInfo, SensorInformBody } from './client/sensor-informs.js';
export type { SensorReadingOptions } from './client/sensor-reading.js';
export { SensorWatcher } from './client/sensor-watcher.js';
export type { SensorWatcherEvents, SensorWatcherOptions } from './client/sensor-watcher.js';
export { SyncState } from './client/sync-state.js';
export { BULK_CHUNK_BYTES, BULK_CHUNK_NAMES, MAX_IN_FLIGHT } from './client/sampling.js';

// The inspecting client (katcp-python state machine and device model).
export { InspectingClient } from './inspecting/inspecting-client.js';
export type { InspectingClientEvents, InspectingClientOptions, LookupOptions, SensorTarget, StateCallback } from './inspecting/inspecting-client.js';
export { ExponentialRandomBackoff } from './inspecting/backoff.js';
export type { ExponentialRandomBackoffOptions } from './inspecting/backoff.js';
export { InspectingState, formatState, isAllowedTransition, stateFromFlags } from './inspecting/state.js';
export type { InspectingStateName, InspectingStateValue } from './inspecting/state.js';
export type { ItemChanges, ModelChanges, RequestInfo, SensorInfo } from './inspecting/model.js';
export { defaultRequestFactory, defaultSensorFactory } from './inspecting/sensor-values.js';

// Resource clients and containers.
export { KATCPClientResource, ResourceState } from './resource/resource.js';
export type { ResourceEvents, ResourceOptions } from './resource/resource.js';
export { KATCPClientResourceContainer, prefixedKey } from './resource/container.js';
export type { ContainerEvents, ContainerSpec } from './resource/container.js';
export { ClientGroup, GroupResults, GroupWaitResult, resolveQuorum } from './resource/group.js';
export type { GroupRequest, GroupWaitOptions } from './resource/group.js';
export { ResourceSensor } from './resource/resource-sensor.js';
export type { ResourceReading, SensorListener } from './resource/resource-sensor.js';
export { KatcpReply } from './resource/reply.js';
export type { RequestProxy } from './resource/request-proxy.js';
export { Namespace, escapeName } from './resource/namespace.js';
export type { NamespaceObject } from './resource/namespace.js';
export { normalizeStrategy, strategyWireArgs, formatStrategyText } from './resource/strategy.js';
export type { StrategyInput } from './resource/strategy.js';
export { compileCondition, valueEquals } from './resource/condition.js';
export type { WaitCondition } from './resource/condition.js';
export type { ListSensorsOptions, SensorFilter } from './resource/select.js';
export { parseResourceAddress } from './resource/spec.js';
export type { ChildResourceSpec, ResourceSpec } from './resource/spec.js';
export type { ReadingStreamOptions } from './resource/reading-stream.js';
