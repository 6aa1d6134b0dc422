/**
 * Making clients for the command line: quiet loggers (diagnostics only under `--debug`) and the
 * reconnect behaviours the commands need.
 * @module
 */
import { Client } from '../client/client.js';
import { KatcpAbortError, NotConnectedError } from '../errors.js';
import type { ClientOptions } from '../client/client.js';
import { defaultReconnectPolicy, exponentialBackoff } from '../client/backoff.js';
import type { ClientLogger } from '../client/logger.js';
import { silentLogger } from '../client/logger.js';
import type { CliAddress } from './common.js';

/** When the client reconnects: never, only after a first success, or always (also at start-up). */
export type ReconnectMode = 'never' | 'after-first' | 'always';

/** Options of {@link makeClient}. */
export interface CliClientOptions {
  reconnect: ReconnectMode;
  debug?: boolean | undefined;
  lenient?: boolean | undefined;
  /** Limit of one TCP connection attempt, ms. */
  connectTimeout?: number | undefined;
  requestTimeout?: number | undefined;
  /** With `reconnect: 'always'`: give up after this many consecutive failed attempts (default never). */
  attempts?: number | undefined;
}

/** Client diagnostics on stderr (everything, prefixed) under `--debug`; nothing otherwise. */
export function cliLogger(addr: CliAddress, debug: boolean | undefined): ClientLogger {
  if (debug !== true) return silentLogger;
  const write = (level: string) => (message: string, ...details: unknown[]): void => {
    const extra = details.map((d) => (d instanceof Error ? (d.stack ?? d.message) : String(d))).join(' ');
    process.stderr.write(`[${level}] ${addr.label}: ${message}${extra === '' ? '' : ` ${extra}`}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/** A client for `addr` that starts connecting at once. */
export function makeClient(addr: CliAddress, opts: CliClientOptions): Client {
  let connectedOnce = false;
  const clientOpts: ClientOptions = {
    logger: cliLogger(addr, opts.debug),
    lenient: opts.lenient,
    connectTimeout: opts.connectTimeout,
    requestTimeout: opts.requestTimeout,
    // kcplog's -k: the OS probes an idle link. Long-running followers also send a heartbeat, so a
    // device that lost power is noticed in seconds (and reconnected to) instead of minutes.
    keepAlive: true,
    heartbeat: opts.reconnect === 'always',
  };
  if (opts.reconnect === 'never') clientOpts.autoReconnect = false;
  else if (opts.reconnect === 'always' && opts.attempts !== undefined) clientOpts.reconnect = exponentialBackoff({ maxAttempts: opts.attempts });
  else if (opts.reconnect === 'after-first') clientOpts.reconnect = (attempt, cause) => (connectedOnce ? defaultReconnectPolicy(attempt, cause) : false);
  const client = new Client(addr.host, addr.port, clientOpts);
  client.once('connected', () => {
    connectedOnce = true;
  });
  return client;
}

/**
 * Wait for the first connection of `client`; on failure the client is closed and the error
 * names the address and the reason.
 * @throws NotConnectedError (exit code 1)
 */
export async function firstConnection(client: Client, addr: CliAddress, timeout: number | undefined, signal?: AbortSignal): Promise<void> {
  try {
    await client.waitConnected({ timeout, signal });
  } catch (err) {
    // Read the reason before closing: close() records its own.
    const reason = client.lastError ?? (err as Error);
    await client.close();
    if (err instanceof KatcpAbortError) throw err;
    throw new NotConnectedError(`cannot connect to ${addr.label}: ${reason.message}`, { cause: reason });
  }
}

