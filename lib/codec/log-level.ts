/**
 * KATCP log levels (`?log-level`, `#log`). From lowest to highest: `all`, `trace`, `debug`,
 * `info`, `warn`, `error`, `fatal`, `off`; setting a threshold reports that level and every level
 * above it. Input is case-insensitive (`#log WARN ...` from old devices parses as `warn`); output
 * is always lower case.
 *
 * Decision (differs from aiokatcp): `trace` is its own level between `debug` and `all`, as in the
 * KATCP specification. aiokatcp makes it an alias of `all` and so refuses `?log-level trace`.
 * @module
 */
import { KatcpTypeError } from '../errors.js';
import { bytesRepr } from './repr.js';

/** The KATCP log levels. */
export const LogLevel = {
  All: 'all',
  Trace: 'trace',
  Debug: 'debug',
  Info: 'info',
  Warn: 'warn',
  Error: 'error',
  Fatal: 'fatal',
  Off: 'off',
} as const;
/** One of the KATCP log level names. */
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** Every level from lowest (`all`) to highest (`off`). */
export const LOG_LEVELS: readonly LogLevel[] = Object.freeze(['all', 'trace', 'debug', 'info', 'warn', 'error', 'fatal', 'off']);

// Numeric severities aligned with Python's logging module (trace sits between NOTSET and DEBUG).
const SEVERITY: Readonly<Record<LogLevel, number>> = Object.freeze({
  all: 0, trace: 5, debug: 10, info: 20, warn: 30, error: 40, fatal: 50, off: 60,
});

/** True when `value` is one of the lower-case level names. */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && Object.hasOwn(SEVERITY, value);
}

/**
 * Parses a level name, ignoring case (`WARN`, `Info`). Also accepts `warning` and `critical`,
 * Python's spellings, as `warn` and `fatal`.
 * @throws KatcpTypeError for anything else, naming the bytes
 */
export function parseLogLevel(text: string | Uint8Array): LogLevel {
  const str = typeof text === 'string' ? text : Buffer.from(text).toString('latin1');
  const lower = str.toLowerCase();
  if (isLogLevel(lower)) return lower;
  if (lower === 'warning') return 'warn';
  if (lower === 'critical') return 'fatal';
  const raw = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  throw new KatcpTypeError('log-level', `${bytesRepr(raw)} is not a valid log level (${LOG_LEVELS.join(', ')})`, raw);
}

/** The numeric severity, aligned with Python's logging (`debug` 10 ... `fatal` 50, `off` 60; `trace` 5). */
export function logLevelSeverity(level: LogLevel): number {
  return SEVERITY[level];
}

/** Negative when `a` is lower than `b`, 0 when equal, positive when higher (usable with `sort`). */
export function compareLogLevels(a: LogLevel, b: LogLevel): number {
  return SEVERITY[a] - SEVERITY[b];
}

/**
 * True when a message at `level` is reported under the threshold `threshold`. Nothing is reported
 * under `off`; a message is never itself at `off` or `all`.
 */
export function logLevelEnabled(level: LogLevel, threshold: LogLevel): boolean {
  if (level === 'off' || level === 'all' || threshold === 'off') return false;
  return SEVERITY[level] >= SEVERITY[threshold];
}

/**
 * Maps a numeric (Python logging) severity to the highest level at or below it: 25 -> `info`,
 * 35 -> `warn`, anything below 5 -> `all`. (aiokatcp maps non-exact values to `off`, a bug.)
 */
export function logLevelFromSeverity(severity: number): LogLevel {
  let result: LogLevel = 'all';
  for (const level of LOG_LEVELS) {
    if (SEVERITY[level] <= severity) result = level;
  }
  return result;
}
