/**
 * The low-level KATCP {@link Client}: one TCP connection with automatic reconnection, protocol
 * negotiation (v5 and v4), request/reply correlation and inform dispatch.
 * @module
 */
import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { EventEmitter } from 'eventemitter3';
import { Message } from '../codec/message.js';
import type { ProtocolFlags } from '../codec/protocol-flags.js';
import type { CodecContext } from '../codec/types.js';
import { Connection } from '../connection.js';
import type { ConnectionOwner } from '../connection.js';
import { ConnectionClosedError, KatcpTimeoutError, NotConnectedError, ProtocolVersionError } from '../errors.js';
import type { KatcpSyntaxError } from '../errors.js';
import type { Reading } from '../sensor/index.js';
import { withCancel } from '../util/abort.js';
import type { CallOptions } from '../util/abort.js';
import { systemClock } from '../util/clock.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { deferred } from '../util/deferred.js';
import type { Deferred } from '../util/deferred.js';
import { defaultReconnectPolicy } from './backoff.js';
import type { ReconnectPolicy } from './backoff.js';
import { InformStream } from './inform-stream.js';
import type { InformStreamOptions } from './inform-stream.js';
import { defaultLogger } from './logger.js';
import type { ClientLogger } from './logger.js';
import { checkVersion, interpretBanner, V4_FLAGS } from './negotiation.js';
import { appendCallerStack, interpretReply, splitCallOptions } from './reply.js';
import type { RawRequestResult, RequestResult } from './reply.js';
import { RequestTracker } from './requests.js';
import { readSensor, readSensorValue } from './sensor-reading.js';
import type { SensorReadingOptions } from './sensor-reading.js';
import type { RemoteSensorInfo } from './sensor-informs.js';
import { canTransition, ClientState, hasConnection } from './state.js';

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

const BUILTIN_INFORMS: ReadonlySet<string> = new Set([
  'version-connect',
  'version',
  'build-state',
  'disconnect',
  'log',
  'interface-changed',
  'device-changed',
]);

type InformHandler = (msg: Message) => void;
type EventArgs = { [K in keyof ClientEvents]: [K, ...ClientEvents[K]] }[keyof ClientEvents];

/**
 * A KATCP client: connects in the background (and reconnects), negotiates the protocol version,
 * correlates requests with replies, and dispatches asynchronous informs.
 *
 * ```ts
 * const client = await Client.connect('127.0.0.1', 7147, { timeout: 5000 });
 * const { reply, informs } = await client.request('help');
 * const level = await client.request('log-level', 'info', { timeout: 1000 });
 * client.on('interfaceChanged', (msg) => console.log(msg.toString()));
 * await client.close();
 * ```
 *
 * Errors: a request made while not connected fails with `NotConnectedError`; a request pending
 * when the connection ends fails with `ConnectionClosedError` (its `cause` is the reason the
 * connection ended); after `close()` both requests and `waitConnected()` fail with
 * `ConnectionClosedError`. An unsupported protocol version closes the client for good (no
 * reconnection: the server will not change by retrying) and `waitConnected()` rejects with
 * `ProtocolVersionError`.
 */
export class Client extends EventEmitter<ClientEvents> {
  /** Server host name or address. */
  readonly host: string;
  /** Server port. */
  readonly port: number;

  readonly #clock: Clock;
  readonly #logger: ClientLogger;
  readonly #policy: ReconnectPolicy | undefined;
  readonly #connectTimeout: number;
  readonly #bannerTimeout: number;
  readonly #requestTimeout: number;
  readonly #hintMargin: number;
  readonly #fetchHints: boolean;
  readonly #closeTimeout: number;
  readonly #preset: ProtocolFlags | undefined;
  readonly #lenient: boolean | undefined;
  readonly #maxLineLength: number | undefined;
  readonly #requests: RequestTracker;
  readonly #owner: ConnectionOwner;

