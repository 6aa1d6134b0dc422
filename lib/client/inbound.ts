/**
 * What a {@link Client} does with what its connection reports: replies and request informs go
 * to their requests, built-in informs act on the client, every asynchronous inform goes to the
 * `inform` event and the inform handlers; malformed lines and the close are passed on. An
 * asynchronous inform no request waits for goes straight to its handlers: one map lookup for
 * the requests, a listener count for the `inform` event, one for the handlers.
 * @module
 */
import type { EventEmitter } from 'eventemitter3';
import type { Message } from '../codec/message.js';
import type { Connection, ConnectionOwner } from '../connection.js';
import { ConnectionClosedError } from '../errors.js';
import type { KatcpSyntaxError } from '../errors.js';
import type { InformHandler, InformRouter } from './inform-router.js';
import type { ClientLogger } from './logger.js';
import type { Negotiator } from './negotiator.js';
import type { ClientEvents } from './options.js';
import type { OrderedEvents } from './ordered-emitter.js';
import type { RequestTracker } from './requests.js';
import { ClientState } from './state.js';

const BUILTIN_INFORMS: ReadonlySet<string> = new Set([
  'version-connect',
  'version',
  'build-state',
  'disconnect',
  'log',
  'interface-changed',
  'device-changed',
]);

/** The inbound router's up-calls to the client's state machine. */
export interface InboundHost {
  /** The client's current state. */
  state(): ClientState;
  /** Connection `conn` closed (`err`: why, if it failed); stale connections are the host's to ignore. */
  connectionLost(conn: Connection, err: Error | undefined): void;
  /** The server sent `#disconnect`: move to `disconnecting` with `err`. */
  disconnect(err: ConnectionClosedError): void;
  /** The server's interface changed: forget the cached sensor types. */
  interfaceChanged(): void;
}

/** The client's parts the inbound router works with. */
export interface InboundParts {
  readonly logger: ClientLogger;
  readonly requests: RequestTracker;
  readonly informs: InformRouter;
  readonly negotiator: Negotiator;
  /** Delivers the client's events in order. */
  readonly events: OrderedEvents<ClientEvents>;
}

/** The owner of the client's connections: acts on what the current one reports. */
export class InboundRouter implements ConnectionOwner {
  readonly #logger: ClientLogger;
  readonly #requests: RequestTracker;
  readonly #negotiator: Negotiator;
  readonly #events: OrderedEvents<ClientEvents>;
  readonly #host: InboundHost;
  // Live views owned by the requests, the inform router and the client's emitter.
  readonly #namesInFlight: ReadonlyMap<string, unknown>;
  readonly #handlers: ReadonlyMap<string, readonly InformHandler[]>;
  readonly #emitter: EventEmitter<ClientEvents>;
  // The connection whose messages are routed: set by the client's state machine (its single
  // writer) while negotiating and connected, undefined otherwise.
  #conn: Connection | undefined;

  /**
   * @param parts the client's parts
   * @param host the client's state machine
   */
  constructor(parts: InboundParts, host: InboundHost) {
    this.#logger = parts.logger;
    this.#requests = parts.requests;
    this.#negotiator = parts.negotiator;
    this.#events = parts.events;
    this.#host = host;
    this.#namesInFlight = parts.requests.namesInFlight;
    this.#handlers = parts.informs.handlers;
    this.#emitter = parts.events.target;
  }

  /** Route the messages of `conn` from now on (undefined: of none). */
  listen(conn: Connection | undefined): void {
    this.#conn = conn;
  }

  /** A message from the server. */
  onMessage(conn: Connection, msg: Message): void {
    if (conn !== this.#conn) return;
    const mtype = msg.mtype;
    // The hot path: an asynchronous inform no request is waiting for.
    if (mtype === '#' && msg.mid === undefined && !this.#namesInFlight.has(msg.name)) {
      this.#onInform(msg);
      return;
    }
    if (mtype === '?') {
      this.#logger.info(`ignored a request from the server: ${msg.toString()}`);
      return;
    }
    if (this.#requests.route(msg, this.#onUnknownMid)) return;
    if (mtype === '!') {
      this.#logger.info(`ignored a reply without a matching request: ${msg.toString()}`);
      return;
    }
    this.#onInform(msg);
  }

  /** A line from the server that does not parse: logged, reported, dropped. */
  onSyntaxError(conn: Connection, err: KatcpSyntaxError): void {
    if (conn !== this.#conn) return;
    this.#logger.warn(`dropped a malformed line from the server: ${err.message}`);
    this.#events.emit('syntaxError', err);
  }

  /** The connection closed. */
  onClose(conn: Connection, err?: Error): void {
    this.#host.connectionLost(conn, err);
  }

  /** Something above threw while handling a message. */
  onHandlerError(_conn: Connection, err: unknown): void {
    this.#logger.error('exception while handling a message', err);
  }

  #onInform(msg: Message): void {
    const builtin = BUILTIN_INFORMS.has(msg.name);
    if (builtin) {
      this.#onBuiltinInform(msg);
      if (this.#host.state() === ClientState.Closed) return;
    }
    if (this.#emitter.listenerCount('inform') > 0) this.#events.emit('inform', msg);
    const handlers = this.#handlers.get(msg.name);
    if (handlers === undefined) {
      if (!builtin) this.#events.emit('unhandledInform', msg);
      return;
    }
    // A copy-on-write list: handlers may subscribe and unsubscribe while being called.
    for (let i = 0; i < handlers.length; i++) {
      try {
        (handlers[i] as InformHandler)(msg);
      } catch (err) {
        this.#logger.error(`an inform handler for #${msg.name} threw`, err);
      }
    }
  }

  readonly #onUnknownMid = (msg: Message): void => {
    this.#logger.debug(`dropped ${msg.toString()}: unknown message id (cancelled or timed-out request)`);
  };

  #onBuiltinInform(msg: Message): void {
    switch (msg.name) {
      case 'version-connect':
      case 'version':
      case 'build-state':
        this.#negotiator.onVersionInform(msg);
        return;
      case 'disconnect':
        this.#logger.info(`server disconnects: ${msg.arg(0)}`);
        this.#events.emit('disconnect', msg);
        this.#host.disconnect(new ConnectionClosedError(`server disconnected: ${msg.arg(0)}`));
        return;
      case 'log':
        this.#events.emit('log', msg);
        return;
      case 'interface-changed':
        this.#host.interfaceChanged();
        this.#events.emit('interfaceChanged', msg);
        return;
      case 'device-changed':
        this.#host.interfaceChanged();
        this.#events.emit('deviceChanged', msg);
        return;
    }
  }
}
