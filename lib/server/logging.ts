/**
 * Logging: the device's `#log` bridge (a small logger object that sends `#log` informs to every
 * client) and the console-like sink for the server's own diagnostics.
 * @module
 */
import type { LogLevel } from '../codec/log-level.js';
import { Message } from '../codec/message.js';
import { ServerDialect } from './dialect.js';

const V5 = new ServerDialect();

/** Where the server writes its own diagnostics (slow clients, handler crashes, bad sensors). */
export interface ConsoleLike {
  error(...args: unknown[]): void;
  warn(...args: unknown[]): void;
}

/**
 * `#log <level> <timestamp> <logger> <text>`; `timestamp` is in seconds, written as `dialect`
 * writes timestamps (a float in v5, integer milliseconds in v4).
 */
export function logInform(
  level: Exclude<LogLevel, 'all' | 'off'>,
  timestamp: number,
  logger: string,
  text: string,
  dialect: ServerDialect = V5,
): Message {
  return Message.inform('log', level, Buffer.from(dialect.timestamp(timestamp), 'latin1'), logger, text);
}

/** Sends `#log` informs under one logger name; messages below the device log level are dropped. */
export interface KatcpLogger {
  /** The dotted logger name in each `#log` inform. */
  readonly name: string;
  log(level: Exclude<LogLevel, 'all' | 'off'>, message: string): void;
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  fatal(message: string): void;
}

/** Builds a {@link KatcpLogger} on top of a `log(level, message, name)` function. */
export function createKatcpLogger(
  log: (level: Exclude<LogLevel, 'all' | 'off'>, message: string, name: string) => void,
  name: string,
): KatcpLogger {
  return Object.freeze({
    name,
    log: (level: Exclude<LogLevel, 'all' | 'off'>, message: string) => log(level, message, name),
    trace: (message: string) => log('trace', message, name),
    debug: (message: string) => log('debug', message, name),
    info: (message: string) => log('info', message, name),
    warn: (message: string) => log('warn', message, name),
    error: (message: string) => log('error', message, name),
    fatal: (message: string) => log('fatal', message, name),
  });
}

/**
 * The message of an error, or the thrown value as text, always encodable as UTF-8 (a lone
 * surrogate becomes U+FFFD) and never throwing itself (a value without `toString` is described).
 */
export function errorText(err: unknown): string {
  let text: string;
  try {
    text = err instanceof Error ? String(err.message) : String(err);
  } catch {
    text = 'an error that cannot be shown as text';
  }
  return text.replace(/\p{Cs}/gu, '\ufffd');
}