  #state: ClientState = ClientState.Sleeping;
  #closing = false;
  #lastError: Error | undefined;
  #attempts = 0;
  // Valid in `sleeping` only.
  #sleepTimer: TimerHandle | undefined;
  // Valid in `connecting` only.
  #attempt: { socket: Socket; timer: TimerHandle | undefined } | undefined;
  // Valid in `negotiating`, `connected` and `disconnecting`.
  #conn: Connection | undefined;
  // Valid in `negotiating` only.
  #bannerTimer: TimerHandle | undefined;
  // Per connection: set once the protocol is decided; `#flagsAssumed` when by the banner timeout.
  #bannerDone = false;
  #flagsAssumed = false;
  #flags: ProtocolFlags | undefined;
  #codecContext: CodecContext = {};
  #versions = new Map<string, string[]>();
  #hints = new Map<string, number>();
  // Valid in `disconnecting` only.
  #closeTimer: TimerHandle | undefined;

  #waiters = new Set<Deferred<void>>();
  readonly #closed = deferred<void>();
  #handlers = new Map<string, readonly InformHandler[]>();
  #streams = new Set<InformStream<Message>>();
  #sensorTypes = new Map<string, RemoteSensorInfo>();
  #events: EventArgs[] = [];
  // Requests written in one turn of the event loop go out in one socket write.
  #outbox: Message[] = [];
  #flushing = false;

