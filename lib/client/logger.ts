/**
 * The small logging interface the client layer writes to. Any `console`-like object fits.
 * @module
 */

/** A sink for client diagnostics (console-compatible). */
export interface ClientLogger {
  debug(message: string, ...details: unknown[]): void;
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

const ignore = (): void => undefined;

/** Discards everything. */
export const silentLogger: ClientLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/**
 * The default: debug and info are dropped, warnings and errors go to the console (as Python's
 * logging does with no handler configured), prefixed with `prefix`.
 */
export function defaultLogger(prefix: string): ClientLogger {
  return {
    debug: ignore,
    info: ignore,
    warn: (message, ...details) => console.warn(`${prefix}: ${message}`, ...details),
    error: (message, ...details) => console.error(`${prefix}: ${message}`, ...details),
  };
}
