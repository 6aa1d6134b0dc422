/**
 * The connection half of the {@link Client}: the state machine (the single writer of the state,
 * the per-state timers and resources), the reconnect loop (on util/retry.ts) and the lifecycle
 * API. Protocol negotiation is in negotiator.ts, the handling of incoming messages in
 * inbound.ts, dead-peer detection in heartbeat.ts; `client.ts` composes this with the request
 * tracker (requests.ts) and the inform handlers (inform-router.ts) behind the public API.
 * @module
 */
import type { Socket } from 'node:net';
import { Connection } from '../connection.js';
import { ConnectionClosedError, KatcpTimeoutError, PeerTimeoutError, ProtocolVersionError } from '../errors.js';
import { withCancel } from '../util/abort.js';
import type { CallOptions } from '../util/abort.js';
import type { TimerHandle } from '../util/clock.js';
import { deferred } from '../util/deferred.js';
import type { Deferred } from '../util/deferred.js';
import type { TrafficStats } from '../util/traffic-stats.js';
import type { TrafficSnapshot } from '../util/traffic-stats.js';
import { connectSocket } from './connect-attempt.js';
import { Heartbeat } from './heartbeat.js';
import type { ConnectAttempt } from './connect-attempt.js';
import { InboundRouter } from './inbound.js';
import type { InformRouter } from './inform-router.js';
import { Negotiator } from './negotiator.js';
import type { ClientEvents, ClientSettings } from './options.js';
import type { OrderedEvents } from './ordered-emitter.js';
import { RateLog } from './rate-log.js';
import { FailureLog, ReconnectLoop } from './reconnect-loop.js';
import type { RequestTracker } from './requests.js';
import type { RemoteSensorInfo } from './sensor-informs.js';
import { canTransition, ClientState, hasConnection } from './state.js';

/** The {@link Client}'s traffic statistics (see `client.stats`). */
export interface ClientStats extends TrafficSnapshot {
  /** TCP connections made (each attempt that got as far as negotiating). */
  readonly connections: number;
  /** Connections made after the first one. */
  readonly reconnects: number;
  /** Requests awaiting a reply or their turn. */
  readonly requestsInFlight: number;
}

/** The parts of a {@link Client} its connection life works with (the Client makes them). */
export interface CoreParts {
  /** Delivers the Client's events in order. */
  readonly events: OrderedEvents<ClientEvents>;
  /** The traffic counters of every connection. */
  readonly stats: TrafficStats;
  /** The outstanding requests: opened while connected, failed when a connection ends. */
  readonly requests: RequestTracker;
  /** The inform handlers and streams (streams end when the client closes). */
  readonly informs: InformRouter;
}

/**
 * The connection life of a {@link Client} (see there), a part the Client composes. Events go
 * out through the Client's {@link OrderedEvents}.
 */
export class ClientCore {
  /** Server host name or address. */
  readonly host: string;
  /** Server port. */
  readonly port: number;

  readonly #settings: ClientSettings;
  readonly #events: OrderedEvents<ClientEvents>;
  readonly #stats: TrafficStats;
  readonly #heartbeat: Heartbeat | undefined;
  readonly #rateLog: RateLog | undefined;
  readonly #requests: RequestTracker;
  readonly #informs: InformRouter;
  readonly #negotiator: Negotiator;
  readonly #inbound: InboundRouter;