  /**
   * Create a client and start connecting in the background.
   * @throws RangeError for a port outside 0..65535 or invalid preset flags
   */
  constructor(host: string, port: number, opts: ClientOptions = {}) {
    super();
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`invalid port ${String(port)}`);
    this.host = host;
    this.port = port;
    this.#clock = opts.clock ?? systemClock;
    this.#logger = opts.logger ?? defaultLogger(`katcp client ${host}:${port}`);
    this.#policy = opts.autoReconnect === false || opts.reconnect === false ? undefined : (opts.reconnect ?? defaultReconnectPolicy);
    this.#connectTimeout = opts.connectTimeout ?? 10_000;
    this.#bannerTimeout = opts.bannerTimeout ?? 5_000;
    this.#requestTimeout = opts.requestTimeout ?? 10_000;
    this.#hintMargin = opts.timeoutHintMargin ?? 1_000;
    this.#fetchHints = opts.fetchTimeoutHints ?? true;
    this.#closeTimeout = opts.closeTimeout ?? 5_000;
    this.#lenient = opts.lenient;
    this.#maxLineLength = opts.maxLineLength;
    if (opts.presetFlags !== undefined) {
      const outcome = checkVersion(String(opts.presetFlags));
      if (outcome.kind === 'error') throw new RangeError(`invalid presetFlags: ${outcome.error.message}`);
      this.#preset = outcome.flags;
    }
    this.#requests = new RequestTracker(this.#clock, (msg) => this.#send(msg));
    this.#owner = {
      onMessage: (conn, msg) => {
        if (conn === this.#conn) this.#onMessage(msg);
      },
      onSyntaxError: (conn, err) => {
        if (conn !== this.#conn) return;
        this.#logger.warn(`dropped a malformed line from the server: ${err.message}`);
        this.#emit('syntaxError', err);
      },
      onClose: (conn, err) => {
        if (conn === this.#conn) this.#connectionLost(err);
      },
      onHandlerError: (_conn, err) => {
        this.#logger.error('exception while handling a message', err);
      },
    };
    this.#setState(ClientState.Connecting);
  }

  /**
   * Create a client and wait until it is connected (through failed attempts, when reconnecting).
   * The client is closed if that fails, times out or is aborted.
   */
  static async connect(host: string, port: number, opts: ConnectOptions = {}): Promise<Client> {
    const client = new Client(host, port, opts);
    try {
      await client.waitConnected({ timeout: opts.timeout, signal: opts.signal });
    } catch (err) {
      await client.close();
      throw err;
    }
    return client;
  }

  /** The client's time source (shared with helpers such as the sensor watcher). */
  get clock(): Clock {
    return this.#clock;
  }

  /** Where the client (and helpers such as the sensor watcher) write diagnostics. */
  get logger(): ClientLogger {
    return this.#logger;
  }

  /** The current state. */
  get state(): ClientState {
    return this.#state;
  }

  /** True in state `connected`. */
  get isConnected(): boolean {
    return this.#state === ClientState.Connected;
  }

  /** The negotiated (or preset, or assumed) protocol of the latest connection. */
  get protocolFlags(): ProtocolFlags | undefined {
    return this.#flags;
  }

  /** Codec context of the latest connection (`protocolMajor` 4 converts timestamps). */
  get codecContext(): CodecContext {
    return this.#codecContext;
  }

  /** `#version-connect` entries of the latest connection: name -> remaining arguments. */
  get versions(): ReadonlyMap<string, readonly string[]> {
    return this.#versions;
  }

  /** `?request-timeout-hint` values of the latest connection, in seconds (hints of 0 omitted). */
  get timeoutHints(): ReadonlyMap<string, number> {
    return this.#hints;
  }

  /** Why the client last left (or failed to reach) `connected`; undefined while connected. */
  get lastError(): Error | undefined {
    return this.#lastError;
  }

  /** Requests awaiting replies (or their turn). */
  get pendingRequests(): number {
    return this.#requests.size;
  }

  // ---------------------------------------------------------------- state machine

  /**
   * The single writer of the state. Refuses transitions the table in state.ts does not allow
   * (returns false). Otherwise: leaves the old state (clearing the fields only valid there),
   * records the cause, fails pending requests when a connection ends, runs the new state's entry
   * action, then emits `stateChange` and the specific events, and settles waiters. Events raised
   * while listeners run (a listener calling close(), or an entry action that moves on at once)
   * are queued, so every listener sees the transitions in order.
   */
  #setState(next: ClientState, cause?: Error, delay = 0): boolean {
    const prev = this.#state;
    if (!canTransition(prev, next)) {
      this.#logger.debug(`ignored state change ${prev} -> ${next}`);
      return false;
    }
    this.#state = next;
    this.#logger.debug(`state ${prev} -> ${next}`);

    // Leave the old state.
    switch (prev) {
      case ClientState.Sleeping:
        this.#clock.clearTimer(this.#sleepTimer);
        this.#sleepTimer = undefined;
        break;
      case ClientState.Connecting: {
        const attempt = this.#attempt;
        this.#attempt = undefined;
        if (attempt !== undefined) {
          this.#clock.clearTimer(attempt.timer);
          if (next !== ClientState.Negotiating) attempt.socket.destroy();
        }
        break;
      }
      case ClientState.Negotiating:
        this.#clock.clearTimer(this.#bannerTimer);
        this.#bannerTimer = undefined;
        break;
      case ClientState.Disconnecting:
        this.#clock.clearTimer(this.#closeTimer);
        this.#closeTimer = undefined;
        break;
      case ClientState.Connected:
      case ClientState.Closed:
        break;
    }
    if (next === ClientState.Connected) {
      this.#lastError = undefined;
      this.#attempts = 0;
    } else if (cause !== undefined) {
      this.#lastError = cause;
    }
    if (!hasConnection(next) && this.#conn !== undefined) {
      const conn = this.#conn;
      this.#conn = undefined;
      if (!conn.isClosed) conn.abort(cause);
    }
    if ((prev === ClientState.Negotiating || prev === ClientState.Connected) && next !== ClientState.Connected) {
      const why = this.#lastError;
      const closing = this.#closing;
      this.#outbox = [];
      this.#requests.failAll(
        (req) =>
          new ConnectionClosedError(
            closing ? `client closed before the reply to ?${req.name}` : `connection to ${this.host}:${this.port} lost before the reply to ?${req.name}`,
            { cause: why },
          ),
      );
    }

