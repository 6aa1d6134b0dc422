/**
 * The connection half of the {@link Client}: the state machine (the single writer of the state,
 * the per-state timers and resources, reconnection) and the lifecycle API. Protocol negotiation
 * is in negotiator.ts, the handling of incoming messages in inbound.ts, write batching in
 * outbox.ts; `client.ts` adds the request API.
 * @module
 */
import type { Socket } from 'node:net';
import type { Message } from '../codec/message.js';
import type { ProtocolFlags } from '../codec/protocol-flags.js';
import type { CodecContext } from '../codec/types.js';
import { Connection } from '../connection.js';
import { ConnectionClosedError, KatcpTimeoutError, ProtocolVersionError } from '../errors.js';
import { withCancel } from '../util/abort.js';
import type { CallOptions } from '../util/abort.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { deferred } from '../util/deferred.js';
import type { Deferred } from '../util/deferred.js';
import { connectSocket } from './connect-attempt.js';
import type { ConnectAttempt } from './connect-attempt.js';
import { InboundRouter } from './inbound.js';
import { InformRouter } from './inform-router.js';
import type { ClientLogger } from './logger.js';
import { Negotiator } from './negotiator.js';
import { resolveClientOptions } from './options.js';
import type { ClientEvents, ClientOptions, ClientSettings } from './options.js';
import { OrderedEmitter } from './ordered-emitter.js';
import { Outbox } from './outbox.js';
import { RequestTracker } from './requests.js';
import type { RequestListener } from './requests.js';
import type { RemoteSensorInfo } from './sensor-informs.js';
import { canTransition, ClientState, hasConnection } from './state.js';

/**
 * The connection life of a {@link Client} (see there). Not used on its own: it exists so that
 * the state machine and the request API live in files of a readable size.
 */
export class ClientCore extends OrderedEmitter<ClientEvents> {
  /** Server host name or address. */
  readonly host: string;
  /** Server port. */
  readonly port: number;

  readonly #settings: ClientSettings;
  readonly #requests: RequestTracker;
  readonly #informs: InformRouter;
  readonly #negotiator: Negotiator;
  readonly #inbound: InboundRouter;
  // Requests written in one turn of the event loop go out in one socket write.
  readonly #outbox = new Outbox(() => this.#conn);

  #state: ClientState = ClientState.Sleeping;
  #closing = false;
  #lastError: Error | undefined;
  #attempts = 0;
  // Valid in `sleeping` only.
  #sleepTimer: TimerHandle | undefined;
  // Valid in `connecting` only.
  #attempt: ConnectAttempt | undefined;
  // Valid in `negotiating`, `connected` and `disconnecting`.
  #conn: Connection | undefined;
  // Valid in `disconnecting` only.
  #closeTimer: TimerHandle | undefined;

  readonly #waiters = new Set<Deferred<void>>();
  readonly #closed = deferred<void>();
  readonly #sensorTypes = new Map<string, RemoteSensorInfo>();

