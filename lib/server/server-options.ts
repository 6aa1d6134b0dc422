/**
 * The options of a `DeviceServer` ({@link DeviceServerOptions}) and their validation.
 * @module
 */
import { LogLevel, isLogLevel } from '../codec/log-level.js';
import type { ProtocolFlags } from '../codec/protocol-flags.js';
import { isWellFormedString } from '../codec/text-types.js';
import { KatcpError } from '../errors.js';
import { systemClock } from '../util/clock.js';
import type { Clock } from '../util/clock.js';
import type { DeviceServer } from './device-server.js';
import { ServerDialect } from './dialect.js';
import type { ConsoleLike } from './logging.js';
import { PROTOCOL_INFO } from './version.js';

/** Options of {@link DeviceServer}. */
export interface DeviceServerOptions {
  /** Address to listen on (default `127.0.0.1`). */
  host?: string;
  /** Port (default 0: an ephemeral port, see `address`). */
  port?: number;
  /**
   * The KATCP version and flags spoken (default `'5.1-MIBT'`). `'4.0-M'` (or any 4.x-M) makes a
   * KATCP v4 device: `#version` / `#build-state` on connect, no message ids, timestamps and
   * `period` in milliseconds, v4's requests, statuses and strategies only. Handlers are the same
   * for both: typed timestamp parameters and return values are converted by the server.
   * Flags: M (without it the device is single-client: a new connection replaces the old one,
   * which gets `#disconnect New client connected from ADDR`; no `?client-list` or
   * `#client-connected`), I (v5), and from 5.1 B and T.
   */
  protocol?: string | ProtocolFlags;
  /** Device version for `#version-connect katcp-device`, or v4's `#version` (default `katcp-device-0.0`). */
  version?: string;
  /**
   * Device build state for `#version-connect katcp-device` (default: none), or v4's `#build-state`
   * (default there: this library's name and version, since v4 always sends one).
   */
  buildState?: string;
  /** Time source for timestamps, samplers and service tasks (default the system clock). */
  clock?: Clock;
  /** Requests one client may have in flight; reading from that client pauses beyond it (default 100). */
  maxPending?: number;
  /**
   * Bytes a client may leave unread before an asynchronous message (`#sensor-status`, `#log`,
   * `#interface-changed`...) disconnects it as too slow (default 32 MiB).
   */
  maxBacklog?: number;
  /** Longest request line accepted, in bytes including the line end (default 16 MiB). */
  maxLineLength?: number;
  /** Initial device log level for `#log` (default `warn`). */
  logLevel?: LogLevel;
  /** Runs after `!restart ok` is sent; without it `?restart` fails. */
  onRestart?: (server: DeviceServer) => void | Promise<void>;
  /** Where the server's own diagnostics go (default the global console). */
  console?: ConsoleLike;
}

const DEFAULT_MAX_LINE = 16 * 1024 * 1024;

/** {@link DeviceServerOptions} checked, with their defaults filled in. */
export interface ResolvedServerOptions {
  readonly dialect: ServerDialect;
  readonly host: string;
  readonly port: number;
  readonly version: string;
  readonly buildState: string;
  readonly clock: Clock;
  readonly maxPending: number;
  readonly maxLineLength: number;
  readonly maxBacklog: number;
  readonly logLevel: LogLevel;
  readonly console: ConsoleLike;
}

/**
 * Checks `opts` and fills in the defaults.
 * @throws KatcpError for an invalid option
 */
export function resolveOptions(opts: DeviceServerOptions): ResolvedServerOptions {
  const dialect = new ServerDialect(opts.protocol ?? PROTOCOL_INFO);
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new KatcpError(`invalid port ${String(opts.port)}`);
  const version = opts.version ?? 'katcp-device-0.0';
  const buildState = opts.buildState ?? '';
  if (typeof version !== 'string' || version === '') throw new KatcpError('version must be a non-empty string');
  if (typeof buildState !== 'string') throw new KatcpError('buildState must be a string');
  // Both go out in #version-connect on every connection, so they must encode as UTF-8.
  for (const [what, text] of [['version', version], ['buildState', buildState]] as const) {
    if (!isWellFormedString(text)) throw new KatcpError(`${what} ${JSON.stringify(text)} contains a lone UTF-16 surrogate`);
  }
  const maxPending = opts.maxPending ?? 100;
  if (!Number.isInteger(maxPending) || maxPending < 1) throw new KatcpError(`maxPending must be a positive integer, not ${String(opts.maxPending)}`);
  const maxLineLength = opts.maxLineLength ?? DEFAULT_MAX_LINE;
  if (!(maxLineLength >= 2)) {
    throw new KatcpError(`maxLineLength must be at least 2 bytes (a name and a line end), not ${String(opts.maxLineLength)}`);
  }
  const maxBacklog = opts.maxBacklog ?? 2 * DEFAULT_MAX_LINE;
  if (!(maxBacklog > 0)) throw new KatcpError(`maxBacklog must be positive, not ${String(opts.maxBacklog)}`);
  const logLevel = opts.logLevel ?? LogLevel.Warn;
  if (!isLogLevel(logLevel)) throw new KatcpError(`invalid log level ${JSON.stringify(opts.logLevel)}`);
  return {
    dialect,
    host: opts.host ?? '127.0.0.1',
    port,
    version,
    buildState,
    clock: opts.clock ?? systemClock,
    maxPending,
    maxLineLength,
    maxBacklog,
    logLevel,
    console: opts.console ?? console,
  };
}