  #state: ClientState = ClientState.Sleeping;
  #closing = false;
  #lastError: Error | undefined;
  readonly #failures: FailureLog;
  #connections = 0;
  readonly #loop: ReconnectLoop;
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
   * Start connecting in the background.
   * @param settings the checked options
   * @param parts the Client's events, counters, requests and inform handlers
   */
  constructor(host: string, port: number, settings: ClientSettings, parts: CoreParts) {
    this.host = host;
    this.port = port;
    this.#settings = settings;
    const { events, stats, requests, informs } = parts;
    this.#events = events;
    this.#stats = stats;
    this.#requests = requests;
    this.#informs = informs;
    const clock = settings.clock;
    this.#heartbeat =
      settings.heartbeat === undefined ? undefined : new Heartbeat(clock, stats, settings.heartbeat, requests, { peerDead: (err) => this.#peerDead(err) });
    this.#rateLog = settings.rateLogInterval === undefined ? undefined : new RateLog(clock, stats, settings.rateLogInterval, settings.logger);
    this.#negotiator = new Negotiator(settings, requests, {
      state: () => this.#state,
      connected: () => void this.#setState(ClientState.Connected),
      refuse: (err) => void this.#setState(ClientState.Disconnecting, err),
    });
    this.#inbound = new InboundRouter(
      { logger: settings.logger, requests, informs, negotiator: this.#negotiator, events },
      {
        state: () => this.#state,
        connectionLost: (conn, err) => this.#connectionLost(conn, err),
        disconnect: (err) => void this.#setState(ClientState.Disconnecting, err),
        interfaceChanged: () => this.#sensorTypes.clear(),
      },
    );
    this.#failures = new FailureLog(settings.logger, `${host}:${port}`);
    this.#loop = new ReconnectLoop(settings.policy, clock, settings.logger, {
      connect: () => void this.#setState(ClientState.Connecting),
      giveUp: (cause) => void this.#setState(ClientState.Closed, cause),
    });
  }

  /** The current state. */
  get state(): ClientState {
    return this.#state;
  }

  /** Why the client last left (or failed to reach) `connected`; undefined while connected. */
  get lastError(): Error | undefined {
    return this.#lastError;
  }

  /** Traffic statistics since construction (a fresh snapshot on every read). */
  get stats(): ClientStats {
    return {
      ...this.#stats.snapshot(),
      connections: this.#connections,
      reconnects: Math.max(0, this.#connections - 1),
      requestsInFlight: this.#requests.size,
    };
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
  #setState(next: ClientState, cause?: Error): boolean {
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
      this.#failures.reset();
    } else if (cause !== undefined) {
      this.#lastError = cause;
    }
    // Messages are routed while negotiating and connected only.
    if (next !== ClientState.Negotiating && next !== ClientState.Connected) this.#inbound.listen(undefined);
    if (!hasConnection(next) && this.#conn !== undefined) {
      const conn = this.#conn;
      this.#conn = undefined;
      if (!conn.isClosed) conn.abort(cause);
    }
    if ((prev === ClientState.Negotiating || prev === ClientState.Connected) && next !== ClientState.Connected) this.#failPending();

    const events = this.#events;
    events.queue('stateChange', next, prev);
    if (next === ClientState.Connected) events.queue('connected');
    if (prev === ClientState.Connected) events.queue('disconnected', this.#lastError);
    const attemptFailed = (prev === ClientState.Connecting || prev === ClientState.Negotiating) && !hasConnection(next);
    if ((attemptFailed || (next === ClientState.Disconnecting && prev === ClientState.Negotiating)) && cause !== undefined && !this.#closing) {
      events.queue('connectFailed', cause);
      this.#failures.failed(cause);
    }
    this.#enter(next);
    events.flush();
    return true;
  }

  /** Clear what is only valid in the state being left. */
  #leave(prev: ClientState, next: ClientState): void {
    const clock = this.#settings.clock;
    switch (prev) {
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
        this.#heartbeat?.stop();
        this.#rateLog?.stop();
        break;
      case ClientState.Sleeping:
      case ClientState.Closed:
        break;
    }
  }

  /** The entry action of the new state. */
  #enter(next: ClientState): void {
    switch (next) {
      case ClientState.Sleeping:
        // The reconnect loop waits the policy's delay, then moves to `connecting`.
        break;
      case ClientState.Connecting: {
        const { connectTimeout, clock, keepAlive } = this.#settings;
        this.#attempt = connectSocket(this.host, this.port, connectTimeout, clock, (err, socket) => this.#attemptDone(err, socket), keepAlive);
        break;
      }
      case ClientState.Negotiating:
        this.#connections++;
        this.#sensorTypes.clear();
        this.#negotiator.begin(this.#conn as Connection);
        break;
      case ClientState.Disconnecting:
        this.#startDisconnecting();
        break;
      case ClientState.Connected:
        this.#requests.open(this.#conn as Connection);
        this.#loop.succeeded();
        this.#heartbeat?.start();
        this.#rateLog?.start();
        for (const w of this.#waiters) w.resolve();
        this.#waiters.clear();
        break;
      case ClientState.Closed: {
        const err = this.#closedError();
        this.#loop.stop(err);
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
    const ErrorClass = why instanceof PeerTimeoutError ? PeerTimeoutError : ConnectionClosedError;
    this.#requests.failAll((req) => new ErrorClass(`${what} before the reply to ?${req.name}${why === undefined ? '' : `: ${why.message}`}`, { cause: why }));
  }

  #closedError(): Error {
    const last = this.#lastError;
    if (last instanceof ProtocolVersionError) return last;
    if (last instanceof ConnectionClosedError && this.#closing) return last;
    return new ConnectionClosedError(`client for ${this.host}:${this.port} is closed${last === undefined ? '' : `: ${last.message}`}`, { cause: last });
  }

  /**
   * The current attempt ended with `cause`: close when closing, when reconnection is off or the
   * server's protocol is unsupported (retrying would not change it); otherwise sleep, and let
   * the reconnect loop ask the policy how long (it closes the client if the policy gives up).
   */
  #afterFailure(cause: Error): void {
    const final = this.#closing || this.#settings.policy === undefined || cause instanceof ProtocolVersionError;
    this.#setState(final ? ClientState.Closed : ClientState.Sleeping, cause);
    this.#loop.failed(cause);
  }

  /** The heartbeat got no answer: the connection is dead, whatever the OS thinks. */
  #peerDead(err: PeerTimeoutError): void {
    this.#settings.logger.warn(err.message);
    if (this.#state === ClientState.Connected) this.#afterFailure(err);
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
    this.#conn = new Connection(socket, this.#inbound, { lenient, maxLineLength, stats: this.#stats });
    this.#inbound.listen(this.#conn);
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

  #connectionLost(conn: Connection, err: Error | undefined): void {
    if (conn !== this.#conn) return;
    const cause =
      this.#state === ClientState.Disconnecting && this.#lastError !== undefined
        ? this.#lastError
        : (err ?? new ConnectionClosedError(`connection closed by ${this.host}:${this.port}`));
    this.#afterFailure(cause);
  }

  // ---------------------------------------------------------------- for the Client

  /** The protocol of each connection, and the latest connection's protocol facts. */
  get negotiator(): Negotiator {
    return this.#negotiator;
  }

  /** `?sensor-list` results cached by the sensor helpers; cleared on interface changes and reconnection. */
  get sensorTypeCache(): Map<string, RemoteSensorInfo> {
    return this.#sensorTypes;
  }

  // ---------------------------------------------------------------- lifecycle API

  /**
   * Resolves once connected (at once if connected now). Rejects after `close()` (or when the
   * client closes itself) with `ConnectionClosedError`, with `ProtocolVersionError` for an
   * unsupported server, and with `KatcpTimeoutError`/`KatcpAbortError` per the (checked) options.
   */
  waitConnected(opts: CallOptions): Promise<void> {
    if (this.#state === ClientState.Connected) return Promise.resolve();
    if (this.#state === ClientState.Closed) return Promise.reject(this.#closedError());
    const d = deferred<void>();
    this.#waiters.add(d);
    return withCancel(d.promise, {
      ...opts,
      what: `connecting to ${this.host}:${this.port}`,
      clock: this.#settings.clock,
      onCancel: () => this.#waiters.delete(d),
    }).catch((err: unknown) => {
      // The timeout alone says nothing: give the reason of the last failed attempt with it.
      const last = this.#lastError;
      if (err instanceof KatcpTimeoutError && last !== undefined) throw new KatcpTimeoutError(`${err.message}; last error: ${last.message}`, { cause: last });
      throw err;
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
