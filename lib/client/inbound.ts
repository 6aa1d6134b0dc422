/**
 * What a {@link Client} does with what its connection reports: replies and request informs go
 * to their requests, built-in informs act on the client, every asynchronous inform goes to the
 * `inform` event and the inform handlers; malformed lines and the close are passed on.
 * @module
 */
import type { Message } from '../codec/message.js';
import type { Connection, ConnectionOwner } from '../connection.js';
import { ConnectionClosedError } from '../errors.js';
import type { KatcpSyntaxError } from '../errors.js';
import type { InformRouter } from './inform-router.js';
import type { ClientLogger } from './logger.js';
import type { Negotiator } from './negotiator.js';
import type { ClientEvents } from './options.js';
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

/** Delivers a client event in order (the client's `emitOrdered`). */
export type EmitClientEvent = <K extends keyof ClientEvents>(event: K, ...args: ClientEvents[K]) => void;

/** What the inbound router works with. */
export interface InboundDeps {
  readonly logger: ClientLogger;
  readonly requests: RequestTracker;
  readonly informs: InformRouter;
  readonly negotiator: Negotiator;
  /** The client's current state. */
  readonly state: () => ClientState;
  /** The client's current connection: reports of any other are stale and ignored. */
  readonly connection: () => Connection | undefined;
  readonly emit: EmitClientEvent;
  /** The current connection closed (`err`: why, if it failed). */
  readonly connectionLost: (err: Error | undefined) => void;
  /** The server sent `#disconnect`: move to `disconnecting` with `err`. */
  readonly disconnect: (err: ConnectionClosedError) => void;
  /** The server's interface changed: forget the cached sensor types. */
  readonly interfaceChanged: () => void;
}

/** The owner of the client's connections: acts on what the current one reports. */
export class InboundRouter implements ConnectionOwner {
  readonly #deps: InboundDeps;

  /** @param deps the client's parts and callbacks */
  constructor(deps: InboundDeps) {
    this.#deps = deps;
  }

  /** A message from the server. */
  onMessage(conn: Connection, msg: Message): void {
    if (conn === this.#deps.connection()) this.#route(msg);
  }

  /** A line from the server that does not parse: logged, reported, dropped. */
  onSyntaxError(conn: Connection, err: KatcpSyntaxError): void {
    if (conn !== this.#deps.connection()) return;
    this.#deps.logger.warn(`dropped a malformed line from the server: ${err.message}`);
    this.#deps.emit('syntaxError', err);
  }

  /** The connection closed. */
  onClose(conn: Connection, err?: Error): void {
    if (conn === this.#deps.connection()) this.#deps.connectionLost(err);
  }

  /** Something above threw while handling a message. */
  onHandlerError(_conn: Connection, err: unknown): void {
    this.#deps.logger.error('exception while handling a message', err);
  }

  #route(msg: Message): void {
    const { logger, requests, informs, emit } = this.#deps;
    if (this.#deps.state() === ClientState.Disconnecting) return;
    if (msg.mtype === '?') {
      logger.info(`ignored a request from the server: ${msg.toString()}`);
      return;
    }
    if (requests.route(msg, this.#onUnknownMid)) return;
    if (msg.mtype === '!') {
      logger.info(`ignored a reply without a matching request: ${msg.toString()}`);
      return;
    }
    const builtin = BUILTIN_INFORMS.has(msg.name);
    if (builtin) this.#onBuiltinInform(msg);
    if (this.#deps.state() === ClientState.Closed) return;
    emit('inform', msg);
    if (!informs.dispatch(msg) && !builtin) emit('unhandledInform', msg);
  }

  readonly #onUnknownMid = (msg: Message): void => {
    this.#deps.logger.debug(`dropped ${msg.toString()}: unknown message id (cancelled or timed-out request)`);
  };

  #onBuiltinInform(msg: Message): void {
    const deps = this.#deps;
    switch (msg.name) {
      case 'version-connect':
      case 'version':
      case 'build-state':
        deps.negotiator.onVersionInform(msg);
        return;
      case 'disconnect':
        deps.logger.info(`server disconnects: ${msg.arg(0)}`);
        deps.emit('disconnect', msg);
        deps.disconnect(new ConnectionClosedError(`server disconnected: ${msg.arg(0)}`));
        return;
      case 'log':
        deps.emit('log', msg);
        return;
      case 'interface-changed':
        deps.interfaceChanged();
        deps.emit('interfaceChanged', msg);
        return;
      case 'device-changed':
        deps.interfaceChanged();
        deps.emit('deviceChanged', msg);
        return;
    }
  }
}
