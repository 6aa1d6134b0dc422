/**
 * The resource specification (katcp-python's `resource_spec`) and its validation.
 * @module
 */
import type { ProtocolFlags } from '../codec/protocol-flags.js';
import { KatcpError } from '../errors.js';
import type { ExponentialRandomBackoffOptions } from '../inspecting/backoff.js';
import type { InspectingClientOptions } from '../inspecting/inspecting-client.js';
import type { Clock } from '../util/clock.js';
import type { ClientLogger } from '../client/logger.js';

/** How to reach and expose one device; times in milliseconds. */
export interface ResourceSpec {
  /** Resource name (also the prefix of its items in a container). */
  name: string;
  /** `[host, port]` or `'host:port'` (`'[::1]:7147'` for IPv6). */
  address: readonly [string, number] | string;
  /** Free text. */
  description?: string;
  /**
   * Expose every request of the device in `req` (default false, as in katcp-python: only
   * `alwaysAllowedRequests` are exposed).
   */
  controlled?: boolean;
  /** Requests exposed even when not controlled (compared after escaping: `-`, `_`, `.` are equal). */
  alwaysAllowedRequests?: readonly string[];
  /** Requests never exposed (wins over `alwaysAllowedRequests`). */
  alwaysExcludedRequests?: readonly string[];
  /**
   * katcp-python's `dummy_unknown_requests`: `req.<any name>` the device does not offer is a
   * request proxy that resolves at once with a succeeded `!fake ok` reply, sending nothing
   * (default false: such names are `undefined`). Meant for scripts run against simulators.
   */
  dummyUnknownRequests?: boolean;
  /** Reconnect when the connection drops (default true). */
  autoReconnect?: boolean;
  /** Protocol flags to assume instead of waiting for `#version-connect` (e.g. `'5.0-IM'`). */
  presetProtocolFlags?: ProtocolFlags | string;
  /** Time budget of one inspection (default 20 000 ms). */
  syncTimeout?: number;
  /** Backoff between failed inspections (default 5 000 ms growing to 90 000 ms). */
  resyncBackoff?: ExponentialRandomBackoffOptions;
  /** Time source (default the system clock). */
  clock?: Clock;
  /** Further options of the underlying client (request timeout, reconnect policy, ...). */
  client?: InspectingClientOptions['client'];
  /**
   * Where warnings go (a sensor listener that threw, a strategy that could not be re-applied, a
   * dropped reading, a failed sync), besides the `warning`, `strategyError` and `syncError`
   * events; also the client's logger unless `client.logger` is set. Default: `client.logger`,
   * else warnings to the console. Pass `silentLogger` to silence.
   */
  logger?: ClientLogger;
}

/** The part of a {@link ResourceSpec} a container takes per child (the name is the key). */
export type ChildResourceSpec = Omit<ResourceSpec, 'name'>;

function bad(message: string): KatcpError {
  return new KatcpError(message, 'KATCP_ERR_ARGUMENT');
}

/**
 * `[host, port]`, `'host:port'` or `'[v6]:port'` -> host and port.
 * @throws KatcpError for anything else or a port outside 1..65535
 */
export function parseResourceAddress(address: unknown): [string, number] {
  let host: unknown;
  let port: unknown;
  if (Array.isArray(address) && address.length === 2) {
    [host, port] = address as unknown[];
  } else if (typeof address === 'string') {
    const m = /^\[([^\]]+)\]:(\d+)$/.exec(address) ?? /^([^:[\]\s]+):(\d+)$/.exec(address);
    if (m === null) throw bad(`address ${JSON.stringify(address)} is not 'host:port'`);
    host = m[1];
    port = Number(m[2]);
  } else {
    throw bad(`address must be [host, port] or 'host:port', not ${JSON.stringify(address)}`);
  }
  if (typeof host !== 'string' || host === '') throw bad(`address host must be a non-empty string, not ${JSON.stringify(host)}`);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw bad(`address port must be an integer from 1 to 65535, not ${JSON.stringify(port)}`);
  }
  return [host, port];
}

/** Check a spec's required fields. @throws KatcpError naming the problem */
export function checkSpec(spec: ResourceSpec): [string, number] {
  if (typeof spec !== 'object' || spec === null) throw bad('resource spec must be an object');
  if (typeof spec.name !== 'string' || spec.name === '') throw bad('resource spec needs a non-empty name');
  return parseResourceAddress(spec.address);
}
