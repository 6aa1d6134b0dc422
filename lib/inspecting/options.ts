/**
 * Options, events and callback types of the inspecting client.
 * @module
 */
import type { ClientOptions } from '../client/client.js';
import type { ClientLogger } from '../client/logger.js';
import type { ProtocolFlags } from '../codec/protocol-flags.js';
import type { Sensor } from '../sensor/sensor.js';
import type { Reading } from '../sensor/status.js';
import type { CallOptions } from '../util/abort.js';
import type { Clock } from '../util/clock.js';
import type { ExponentialRandomBackoffOptions } from './backoff.js';
import type { ModelChanges, RequestInfo, SensorInfo } from './model.js';
import type { InspectingStateValue } from './state.js';

/** What a sensor object must accept: the decoded readings of its sensor. */
export interface SensorTarget {
  setReading(reading: Reading<unknown>): void;
}

/**
 * Called on every state change, strictly in order; the client waits for the returned promise
 * before doing anything else (so the model is updated before `synced`). `changes` is set only
 * for `dataSyncedChanged`. A callback that throws makes the client re-inspect after a backoff.
 */
export type StateCallback = (state: InspectingStateValue, changes: ModelChanges | undefined) => void | Promise<void>;

/** Events of an {@link InspectingClient}. */
export interface InspectingClientEvents {
  /** A new state (emitted before the state callback runs). */
  stateChange: [state: InspectingStateValue, changes: ModelChanges | undefined];
  /** A decoded `#sensor-status` (or `?sensor-value` reply) reading. */
  sensorUpdate: [name: string, reading: Reading<unknown>];
  /** An inspection failed; the next attempt follows after `retryDelay` ms. */
  syncError: [error: Error, retryDelay: number];
  /** Something was dropped or ignored: a malformed inform, an undecodable value, a listener that threw. */
  warning: [error: Error];
  /** The client stopped for good: after `close()`, or when the connection was lost without auto-reconnect. */
  closed: [];
}

/** Options of {@link InspectingClient}; times in milliseconds. */
export interface InspectingClientOptions<S extends SensorTarget = Sensor, R = RequestInfo> {
  /** Inspect on the first connection (default true). When false, the first sync only connects. */
  initialInspection?: boolean;
  /** Reconnect after the connection drops (default true). */
  autoReconnect?: boolean;
  /** Time budget of one inspection pass (default 20 000 ms). */
  syncTimeout?: number;
  /** Backoff between failed inspections (default 5 000 ms growing to 90 000 ms). */
  resyncBackoff?: ExponentialRandomBackoffOptions;
  /** Assume these protocol flags instead of waiting for `#version-connect`. */
  presetProtocolFlags?: ProtocolFlags | string;
  /** Look unknown names up on the device in `getSensor` / `getRequest` and on updates (default true). */
  updateOnLookup?: boolean;
  /** Time source (default the system clock). */
  clock?: Clock;
  /** Builds the object for a sensor (default: a {@link Sensor}). */
  sensorFactory?: (info: SensorInfo) => S;
  /** Builds the object for a request (default: its {@link RequestInfo}). */
  requestFactory?: (info: RequestInfo) => R;
  /** See {@link StateCallback}. */
  stateCallback?: StateCallback;
  /** Further options of the underlying {@link Client} (request timeout, reconnect policy, ...). */
  client?: Omit<ClientOptions, 'autoReconnect' | 'presetFlags' | 'clock'>;
  /**
   * Where warnings (dropped readings, malformed informs, listeners that threw) and sync errors go,
   * besides the `warning` / `syncError` events; also the client's logger unless `client.logger`
   * is set. Default: the client's logger, else warnings to the console. Pass `silentLogger` to
   * silence.
   */
  logger?: ClientLogger;
}

/** Options of the lookups: `update` asks the device about a name the index does not know. */
export interface LookupOptions extends CallOptions {
  /** Look an unknown name up on the device (default: the client's `updateOnLookup`). */
  update?: boolean;
}