  /**
   * Create a client and start connecting in the background.
   * @throws RangeError for a port outside 0..65535, invalid preset flags or negative times
   */
  constructor(host: string, port: number, opts: ClientOptions = {}) {
    super();
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`invalid port ${String(port)}`);
    this.host = host;
    this.port = port;
    this.#settings = resolveClientOptions(host, port, opts);
    this.#requests = new RequestTracker(this.#settings.clock, (msg) => this.#outbox.send(msg));
    this.#informs = new InformRouter(this.#settings.logger);
    this.#negotiator = new Negotiator(this.#settings, {
      state: () => this.#state,
      startTracked: (msg, listener, opts) => this.startTracked(msg, listener, opts),
      connected: () => void this.#setState(ClientState.Connected),
      refuse: (err) => void this.#setState(ClientState.Disconnecting, err),
    });
    this.#inbound = new InboundRouter({
      logger: this.#settings.logger,
      requests: this.#requests,
      informs: this.#informs,
      negotiator: this.#negotiator,
      state: () => this.#state,
      connection: () => this.#conn,
      emit: (event, ...args) => this.emitOrdered(event, ...args),
      connectionLost: (err) => this.#connectionLost(err),
      disconnect: (err) => void this.#setState(ClientState.Disconnecting, err),
      interfaceChanged: () => this.#sensorTypes.clear(),
    });
    this.#setState(ClientState.Connecting);
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
    return this.#state;
  }

  /** True in state `connected`. */
  get isConnected(): boolean {
    return this.#state === ClientState.Connected;
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
    return this.#lastError;
  }

  /** Requests awaiting replies (or their turn). */
  get pendingRequests(): number {
    return this.#requests.size;
  }

  protected override reportListenerError(event: string, err: unknown): void {
    this.#settings.logger.error(`a '${event}' listener threw`, err);
  }

  // ---------------------------------------------------------------- state machine

  /**
   * The single writer of the state. Refuses transitions the table in state.ts does not allow
   * (returns false), so late socket callbacks cannot corrupt the state. Otherwise: leaves the
   * old state (clearing the fields only valid there), records the cause, fails pending requests
   * when a connection ends, queues `stateChange` and the specific events, runs the new state's
   * entry action, delivers the events, and settles waiters. Queuing before the entry action
   * keeps events in order when the entry action moves on at once (preset flags) or a listener
   * calls close().
   */
  #setState(next: ClientState, cause?: Error, delay = 0): boolean {
    const prev = this.#state;
    if (!canTransition(prev, next)) {
      this.#settings.logger.debug(`ignored state change ${prev} -> ${next}`);
      return false;
    }
    this.#state = next;
    this.#settings.logger.debug(`state ${prev} -> ${next}`);
    this.#leave(prev, next);
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
    if ((prev === ClientState.Negotiating || prev === ClientState.Connected) && next !== ClientState.Connected) this.#failPending();

    this.queueEvent('stateChange', next, prev);
    if (next === ClientState.Connected) this.queueEvent('connected');
    if (prev === ClientState.Connected) this.queueEvent('disconnected', this.#lastError);
    const attemptFailed = (prev === ClientState.Connecting || prev === ClientState.Negotiating) && !hasConnection(next);
    if ((attemptFailed || (next === ClientState.Disconnecting && prev === ClientState.Negotiating)) && cause !== undefined && !this.#closing) {
      this.queueEvent('connectFailed', cause);
      this.#settings.logger.warn(`failed to connect to ${this.host}:${this.port}: ${cause.message}`);
    }
    this.#enter(next, delay);
    this.flushEvents();
    return true;
  }

  /** Clear what is only valid in the state being left. */
  #leave(prev: ClientState, next: ClientState): void {
    const clock = this.#settings.clock;
    switch (prev) {
      case ClientState.Sleeping:
        clock.clearTimer(this.#sleepTimer);
        this.#sleepTimer = undefined;
        break;
      case ClientState.Connecting:
        if (next !== ClientState.Negotiating) this.#attempt?.cancel();
        this.#attempt = undefined;
        break;
      case ClientState.Negotiating:
        this.#negotiator.stop();
        break;
      case ClientState.Disconnecting:
        clock.clearTimer(this.#closeTimer);
        this.#closeTimer = undefined;
        break;
      case ClientState.Connected:
      case ClientState.Closed:
        break;
    }
  }

  /** The entry action of the new state. */
  #enter(next: ClientState, delay: number): void {
    switch (next) {
      case ClientState.Sleeping:
        this.#sleepTimer = this.#settings.clock.setTimer(() => {
          this.#sleepTimer = undefined;
          this.#setState(ClientState.Connecting);
        }, delay);
        break;
      case ClientState.Connecting:
        this.#attempt = connectSocket(this.host, this.port, this.#settings.connectTimeout, this.#settings.clock, (err, socket) =>
          this.#attemptDone(err, socket),
        );
        break;
      case ClientState.Negotiating:
        this.#sensorTypes.clear();
        this.#negotiator.begin();
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
        this.#informs.endStreams();
        this.#closed.resolve();
        break;
      }
    }
  }

  #failPending(): void {
    const why = this.#lastError;
    const what = this.#closing ? 'client closed' : `connection to ${this.host}:${this.port} lost`;
    this.#outbox.clear();
    this.#requests.failAll((req) => new ConnectionClosedError(`${what} before the reply to ?${req.name}`, { cause: why }));
  }

  #closedError(): Error {
    const last = this.#lastError;
    if (last instanceof ProtocolVersionError) return last;
    if (last instanceof ConnectionClosedError && this.#closing) return last;
    return new ConnectionClosedError(`client for ${this.host}:${this.port} is closed${last === undefined ? '' : `: ${last.message}`}`, { cause: last });
  }

  /** Sleep before reconnecting, or close when reconnection is off or the policy gives up. */
  #afterFailure(cause: Error): void {
    const policy = this.#settings.policy;
    if (!this.#closing && policy !== undefined && !(cause instanceof ProtocolVersionError)) {
      let delay: number | false;
      try {
        delay = policy(++this.#attempts, cause);
      } catch (err) {
        this.#settings.logger.error('the reconnect policy threw; closing', err);
        delay = false;
      }
      if (delay !== false && Number.isFinite(delay)) {
        this.#setState(ClientState.Sleeping, cause, Math.max(0, delay));
        return;
      }
    }
    this.#setState(ClientState.Closed, cause);
  }

  #attemptDone(err: Error | undefined, socket: Socket | undefined): void {
    if (this.#state !== ClientState.Connecting) {
      socket?.destroy();
      return;
    }
    if (err !== undefined || socket === undefined) {
      this.#attempt = undefined;
      this.#afterFailure(err ?? new ConnectionClosedError('no socket'));
      return;
    }
    const { lenient, maxLineLength } = this.#settings;
    this.#conn = new Connection(socket, this.#inbound, { lenient, maxLineLength });
    this.#setState(ClientState.Negotiating);
  }

  #startDisconnecting(): void {
    const conn = this.#conn;
    if (conn === undefined) return;
    conn.close().catch(() => undefined);
    const { closeTimeout, clock } = this.#settings;
    if (!Number.isFinite(closeTimeout)) return;
    this.#closeTimer = clock.setTimer(() => {
      this.#closeTimer = undefined;
      if (this.#conn === conn) conn.abort(new KatcpTimeoutError(`the server did not close within ${closeTimeout} ms`));
    }, closeTimeout);
  }

  #connectionLost(err: Error | undefined): void {
    const cause =
      this.#state === ClientState.Disconnecting && this.#lastError !== undefined
        ? this.#lastError
        : (err ?? new ConnectionClosedError(`connection closed by ${this.host}:${this.port}`));
    this.#afterFailure(cause);
  }

  // ---------------------------------------------------------------- for the request API

  /** Start a tracked request with the connection's id mode and the default or hinted timeout. */
  protected startTracked(msg: Message, listener: RequestListener, opts: CallOptions): void {
    let timeout = opts.timeout;
    if (timeout === undefined) {
      const hint = this.#negotiator.session.hints.get(msg.name);
      timeout = hint === undefined ? this.#settings.requestTimeout : hint * 1000 + this.#settings.hintMargin;
    }
    this.#requests.start(msg, listener, { useMid: this.#negotiator.session.flags?.messageIds === true, timeout, signal: opts.signal });
  }

  /** The inform handlers and streams. */
  protected get informRouter(): InformRouter {
    return this.#informs;
  }

  /** `?sensor-list` results cached by the sensor helpers; cleared on interface changes and reconnection. */
  protected get sensorTypeCache(): Map<string, RemoteSensorInfo> {
    return this.#sensorTypes;
  }

  // ---------------------------------------------------------------- lifecycle API

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
      clock: this.#settings.clock,
      onCancel: () => this.#waiters.delete(d),
    });
  }

  /** Resolves once the client is closed. */
  waitClosed(): Promise<void> {
    return this.#closed.promise;
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