    // Queue the events before the entry action, which may itself move on.
    this.#events.push(['stateChange', next, prev]);
    if (next === ClientState.Connected) this.#events.push(['connected']);
    if (prev === ClientState.Connected) this.#events.push(['disconnected', this.#lastError]);
    const failedAttempt =
      (prev === ClientState.Connecting || prev === ClientState.Negotiating) &&
      next !== ClientState.Negotiating &&
      next !== ClientState.Connected &&
      cause !== undefined &&
      !(this.#closing && cause instanceof ConnectionClosedError);
    if (failedAttempt) {
      this.#events.push(['connectFailed', cause]);
      this.#logger.warn(`failed to connect to ${this.host}:${this.port}: ${cause.message}`);
    }

    // Enter the new state.
    switch (next) {
      case ClientState.Sleeping:
        this.#sleepTimer = this.#clock.setTimer(() => {
          this.#sleepTimer = undefined;
          this.#setState(ClientState.Connecting);
        }, delay);
        break;
      case ClientState.Connecting:
        this.#startConnecting();
        break;
      case ClientState.Negotiating:
        this.#startNegotiating();
        break;
      case ClientState.Disconnecting:
        this.#startDisconnecting();
        break;
      case ClientState.Connected:
        for (const w of this.#waiters) w.resolve();
        this.#waiters.clear();
        break;
      case ClientState.Closed: {
        const err = this.#closedError();
        for (const w of this.#waiters) w.reject(err);
        this.#waiters.clear();
        for (const s of [...this.#streams]) s.end();
        this.#streams.clear();
        this.#closed.resolve();
        break;
      }
    }
    this.#flushEvents();
    return true;
  }

  #emit<K extends keyof ClientEvents>(event: K, ...args: ClientEvents[K]): void {
    if (this.#flushing || this.#events.length > 0) {
      this.#events.push([event, ...args] as unknown as EventArgs);
      this.#flushEvents();
      return;
    }
    try {
      (this.emit as (e: K, ...a: ClientEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.#logger.error(`a '${event}' listener threw`, err);
    }
  }

  #flushEvents(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      for (let e = this.#events.shift(); e !== undefined; e = this.#events.shift()) {
        const [event, ...args] = e;
        try {
          (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
        } catch (err) {
          this.#logger.error(`a '${event}' listener threw`, err);
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  #closedError(): Error {
    const last = this.#lastError;
    if (last instanceof ProtocolVersionError) return last;
    if (last instanceof ConnectionClosedError && this.#closing) return last;
    return new ConnectionClosedError(`client for ${this.host}:${this.port} is closed${last === undefined ? '' : `: ${last.message}`}`, { cause: last });
  }

  /** Sleep before reconnecting, or close when reconnection is off or the policy gives up. */
  #afterFailure(cause: Error): void {
    if (!this.#closing && this.#policy !== undefined && !(cause instanceof ProtocolVersionError)) {
      let delay: number | false;
      try {
        delay = this.#policy(++this.#attempts, cause);
      } catch (err) {
        this.#logger.error('the reconnect policy threw; closing', err);
        delay = false;
      }
      if (delay !== false && Number.isFinite(delay)) {
        this.#setState(ClientState.Sleeping, cause, Math.max(0, delay));
        return;
      }
    }
    this.#setState(ClientState.Closed, cause);
  }

  #startConnecting(): void {
    let socket: Socket;
    try {
      socket = netConnect({ host: this.host, port: this.port });
    } catch (err) {
      queueMicrotask(() => {
        if (this.#state === ClientState.Connecting && this.#attempt === undefined) this.#afterFailure(err as Error);
      });
      return;
    }
    const attempt: { socket: Socket; timer: TimerHandle | undefined } = { socket, timer: undefined };
    this.#attempt = attempt;
    socket.setNoDelay(true);
    const fail = (err: Error): void => {
      socket.destroy();
      if (this.#attempt !== attempt) return;
      this.#attempt = undefined;
      this.#clock.clearTimer(attempt.timer);
      this.#afterFailure(err);
    };
    socket.on('error', fail);
    socket.once('connect', () => {
      socket.removeListener('error', fail);
      if (this.#attempt !== attempt) {
        socket.destroy();
        return;
      }
      this.#attempt = undefined;
      this.#clock.clearTimer(attempt.timer);
      this.#conn = new Connection(socket, this.#owner, { lenient: this.#lenient, maxLineLength: this.#maxLineLength });
      this.#setState(ClientState.Negotiating);
    });
    if (Number.isFinite(this.#connectTimeout)) {
      attempt.timer = this.#clock.setTimer(
        () => fail(new KatcpTimeoutError(`connecting to ${this.host}:${this.port} timed out after ${this.#connectTimeout} ms`)),
        this.#connectTimeout,
      );
    }
  }

  #startNegotiating(): void {
    this.#bannerDone = false;
    this.#flagsAssumed = false;
    this.#versions = new Map();
    this.#hints = new Map();
    this.#sensorTypes.clear();
    if (this.#preset !== undefined) {
      this.#bannerDone = true;
      this.#negotiated(this.#preset);
      return;
    }
    if (Number.isFinite(this.#bannerTimeout)) {
      this.#bannerTimer = this.#clock.setTimer(() => {
        this.#bannerTimer = undefined;
        if (this.#state !== ClientState.Negotiating || this.#bannerDone) return;
        this.#logger.info(`no protocol banner within ${this.#bannerTimeout} ms; assuming KATCP ${V4_FLAGS.toString()}`);
        this.#bannerDone = true;
        this.#flagsAssumed = true;
        this.#negotiated(V4_FLAGS);
      }, this.#bannerTimeout);
    }
  }

  /** The protocol is decided: fetch timeout hints if offered, then report `connected`. */
  #negotiated(flags: ProtocolFlags): void {
    this.#adoptFlags(flags);
    this.#clock.clearTimer(this.#bannerTimer);
    this.#bannerTimer = undefined;
    if (!flags.requestTimeoutHints || !this.#fetchHints) {
      this.#setState(ClientState.Connected);
      return;
    }
    const conn = this.#conn;
    const stillHere = (): boolean => this.#conn === conn && this.#state === ClientState.Negotiating;
    this.#startRequest(Message.request('request-timeout-hint'), { timeout: this.#requestTimeout }).then(
      ({ reply, informs }) => {
        if (!stillHere()) return;
        if (reply.isReplyOk) this.#storeHints(informs);
        else this.#logger.warn(`?request-timeout-hint failed: ${reply.toString()}`);
        this.#setState(ClientState.Connected);
      },
      (err: Error) => {
        if (!stillHere()) return;
        this.#logger.warn(`?request-timeout-hint failed: ${err.message}`);
        this.#setState(ClientState.Connected);
      },
    );
  }

  #adoptFlags(flags: ProtocolFlags): void {
    this.#flags = flags;
    this.#codecContext = { protocolMajor: flags.major };
  }

  #storeHints(informs: Message[]): void {
    for (const inform of informs) {
      const seconds = Number(inform.arg(1));
      if (inform.arguments.length < 2 || !Number.isFinite(seconds) || seconds < 0) {
        this.#logger.warn(`ignored malformed timeout hint: ${inform.toString()}`);
      } else if (seconds > 0) this.#hints.set(inform.arg(0), seconds);
    }
  }

  #send(msg: Message): void {
    if (this.#outbox.push(msg) === 1) queueMicrotask(this.#flushOutbox);
  }

  readonly #flushOutbox = (): void => {
    const out = this.#outbox;
    if (out.length === 0) return;
    this.#outbox = [];
    const conn = this.#conn;
    if (conn === undefined) return;
    if (out.length === 1) conn.write(out[0] as Message);
    else conn.writeMany(out);
  };

