/**
 * Options and events of the {@link Client}, and the resolved settings it runs with.
 * @module
 */
import type { Message } from '../codec/message.js';
import type { ProtocolFlags } from '../codec/protocol-flags.js';
import type { KatcpSyntaxError } from '../errors.js';
import type { CallOptions } from '../util/abort.js';
import { systemClock } from '../util/clock.js';
import type { Clock } from '../util/clock.js';
import { defaultReconnectPolicy } from './backoff.js';
import type { ReconnectPolicy } from './backoff.js';
import { defaultLogger } from './logger.js';
import type { ClientLogger } from './logger.js';
import { checkVersion } from './negotiation.js';
import type { ClientState } from './state.js';

/** Options of {@link Client}; every time is in milliseconds. */
export interface ClientOptions {
  /** Reconnect after a failed attempt or a lost connection (default true). */
  autoReconnect?: boolean | undefined;
  /**
   * Reconnect policy: `false` disables reconnection (like `autoReconnect: false`); a function
   * `(attempt, cause) => ms | false` chooses each wait. Default: aiokatcp's randomised backoff,
   * 0.5 s doubling to 60 s, uniform in [b/2, b], reset after every successful connection.
   */
  reconnect?: false | ReconnectPolicy | undefined;
  /** Limit for one TCP connection attempt (default 10 000). */
  connectTimeout?: number | undefined;
  /**
   * How long to wait for a protocol banner after connecting (default 5 000). A server that sends
   * none by then is taken to speak KATCP v4 without flags (CASPER-style devices).
   */
  bannerTimeout?: number | undefined;
  /** Default timeout of each request (default 10 000; `Infinity` waits forever). */
  requestTimeout?: number | undefined;
  /**
   * With server flag `T`, `?request-timeout-hint` is fetched on every connection (before the
   * client reports `connected`) and a request with a hint of `h` seconds defaults to a timeout
   * of `h * 1000 + timeoutHintMargin` (default 1 000). Set `fetchTimeoutHints: false` to skip.
   */
  timeoutHintMargin?: number | undefined;
  /** Fetch `?request-timeout-hint` when the server offers `T` (default true). */
  fetchTimeoutHints?: boolean | undefined;
  /**
   * Protocol version and flags to use instead of negotiating (e.g. `'4.0'` or `'5.0-MI'`): the
   * client is connected as soon as the TCP connection is made. A later banner that disagrees is
   * logged and ignored.
   */
  presetFlags?: ProtocolFlags | string | undefined;
  /** How long to wait for the server to close after we close our side (default 5 000). */
  closeTimeout?: number | undefined;
  /** Time source for every timer (tests pass a virtual clock). */
  clock?: Clock | undefined;
  /** Parse incoming lines leniently (C-library compatible). */
  lenient?: boolean | undefined;
  /** Longest accepted incoming line in bytes (default 16 MiB). */
  maxLineLength?: number | undefined;
  /** Where diagnostics go (default: warnings and errors to the console). */
  logger?: ClientLogger | undefined;
}

/** Options of {@link Client.connect}: client options plus a timeout/signal for the first connection. */
export type ConnectOptions = ClientOptions & CallOptions;

/** Events of a {@link Client} (eventemitter3, typed). */
export interface ClientEvents {
  /** Every state transition, after the state changed. */
  stateChange: [state: ClientState, previous: ClientState];
  /** The client reached `connected`. */
  connected: [];
  /** The client left `connected`; `cause` says why. */
  disconnected: [cause?: Error];
  /** A connection attempt (TCP or negotiation) failed. */
  connectFailed: [error: Error];
  /** Every asynchronous inform (informs of requests are not included). */
  inform: [msg: Message];
  /** An asynchronous inform nothing handled (no handler, stream or built-in meaning). */
  unhandledInform: [msg: Message];
  /** `#log` from the server. */
  log: [msg: Message];
  /** `#interface-changed` from the server. */
  interfaceChanged: [msg: Message];
  /** `#device-changed` from the server (C library). */
  deviceChanged: [msg: Message];
  /** `#disconnect` from the server (it is about to close the connection). */
  disconnect: [msg: Message];
  /** A line from the server could not be parsed; it was dropped (nothing is sent back). */
  syntaxError: [error: KatcpSyntaxError];
}

/**
 * Per-call options of `Client.request()` / `requestRaw()` (a trailing plain object): a timeout,
 * an abort signal, and optionally a callback that takes the request's informs as they arrive.
 */
export interface RequestOptions extends CallOptions {
  /**
   * Called with each inform of the request as it arrives (in order, before the reply); the
   * informs are then not kept, so the result's `informs` is empty. Suits long listings that can
   * be handled piece by piece. An exception thrown here is logged; the request carries on.
   */
  onInform?: ((inform: Message) => void) | undefined;
}

/** Handlers of {@link Client.callbackRequest} (katcp-python's callback client). */
export interface CallbackRequestHandlers extends CallOptions {
  /**
   * Called once with the reply. On timeout, abort, disconnection or when not connected it gets a
   * synthesised `!name fail <reason>` reply instead (as katcp-python does). `informs` holds the
   * request's informs when no `onInform` was given.
   */
  onReply?: ((reply: Message, informs: Message[]) => void) | undefined;
  /** Called with each inform of the request as it arrives. */
  onInform?: ((inform: Message) => void) | undefined;
}

/** {@link ClientOptions} with every default applied. */
export interface ClientSettings {
  readonly clock: Clock;
  readonly logger: ClientLogger;
  /** Undefined when reconnection is off. */
  readonly policy: ReconnectPolicy | undefined;
  readonly connectTimeout: number;
  readonly bannerTimeout: number;
  readonly requestTimeout: number;
  readonly hintMargin: number;
  readonly fetchHints: boolean;
  readonly closeTimeout: number;
  readonly preset: ProtocolFlags | undefined;
  readonly lenient: boolean | undefined;
  readonly maxLineLength: number | undefined;
}

/**
 * Apply the defaults.
 * @throws RangeError for invalid preset flags or negative times
 */
export function resolveClientOptions(host: string, port: number, opts: ClientOptions): ClientSettings {
  let preset: ProtocolFlags | undefined;
  if (opts.presetFlags !== undefined) {
    const outcome = checkVersion(String(opts.presetFlags));
    if (outcome.kind === 'error') throw new RangeError(`invalid presetFlags: ${outcome.error.message}`);
    preset = outcome.flags;
  }
  const time = (name: string, value: number | undefined, fallback: number): number => {
    const v = value ?? fallback;
    if (typeof v !== 'number' || Number.isNaN(v) || v < 0) throw new RangeError(`${name} must be a number of milliseconds >= 0, not ${String(v)}`);
    return v;
  };
  return Object.freeze({
    clock: opts.clock ?? systemClock,
    logger: opts.logger ?? defaultLogger(`katcp client ${host}:${port}`),
    policy: opts.autoReconnect === false || opts.reconnect === false ? undefined : (opts.reconnect ?? defaultReconnectPolicy),
    connectTimeout: time('connectTimeout', opts.connectTimeout, 10_000),
    bannerTimeout: time('bannerTimeout', opts.bannerTimeout, 5_000),
    requestTimeout: time('requestTimeout', opts.requestTimeout, 10_000),
    hintMargin: time('timeoutHintMargin', opts.timeoutHintMargin, 1_000),
    fetchHints: opts.fetchTimeoutHints ?? true,
    closeTimeout: time('closeTimeout', opts.closeTimeout, 5_000),
    preset,
    lenient: opts.lenient,
    maxLineLength: opts.maxLineLength,
  });
}
