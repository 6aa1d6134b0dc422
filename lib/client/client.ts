/**
 * The low-level KATCP {@link Client}: one TCP connection with automatic reconnection, protocol
 * negotiation (v5 and v4), request/reply correlation and inform dispatch. The Client composes
 * its parts: the connection life (client-core.ts), the request tracker (requests.ts, which writes
 * to the connection) and the inform handlers (inform-router.ts); this file is the public API.
 * @module
 */
import { EventEmitter } from 'eventemitter3';
import { Message } from '../codec/message.js';
import { checkName } from '../codec/message-checks.js';
import { encodeArgument } from '../codec/types.js';
import type { ProtocolFlags } from '../codec/protocol-flags.js';
import type { CodecContext } from '../codec/types.js';
import { ConnectionClosedError, NotConnectedError } from '../errors.js';
import type { Reading } from '../sensor/index.js';
import { isCallOptions } from '../util/abort.js';
import type { CallOptions } from '../util/abort.js';
import type { Clock } from '../util/clock.js';
import { CALL_OPTION_KEYS, checkOptions } from '../util/options.js';
import { TrafficStats } from '../util/traffic-stats.js';
import { ClientCore } from './client-core.js';
import type { ClientStats } from './client-core.js';
import { InformRouter } from './inform-router.js';
import type { InformStream, InformStreamOptions } from './inform-stream.js';
import type { ClientLogger } from './logger.js';
import type { Negotiator } from './negotiator.js';
import { CLIENT_DURATION_KEYS, CONNECT_OPTION_KEYS, resolveClientOptions } from './options.js';
import type { CallbackRequestHandlers, ClientEvents, ClientOptions, ClientSettings, ConnectOptions, RequestOptions } from './options.js';
import { OrderedEvents } from './ordered-emitter.js';
import { rethrowWithCallerStack } from './reply.js';
import type { RawRequestResult, RequestResult } from './reply.js';
import { RequestTracker } from './requests.js';
import type { Settlement } from './pending-request.js';
import { readSensor, readSensorValue } from './sensor-reading.js';
import { SensorModel } from './sensor-model.js';
import type { SensorReadingOptions } from './sensor-reading.js';
import { ClientState } from './state.js';

export type { CallbackRequestHandlers, ClientEvents, ClientOptions, ConnectOptions, HeartbeatOptions, RequestOptions } from './options.js';
export type { ClientStats } from './client-core.js';

const REQUEST_OPTION_KEYS: readonly string[] = [...CALL_OPTION_KEYS, 'onInform'];
const CALLBACK_OPTION_KEYS: readonly string[] = [...CALL_OPTION_KEYS, 'onInform', 'onReply'];
const SENSOR_READING_KEYS: readonly string[] = [...CALL_OPTION_KEYS, 'type'];
const INFORM_STREAM_KEYS: readonly string[] = ['signal', 'highWaterMark', 'overflow'];
const NO_OPTIONS: RequestOptions = Object.freeze({});

/**
 * A KATCP client: connects in the background (and reconnects with a randomised backoff),
 * negotiates the protocol version (v5 banner, v4 banner, no banner, or preset flags),
 * correlates requests with replies, and dispatches asynchronous informs. Events (typed,
 * eventemitter3): `stateChange`, `connected`, `disconnected`, `connectFailed`, `inform`,
 * `unhandledInform`, `log`, `interfaceChanged`, `deviceChanged`, `disconnect`, `syntaxError`.
 *
 * ```ts
 * const client = await Client.connect('127.0.0.1', 7147, { timeout: 5000 });
 * const { reply, informs } = await client.request('help');
 * await client.request('log-level', 'info', { timeout: 1000 });
 * client.on('interfaceChanged', (msg) => console.log(msg.toString()));
 * for await (const msg of client.informs('log', { signal })) console.log(msg.arg(4));
 * await client.close();
 * ```
 *
 * Requests use message ids when the server offers `I`; otherwise requests with the same name
 * are serialised (requests with different names still overlap; see requests.ts). Errors: a
 * request made while not connected fails with `NotConnectedError`; a request pending when the
 * connection ends fails with `ConnectionClosedError` (its `cause` says why the connection
 * ended); after `close()` both requests and `waitConnected()` fail with
 * `ConnectionClosedError`. An unsupported protocol version closes the client for good
 * (retrying would not change the server) and `waitConnected()` rejects with
 * `ProtocolVersionError`. With `heartbeat`, a peer that stops answering is declared dead
 * (`PeerTimeoutError`, a `ConnectionClosedError`) and the client reconnects. Every option object
 * is checked: an unknown key, a negative or NaN time is a `KatcpTypeError`/`KatcpRangeError`.
 *
 * `connected` and `disconnected` report changes only: they alternate, starting with
 * `connected`, never two of a kind in a row (the guarantee of m2com's connect callback).
 */