  #startDisconnecting(): void {
    const conn = this.#conn;
    if (conn === undefined) return;
    conn.close().catch(() => undefined);
    if (Number.isFinite(this.#closeTimeout)) {
      this.#closeTimer = this.#clock.setTimer(() => {
        this.#closeTimer = undefined;
        if (this.#conn === conn) conn.abort(new KatcpTimeoutError(`the server did not close within ${this.#closeTimeout} ms`));
      }, this.#closeTimeout);
    }
  }

  #connectionLost(err: Error | undefined): void {
    const cause =
      this.#state === ClientState.Disconnecting && this.#lastError !== undefined
        ? this.#lastError
        : (err ?? new ConnectionClosedError(`connection closed by ${this.host}:${this.port}`));
    this.#afterFailure(cause);
  }

  // ---------------------------------------------------------------- incoming messages

  #onMessage(msg: Message): void {
    const state = this.#state;
    if (state === ClientState.Disconnecting) return;
    if (msg.mtype === '?') {
      this.#logger.info(`ignored a request from the server: ${msg.toString()}`);
      return;
    }
    if (this.#requests.route(msg, this.#onUnknownMid)) return;
    if (msg.mtype === '!') {
      this.#logger.info(`ignored a reply without a matching request: ${msg.toString()}`);
      return;
    }
    this.#onInform(msg);
  }

  readonly #onUnknownMid = (msg: Message): void => {
    this.#logger.debug(`dropped ${msg.toString()}: unknown message id (cancelled or timed-out request)`);
  };

  #onInform(msg: Message): void {
    const name = msg.name;
    if (BUILTIN_INFORMS.has(name)) this.#onBuiltinInform(msg);
    if (this.#state === ClientState.Closed) return;
    this.#emit('inform', msg);
    const handlers = this.#handlers.get(name);
    if (handlers !== undefined) {
      for (let i = 0; i < handlers.length; i++) {
        try {
          handlers[i]!(msg);
        } catch (err) {
          this.#logger.error(`an inform handler for #${name} threw`, err);
        }
      }
    } else if (!BUILTIN_INFORMS.has(name)) {
      this.#emit('unhandledInform', msg);
    }
  }

  #onBuiltinInform(msg: Message): void {
    switch (msg.name) {
      case 'version-connect':
      case 'version':
      case 'build-state':
        if (msg.name === 'version-connect' && msg.arguments.length >= 2) {
          this.#versions.set(msg.arg(0), msg.arguments.slice(1).map((b) => b.toString('utf8')));
        }
        this.#onBanner(msg);
        return;
      case 'disconnect':
        this.#logger.info(`server disconnects: ${msg.arg(0)}`);
        this.#emit('disconnect', msg);
        this.#setState(ClientState.Disconnecting, new ConnectionClosedError(`server disconnected: ${msg.arg(0)}`));
        return;
      case 'log':
        this.#emit('log', msg);
        return;
      case 'interface-changed':
        this.#sensorTypes.clear();
        this.#emit('interfaceChanged', msg);
        return;
      case 'device-changed':
        this.#sensorTypes.clear();
        this.#emit('deviceChanged', msg);
        return;
    }
  }

  #onBanner(msg: Message): void {
    const outcome = interpretBanner(msg);
    if (outcome === undefined) return;
    if (this.#state === ClientState.Negotiating && !this.#bannerDone) {
      if (outcome.kind === 'error') {
        this.#logger.error(outcome.error.message);
        this.#setState(ClientState.Disconnecting, outcome.error);
        return;
      }
      this.#bannerDone = true;
      this.#negotiated(outcome.flags);
      return;
    }
    const current = this.#flags;
    if (this.#flagsAssumed && this.#preset === undefined) {
      // The banner came after the timeout made us assume v4: the real one wins.
      if (outcome.kind === 'error') {
        this.#logger.error(outcome.error.message);
        this.#setState(ClientState.Disconnecting, outcome.error);
        return;
      }
      this.#flagsAssumed = false;
      this.#logger.info(`late protocol banner: now using KATCP ${outcome.flags.toString()}`);
      this.#adoptFlags(outcome.flags);
      return;
    }
    if (outcome.kind === 'error' || current === undefined) {
      this.#logger.warn(`ignored a protocol banner after negotiation: ${msg.toString()}`);
      return;
    }
    const consistent = outcome.flags.equals(current) || (outcome.source === 'v4-banner' && current.major === 4);
    if (!consistent) {
      this.#logger.warn(`ignored protocol banner ${msg.toString()}: the connection already uses KATCP ${current.toString()}`);
    }
  }

  // ---------------------------------------------------------------- public API

  /**
   * Resolves once connected (at once if connected now). Rejects after `close()` (or when the
   * client closes itself) with `ConnectionClosedError`, with `ProtocolVersionError` for an
   * unsupported server, and with `KatcpTimeoutError`/`KatcpAbortError` per the options.
   */
  waitConnected(opts: CallOptions = {}): Promise<void> {
    if (this.#state === ClientState.Connected) return Promise.resolve();
    if (this.#state === ClientState.Closed) return Promise.reject(this.#closedError());
    const d = deferred<void>();
    this.#waiters.add(d);
    return withCancel(d.promise, {
      ...opts,
      what: `connecting to ${this.host}:${this.port}`,
      clock: this.#clock,
      onCancel: () => this.#waiters.delete(d),
    });
  }

  /** Resolves once the client is closed. */
  waitClosed(): Promise<void> {
    return this.#closed.promise;
  }

  /**
   * Send `?name args...` and resolve with the arguments after `ok` and the request's informs.
   * A trailing plain object is taken as `{timeout, signal}`.
   * @throws FailReply / InvalidReply (with `requestName` and `reply`), NotConnectedError,
   *   ConnectionClosedError, KatcpTimeoutError, KatcpAbortError, KatcpTypeError (bad argument)
   */
  async request(name: string, ...args: unknown[]): Promise<RequestResult> {
    const { reply, informs } = await this.requestRaw(name, ...args);
    return interpretReply(name, reply, informs);
  }

  /** Like {@link request} but resolves with the reply message untouched, whatever its code. */
  async requestRaw(name: string, ...args: unknown[]): Promise<RawRequestResult> {
    const [katcpArgs, opts] = splitCallOptions(args);
    if (this.#state !== ClientState.Connected) {
      throw new NotConnectedError(`cannot send ?${name}: not connected to ${this.host}:${this.port} (state ${this.#state})`, { cause: this.#lastError });
    }
    const msg = Message.request(name, ...katcpArgs);
    try {
      return await this.#startRequest(msg, opts);
    } catch (err) {
      appendCallerStack(err);
      throw err;
    }
  }

  #timeoutFor(name: string, opts: CallOptions): number {
    if (opts.timeout !== undefined) return opts.timeout;
    const hint = this.#hints.get(name);
    return hint === undefined ? this.#requestTimeout : hint * 1000 + this.#hintMargin;
  }

  #startRequest(msg: Message, opts: CallOptions): Promise<RawRequestResult> {
    return new Promise<RawRequestResult>((resolve, reject) => {
      this.#requests.start(
        msg,
        {
          onDone: (err, reply, informs) => {
            if (err !== undefined) reject(err);
            else resolve({ reply: reply as Message, informs });
          },
        },
        { useMid: this.#flags?.messageIds === true, timeout: this.#timeoutFor(msg.name, opts), signal: opts.signal },
      );
    });
  }

  /**
   * katcp-python's callback form: send `request` (its message id, if any, is replaced) and call
   * `onInform` for each inform and `onReply` once with the reply. Failures (not connected,
   * timeout, abort, disconnection) arrive as a synthesised `!name fail <reason>` reply, never
   * as an exception. Exceptions thrown by the callbacks are logged.
   */
  callbackRequest(request: Message, handlers: CallbackRequestHandlers = {}): void {
    const name = request.name;
    const safe = <A extends unknown[]>(what: string, fn: ((...a: A) => void) | undefined, ...a: A): void => {
      if (fn === undefined) return;
      try {
        fn(...a);
      } catch (err) {
        this.#logger.error(`the ${what} callback of ?${name} threw`, err);
      }
    };
    const failReply = (err: Error): Message => Message.reply(name, 'fail', err.message);
    if (request.mtype !== '?') {
      queueMicrotask(() => safe('reply', handlers.onReply, failReply(new NotConnectedError(`not a request: ${request.toString()}`)), []));
      return;
    }
    if (this.#state !== ClientState.Connected) {
      const err = new NotConnectedError(`cannot send ?${name}: not connected to ${this.host}:${this.port} (state ${this.#state})`);
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
      { useMid: this.#flags?.messageIds === true, timeout: this.#timeoutFor(name, handlers), signal: handlers.signal },
    );
  }

  /**
   * Call `handler` for every asynchronous `#name` inform (in registration order, after the
   * client's own handling of built-in informs). Returns a function that unsubscribes.
   */
  addInformHandler(name: string, handler: (msg: Message) => void): () => void {
    this.#handlers.set(name, [...(this.#handlers.get(name) ?? []), handler]);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      const list = this.#handlers.get(name);
      if (list === undefined) return;
      const i = list.indexOf(handler);
      if (i < 0) return;
      const next = [...list.slice(0, i), ...list.slice(i + 1)];
      if (next.length === 0) this.#handlers.delete(name);
      else this.#handlers.set(name, next);
    };
  }

  /**
   * Asynchronous `#name` informs as an async iterator. The stream survives reconnections and ends
   * when the client closes or the loop breaks. A consumer more than `highWaterMark` (default
   * 10 000) informs behind gets a `KATCP_ERR_QUEUE_OVERFLOW` error after the queued informs
   * (or, with `overflow: 'drop-oldest'`, loses the oldest ones).
   */
  informs(name: string, opts: InformStreamOptions = {}): InformStream<Message> {
    const subscription: { off?: () => void } = {};
    const stream: InformStream<Message> = new InformStream<Message>(opts, () => {
      subscription.off?.();
      this.#streams.delete(stream);
    });
    if (this.#state === ClientState.Closed) stream.end();
    if (stream.isClosed) return stream;
    subscription.off = this.addInformHandler(name, (msg) => stream.push(msg));
    this.#streams.add(stream);
    return stream;
  }

  /**
   * Read one sensor: `?sensor-list name` (once per connection, cached until the interface
   * changes) for its type, then `?sensor-value name`, decoded with the type's codec. Timestamps
   * are in seconds, also from v4 servers. Pass `{type}` to skip the list request.
   */
  sensorReading<T = unknown>(name: string, opts: SensorReadingOptions<T> = {}): Promise<Reading<T>> {
    return readSensor<T>(this, this.#sensorTypes, name, opts);
  }

  /** Like {@link sensorReading} but returns the value; fails if the status is not nominal/warn/error. */
  sensorValue<T = unknown>(name: string, opts: SensorReadingOptions<T> = {}): Promise<T> {
    return readSensorValue<T>(this, this.#sensorTypes, name, opts);
  }

  /**
   * Stop reconnecting, close the connection (flushing what was written), fail every pending
   * request with `ConnectionClosedError`, end inform streams, and clear every timer. Resolves
   * once closed. Calling it again is harmless.
   */
  close(): Promise<void> {
    this.#closing = true;
    const err = new ConnectionClosedError(`client for ${this.host}:${this.port} closed`);
    switch (this.#state) {
      case ClientState.Sleeping:
      case ClientState.Connecting:
        this.#setState(ClientState.Closed, err);
        break;
      case ClientState.Negotiating:
      case ClientState.Connected:
        this.#setState(ClientState.Disconnecting, err);
        break;
      case ClientState.Disconnecting:
      case ClientState.Closed:
        break;
    }
    return this.#closed.promise;
  }
}
