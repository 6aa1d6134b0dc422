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
import { CALL_OPTION_KEYS, checkDuration, checkOptions } from '../util/options.js';
import { policyOf } from '../util/retry.js';
import type { RetryPolicy } from '../util/retry.js';
import { MAX_MID } from '../codec/scan.js';
import { KatcpRangeError, KatcpTypeError } from '../errors.js';
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
   * `(attempt, cause) => ms | false` or a {@link RetryPolicy} object `{nextDelay, reset}` chooses
   * each wait (`false`: give up and close). Default: aiokatcp's randomised backoff, 0.5 s
   * doubling to 60 s, uniform in [b/2, b], reset after every successful connection.
   */
  reconnect?: false | ReconnectPolicy | RetryPolicy | undefined;
  /**
   * Dead-peer detection (default off; `true` means `{ interval: 10_000, timeout: 5_000 }`).
   * While connected, when nothing has been received for `interval` ms the client sends
   * `?watchdog`; no reply within `timeout` ms means the peer is dead: the connection is aborted
   * with a `PeerTimeoutError` (the `disconnected` cause; pending requests fail with one) and
   * reconnection follows the policy. A silent dead peer is then detected `interval + timeout` ms
   * (15 s with `true`) after the last line it sent. Off by default because every `?watchdog` is
   * traffic the device sees; without it only TCP keep-alive notices, after minutes.
   */
  heartbeat?: boolean | HeartbeatOptions | undefined;
  /**
   * TCP keep-alive on the socket (default `true`: on, first probe after 10 s idle; a number sets
   * that delay in ms; `false` turns it off). The OS then also notices a dead peer, but only after
   * its probe count and interval (minutes on Linux), so the heartbeat is the faster detector.
   */
  keepAlive?: boolean | number | undefined;
  /** Log the receive rate (messages/s) at debug level every `rateLogInterval` ms (m2com's `check_message_rate`). */
  checkMessageRate?: boolean | undefined;
  /** How often `checkMessageRate` logs, in ms (default 1 000). */
  rateLogInterval?: number | undefined;
  /**
   * Message ids: the first id to use (default 1), or a function that returns the next id given
   * the previous one (undefined at first). Ids must be integers in 1..2^31-1; an id still in use
   * by a pending request is never reused (the generator is asked again).
   */
  mids?: number | ((previous: number | undefined) => number) | undefined;
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

/** Dead-peer detection settings (ms); see {@link ClientOptions.heartbeat}. */
export interface HeartbeatOptions {
  /** Idle time after which `?watchdog` is sent (> 0). */
  interval: number;
  /** How long the `?watchdog` reply may take before the peer is declared dead. */
  timeout: number;
}

/** Options of {@link Client.connect}: client options plus a timeout/signal for the first connection. */
export type ConnectOptions = ClientOptions & CallOptions;