export class Client extends EventEmitter<ClientEvents> {
  readonly #settings: ClientSettings;
  readonly #requests: RequestTracker;
  readonly #informs = new InformRouter();
  readonly #core: ClientCore;
  readonly #negotiator: Negotiator;
  #sensorModel: SensorModel | undefined;

  /**
   * Create a client and start connecting in the background.
   * @throws RangeError for a port outside 0..65535 or invalid preset flags; KatcpTypeError for
   *   an unknown option key or a mistyped value; KatcpRangeError for a negative or NaN time or a
   *   message id outside 1..2^31-1
   */
  constructor(host: string, port: number, opts: ClientOptions = {}) {
    super();
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`invalid port ${String(port)}`);
    const settings = resolveClientOptions(host, port, opts);
    this.#settings = settings;
    const events = new OrderedEvents<ClientEvents>(this, (event, err) => settings.logger.error(`a '${event}' listener threw`, err));
    const stats = new TrafficStats(settings.clock);
    this.#requests = new RequestTracker(settings, stats);
    this.#core = new ClientCore(host, port, settings, { events, stats, requests: this.#requests, informs: this.#informs });
    this.#negotiator = this.#core.negotiator;
  }

  /**
   * Create a client and wait until it is connected (through failed attempts, when reconnecting).
   * The client is closed if that fails, times out or is aborted; a timeout's `cause` is the
   * error of the last failed attempt (e.g. `ECONNREFUSED`, `ENOTFOUND`).
   */
  static async connect(host: string, port: number, opts: ConnectOptions = {}): Promise<Client> {
    checkOptions(opts, CONNECT_OPTION_KEYS, 'Client.connect', { durations: ['timeout', ...CLIENT_DURATION_KEYS] });
    const { timeout, signal, ...clientOpts } = opts;
    const client = new Client(host, port, clientOpts);
    try {
      await client.waitConnected({ timeout, signal });
    } catch (err) {
      await client.close();
      throw err;
    }
    return client;
  }

  /**
   * @internal the one sensor model of this client (descriptions, strategies, latest readings,
   * views), created on first use: SensorWatcher, InspectingClient and KATCPClientResource are its views
   */
  get sensorModel(): SensorModel {
    return (this.#sensorModel ??= new SensorModel(this));
  }

  /** Server host name or address. */
  get host(): string {
    return this.#core.host;
  }

  /** Server port. */
  get port(): number {
    return this.#core.port;
  }

  /** The client's time source (shared with helpers such as the sensor watcher). */
  get clock(): Clock {
    return this.#settings.clock;
  }

  /** Where the client (and helpers such as the sensor watcher) write diagnostics. */
  get logger(): ClientLogger {
    return this.#settings.logger;
  }

  /** The current state. */
  get state(): ClientState {
    return this.#core.state;
  }

  /** True in state `connected`. */
  get isConnected(): boolean {
    return this.#core.state === ClientState.Connected;
  }

  /** The negotiated (or preset, or assumed) protocol of the latest connection; preset flags from construction on. */
  get protocolFlags(): ProtocolFlags | undefined {
    return this.#negotiator.session.flags;
  }

  /** Codec context of the latest connection (`protocolMajor` 4 converts timestamps). */
  get codecContext(): CodecContext {
    return this.#negotiator.codecContext;
  }

  /** `#version-connect` entries of the latest connection: name -> remaining arguments. */
  get versions(): ReadonlyMap<string, readonly string[]> {
    return this.#negotiator.session.versions;
  }

  /** `?request-timeout-hint` values of the latest connection, in seconds (hints of 0 omitted). */
  get timeoutHints(): ReadonlyMap<string, number> {
    return this.#negotiator.session.hints;
  }

  /** Why the client last left (or failed to reach) `connected`; undefined while connected. */
  get lastError(): Error | undefined {
    return this.#core.lastError;
  }

  /** Requests awaiting replies (or their turn). */
  get pendingRequests(): number {
    return this.#requests.size;
  }

  /** The message id of the latest request sent with one (m2com's `last_sequence_id`); undefined before the first. */
  get lastMid(): number | undefined {
    return this.#requests.lastMid;
  }

  /**
   * Traffic statistics since construction: messages and bytes received and sent, connections
   * made, reconnects, requests in flight, request latency (median, p99 and max over the last
   * 1 000 replies) and the receive rate in messages/s over the last 10 s. A fresh snapshot on
   * every read; counting allocates nothing per message.
   */
  get stats(): ClientStats {
    return this.#core.stats;
  }

  /**
   * Resolves once connected (at once if connected now). Rejects after `close()` (or when the
   * client closes itself) with `ConnectionClosedError`, with `ProtocolVersionError` for an
   * unsupported server, and with `KatcpTimeoutError` (its `cause`: the last attempt's error) or
   * `KatcpAbortError` per the options.
   */
  waitConnected(opts: CallOptions = {}): Promise<void> {
    try {
      checkOptions(opts, CALL_OPTION_KEYS, 'waitConnected');
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return this.#core.waitConnected(opts);
  }

  /** Resolves once the client is closed. */
  waitClosed(): Promise<void> {
    return this.#core.waitClosed();
  }

  /**
   * Stop reconnecting, close the connection (flushing what was written), fail every pending
   * request with `ConnectionClosedError`, end inform streams, and clear every timer. Resolves
   * once closed. Calling it again is harmless.
   */
  close(): Promise<void> {
    return this.#core.close();
  }

  /**
   * Send `?name args...` and resolve with the arguments after `ok` and the request's informs.
   * A trailing plain object is taken as {@link RequestOptions} `{timeout, signal, onInform}`; the
   * default timeout is the `requestTimeout` option, or the server's timeout hint for `name` plus
   * `timeoutHintMargin`. With `onInform` the informs go to it as they arrive instead.
   * @throws FailReply / InvalidReply (with `requestName` and `reply`), NotConnectedError,
   *   ConnectionClosedError, KatcpTimeoutError, KatcpAbortError, KatcpTypeError (bad argument)
   */
  request(name: string, ...args: unknown[]): Promise<RequestResult> {
    return this.#issue(name, args, undefined, 'interpreted') as Promise<RequestResult>;
  }

  /** Like {@link request} but resolves with the reply message untouched, whatever its code. */
  requestRaw(name: string, ...args: unknown[]): Promise<RawRequestResult> {
    return this.#issue(name, args, undefined, 'raw') as Promise<RawRequestResult>;
  }

  /**
   * Like {@link requestRaw}, with the KATCP arguments as an array and the options apart, taken
   * as they are: for layers that split and check the options themselves, under their own name
   * (a resource's `req.<name>`), so they are not parsed twice.
   */
  requestRawWith(name: string, args: readonly unknown[], opts: RequestOptions): Promise<RawRequestResult> {
    // Not changed: with `opts` given, #issue does not look for options in `args`.
    return this.#issue(name, args as unknown[], opts, 'raw') as Promise<RawRequestResult>;
  }

  /**
   * One promise per request besides the tracker's: a rejection handler that adds the caller's
   * stack (V8 follows the promise it settles to the awaiting callers), not an async function,
   * whose frame, promise and await closures were a third of a request's allocations. What
   * throws here (not connected, bad options or arguments) rejects instead, as it did in the async form.
   */
  #issue(name: string, args: unknown[], opts: RequestOptions | undefined, settlement: Settlement): Promise<RawRequestResult | RequestResult> {
    let pending: Promise<RawRequestResult | RequestResult>;
    try {
      // Without `opts`, `args` is the caller's own rest array: the options are taken off it.
      pending = this.#send(name, args, opts ?? this.#splitOptions(name, args), settlement);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return pending.then(undefined, rethrowWithCallerStack);
  }

  /** Take the trailing options off `args` (the caller's own rest array), checked. */
  #splitOptions(name: string, args: unknown[]): RequestOptions {
    const n = args.length;
    // args[-1] of an empty array is a property lookup along the prototype chain: V8's slow path.
    if (n === 0) return NO_OPTIONS;
    const last: unknown = args[n - 1];
    if (!isCallOptions(last)) return NO_OPTIONS;
    checkOptions(last, REQUEST_OPTION_KEYS, `?${name}`);
    args.length = n - 1;
    return last;
  }

  /** After close() every request fails with ConnectionClosedError; before, NotConnectedError. */
  #notConnected(name: string): NotConnectedError | ConnectionClosedError {
    if (this.state === ClientState.Closed) {
      return new ConnectionClosedError(`cannot send ?${name}: not connected, the client for ${this.host}:${this.port} is closed`, { cause: this.lastError });
    }
    return new NotConnectedError(`cannot send ?${name}: not connected to ${this.host}:${this.port} (state ${this.state})`, { cause: this.lastError });
  }

  /** Encode and send `?name args...`. @throws as {@link request}, synchronously */
  #send(name: string, args: readonly unknown[], opts: RequestOptions, settlement: Settlement = 'raw'): Promise<RawRequestResult | RequestResult> {
    const requests = this.#requests;
    if (!requests.isOpen) throw this.#notConnected(name);
    // What Message.request checks and encodes; the tracker builds the message once the id is known.
    checkName(name);
    return requests.request(name, args.map(encodeArgument), opts, settlement)!;
  }

  /**
   * katcp-python's callback form: send `request` (its message id, if any, is replaced) and call
   * `onInform` for each inform and `onReply` once with the reply. Failures (not connected,
   * timeout, abort, disconnection) arrive as a synthesised `!name fail <reason>` reply, never
   * as an exception. Exceptions thrown by the callbacks are logged.
   */
  callbackRequest(request: Message, handlers: CallbackRequestHandlers = {}): void {
    checkOptions(handlers, CALLBACK_OPTION_KEYS, 'callbackRequest');
    const name = request.name;
    const logger = this.logger;
    const safe = <A extends unknown[]>(what: string, fn: ((...a: A) => void) | undefined, ...a: A): void => {
      try {
        fn?.(...a);
      } catch (err) {
        logger.error(`the ${what} callback of ?${name} threw`, err);
      }
    };
    const failReply = (err: Error): Message => Message.reply(name, 'fail', err.message);
    if (request.mtype !== '?' || !this.#requests.isOpen) {
      const err = request.mtype !== '?' ? new NotConnectedError(`not a request: ${request.toString()}`) : this.#notConnected(name);
      queueMicrotask(() => safe('reply', handlers.onReply, failReply(err), []));
      return;
    }
    const onInform = handlers.onInform;
    this.#requests.start(
      request,
      {
        onInform: onInform === undefined ? undefined : (msg) => safe('inform', onInform, msg),
        onDone: (err, reply, informs) => safe('reply', handlers.onReply, err === undefined ? (reply as Message) : failReply(err), informs),
      },
      handlers,
    );
  }

  /**
   * Call `handler` for every asynchronous `#name` inform (in registration order, after the
   * client's own handling of built-in informs). Returns a function that unsubscribes. Adding the
   * same function twice for a name registers it once (katcp-python's `hook_inform`).
   */
  addInformHandler(name: string, handler: (msg: Message) => void): () => void {
    return this.#informs.add(name, handler);
  }

  /**
   * Asynchronous `#name` informs as an async iterator. The stream survives reconnections and ends
   * when the client closes or the loop breaks. A consumer more than `highWaterMark` (default
   * 10 000) informs behind gets a `KATCP_ERR_QUEUE_OVERFLOW` error after the queued informs
   * (or, with `overflow: 'drop-oldest'`, loses the oldest ones).
   */
  informs(name: string, opts: InformStreamOptions = {}): InformStream<Message> {
    checkOptions(opts, INFORM_STREAM_KEYS, 'informs', { durations: [] });
    return this.#informs.stream(name, opts, this.state === ClientState.Closed);
  }

  /**
   * Read one sensor: `?sensor-list name` (once per connection, cached until the interface
   * changes) for its type, then `?sensor-value name`, decoded with the type's codec. Timestamps
   * are in seconds, also from v4 servers. Pass `{type}` to skip the list request.
   */
  sensorReading<T = unknown>(name: string, opts: SensorReadingOptions<T> = {}): Promise<Reading<T>> {
    try {
      checkOptions(opts, SENSOR_READING_KEYS, 'sensorReading');
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return readSensor<T>(this, this.#core.sensorTypeCache, name, opts);
  }

  /** Like {@link sensorReading} but returns the value; fails if the status is not nominal/warn/error. */
  sensorValue<T = unknown>(name: string, opts: SensorReadingOptions<T> = {}): Promise<T> {
    try {
      checkOptions(opts, SENSOR_READING_KEYS, 'sensorValue');
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return readSensorValue<T>(this, this.#core.sensorTypeCache, name, opts);
  }
}
