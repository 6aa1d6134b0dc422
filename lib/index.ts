/**
 * katcp: a KATCP toolkit for Node.js. This root entry point is a facade of what most programs
 * call: the errors, messages, sensors, the device server, the clients and the resource client.
 * Each layer has its own entry point with everything an advanced user needs: `katcp/codec`,
 * `katcp/connection`, `katcp/sensor`, `katcp/server`, `katcp/client`, `katcp/inspecting`,
 * `katcp/resource`, the telescope-state store `katcp/telstate`, its sensor recorder
 * `katcp/recorder` and the demo device `katcp/demo`.
 *
 * Every name here is re-exported from its layer's entry point, which holds the one export list.
 * @module
 */

// Errors: every class, and the one union of their codes.
export {
  KatcpError,
  KatcpErrorCode,
  KatcpTypeError,
  KatcpSyntaxError,
  KatcpRangeError,
  FailReply,
  InvalidReply,
  ProtocolVersionError,
  ConnectionClosedError,
  NotConnectedError,
  KatcpTimeoutError,
  KatcpAbortError,
  SyncError,
  MalformedInformError,
  UnknownItemError,
  KatcpUsageError,
  PeerTimeoutError,
} from './errors.js';
export type { KatcpErrorOptions, SyntaxErrorKind, ReplyLike } from './errors.js';

// Time is injected: implement Clock to drive timers from a test or a simulation.
export { systemClock, sleep } from './util/clock.js';
export type { Clock, TimerHandle } from './util/clock.js';
export type { CallOptions } from './util/abort.js';

// Messages and values on the wire.
export { Message, MessageType, LineParser, formatMessage, encodeValue, decodeValue, Address, LogLevel } from './codec/index.js';
export type { CodecContext, DeviceStatus, IntegerValue, LineParserOptions, MessageLike, ProtocolFlags, TypeCodec } from './codec/index.js';

// Sensors and sampling strategies.
export { Sensor, SensorSet, SensorStatus, StrategyName, AggregateSensor, deviceStatusSensor } from './sensor/index.js';
export type {
  DeviceStatusSensorOptions,
  Reading,
  SamplingStrategy,
  SensorFactoryOptions,
  SensorObserver,
  SensorOptions,
  SensorRange,
  SensorSetCallback,
  SensorTypeName,
  SetValueOptions,
} from './sensor/index.js';

// The device server.
export { DeviceServer, defineRequest } from './server/index.js';
export type {
  ConsoleLike,
  DeviceServerOptions,
  HandlerArgs,
  HandlerResult,
  KatcpLogger,
  ParamSpec,
  ParamValue,
  RequestContext,
  RequestDefinition,
  ServerState,
  ServerTrafficSnapshot,
  ClientTrafficSnapshot,
  ServiceTask,
} from './server/index.js';

// The low-level client and its sensor watcher.
export { Client, ClientState, SensorWatcher, SyncState, silentLogger } from './client/index.js';
export type {
  CallbackRequestHandlers,
  ClientEvents,
  ClientLogger,
  ClientOptions,
  ClientStats,
  HeartbeatOptions,
  RetryPolicy,
  ConnectOptions,
  InformStream,
  InformStreamOptions,
  RawRequestResult,
  ReconnectPolicy,
  RemoteSensorInfo,
  RequestOptions,
  RequestResult,
  SensorReadingOptions,
  SensorWatcherEvents,
  SensorWatcherOptions,
} from './client/index.js';

// The inspecting client and the resource clients (katcp-python's high-level API).
export { InspectingClient } from './inspecting/index.js';
export type {
  ExponentialRandomBackoffOptions,
  InspectingClientEvents,
  InspectingClientOptions,
  InspectingStateName,
  InspectingStateValue,
  LookupOptions,
  ModelChanges,
  RequestInfo,
  SensorInfo,
  SensorTarget,
  StateCallback,
} from './inspecting/index.js';
export { KATCPClientResource, KATCPClientResourceContainer, ResourceState } from './resource/index.js';
export type {
  ChildResourceSpec,
  ClientGroup,
  ContainerEvents,
  ContainerSpec,
  KatcpReply,
  ListSensorsOptions,
  NamespaceObject,
  ReadingStreamOptions,
  ResourceEvents,
  ResourceOptions,
  ResourceReading,
  ResourceSensor,
  ResourceSpec,
  RequestProxy,
  SensorFilter,
  SensorListener,
  StrategyInput,
  WaitCondition,
  WaitValue,
} from './resource/index.js';