/** Events of a {@link Client} (eventemitter3, typed). */
export interface ClientEvents {
  /** Every state transition, after the state changed. */
  stateChange: [state: ClientState, previous: ClientState];
  /**
   * The client reached `connected`. Like m2com's connect callback, `connected` and
   * `disconnected` only report changes: they alternate, starting with `connected`, so there are
   * never two `connected` (or two `disconnected`) in a row.
   */
  connected: [];
  /** The client left `connected` (always after a `connected`); `cause` says why. */
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
  readonly policy: RetryPolicy | undefined;
  /** Undefined when dead-peer detection is off. */
  readonly heartbeat: Readonly<HeartbeatOptions> | undefined;
  /** TCP keep-alive initial delay in ms, or undefined when off. */
  readonly keepAlive: number | undefined;
  /** Interval of the receive-rate debug log, or undefined when off. */
  readonly rateLogInterval: number | undefined;
  readonly mids: number | ((previous: number | undefined) => number);
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

/** The keys of {@link ClientOptions}. */
export const CLIENT_OPTION_KEYS: readonly string[] = [
  'autoReconnect',
  'reconnect',
  'heartbeat',
  'keepAlive',
  'checkMessageRate',
  'rateLogInterval',
  'mids',
  'connectTimeout',
  'bannerTimeout',
  'requestTimeout',
  'timeoutHintMargin',
  'fetchTimeoutHints',
  'presetFlags',
  'closeTimeout',
  'clock',
  'lenient',
  'maxLineLength',
  'logger',
];

/** The keys of {@link ConnectOptions}. */
export const CONNECT_OPTION_KEYS: readonly string[] = [...CLIENT_OPTION_KEYS, ...CALL_OPTION_KEYS];

/** The keys of {@link ClientOptions} that are durations in ms. */
export const CLIENT_DURATION_KEYS: readonly string[] = ['connectTimeout', 'bannerTimeout', 'requestTimeout', 'timeoutHintMargin', 'closeTimeout', 'rateLogInterval'];

/**
 * Check the options and apply the defaults.
 * @throws KatcpTypeError for an unknown key or a mistyped value, KatcpRangeError for a negative
 *   or NaN time or a bad message id, RangeError for invalid preset flags
 */
export function resolveClientOptions(host: string, port: number, opts: ClientOptions): ClientSettings {
  checkOptions(opts, CLIENT_OPTION_KEYS, 'Client', { durations: CLIENT_DURATION_KEYS });
  let preset: ProtocolFlags | undefined;
  if (opts.presetFlags !== undefined) {
    const outcome = checkVersion(String(opts.presetFlags));
    if (outcome.kind === 'error') throw new RangeError(`invalid presetFlags: ${outcome.error.message}`);
    preset = outcome.flags;
  }
  const mids = opts.mids ?? 1;
  if (typeof mids !== 'function') checkMid(mids, 'Client option mids');
  return Object.freeze({
    clock: opts.clock ?? systemClock,
    logger: opts.logger ?? defaultLogger(`katcp client ${host}:${port}`),
    policy: opts.autoReconnect === false || opts.reconnect === false ? undefined : toPolicy(opts.reconnect ?? defaultReconnectPolicy),
    heartbeat: resolveHeartbeat(opts.heartbeat),
    keepAlive: resolveKeepAlive(opts.keepAlive),
    rateLogInterval: opts.checkMessageRate === true ? positive('rateLogInterval', opts.rateLogInterval ?? 1000) : undefined,
    mids,
    connectTimeout: opts.connectTimeout ?? 10_000,
    bannerTimeout: opts.bannerTimeout ?? 5_000,
    requestTimeout: opts.requestTimeout ?? 10_000,
    hintMargin: opts.timeoutHintMargin ?? 1_000,
    fetchHints: opts.fetchTimeoutHints ?? true,
    closeTimeout: opts.closeTimeout ?? 5_000,
    preset,
    lenient: opts.lenient,
    maxLineLength: opts.maxLineLength,
  });
}

function toPolicy(policy: ReconnectPolicy | RetryPolicy): RetryPolicy {
  if (typeof policy === 'function') return policyOf(policy);
  if (typeof policy === 'object' && policy !== null && typeof policy.nextDelay === 'function' && typeof policy.reset === 'function') return policy;
  throw new KatcpTypeError('options', "Client: option 'reconnect' must be false, a function (attempt, cause) => ms | false, or an object {nextDelay, reset}");
}

function positive(key: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new KatcpRangeError(key, `Client: option '${key}' must be a finite number of ms > 0, got ${value}`);
  return value;
}

/** The heartbeat of `heartbeat: true`. */
export const DEFAULT_HEARTBEAT: Readonly<HeartbeatOptions> = Object.freeze({ interval: 10_000, timeout: 5_000 });

function resolveHeartbeat(hb: ClientOptions['heartbeat']): Readonly<HeartbeatOptions> | undefined {
  if (hb === false || hb === undefined) return undefined;
  if (hb === true) return DEFAULT_HEARTBEAT;
  if (typeof hb !== 'object' || hb === null) throw new KatcpTypeError('options', "Client: option 'heartbeat' must be a boolean or {interval, timeout}");
  checkOptions(hb, ['interval', 'timeout'], 'Client heartbeat', { durations: ['interval', 'timeout'] });
  const { interval, timeout } = hb;
  checkDuration(interval, 'interval', 'Client heartbeat');
  checkDuration(timeout, 'timeout', 'Client heartbeat');
  return Object.freeze({ interval: positive('interval', interval), timeout: positive('timeout', timeout) });
}

function resolveKeepAlive(keepAlive: ClientOptions['keepAlive']): number | undefined {
  if (keepAlive === false) return undefined;
  if (keepAlive === undefined || keepAlive === true) return 10_000;
  checkDuration(keepAlive, 'keepAlive', 'Client');
  return keepAlive;
}

/** Throw `KatcpRangeError` unless `mid` is an integer in 1..2^31-1. */
export function checkMid(mid: unknown, where: string): asserts mid is number {
  if (typeof mid !== 'number' || !Number.isInteger(mid) || mid < 1 || mid > MAX_MID) {
    throw new KatcpRangeError('mids', `${where}: message id ${String(mid)} is outside 1..${MAX_MID}`);
  }
}

/** Where message ids come from: the first id (then counting up, wrapping), or a generator of the next one. */
export type MidSource = number | ((previous: number | undefined) => number);
