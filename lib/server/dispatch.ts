/**
 * Request dispatch: decodes a request's arguments, runs its handler (synchronously when it is
 * synchronous), turns the result or error into exactly one reply (unless the handler called
 * `replyLater()`), reports every misuse of the context, and applies the per-client `maxPending`
 * limit.
 * @module
 */
import type { Message } from '../codec/message.js';
import type { Clock } from '../util/clock.js';
import type { ClientConnection } from './client-connection.js';
import type { RequestContext } from './context.js';
import type { ConsoleLike } from './logging.js';
import type { CompiledRequest } from './request.js';
import { RequestRun } from './request-run.js';
import type { RunHost } from './request-run.js';


/** What the dispatcher needs from the server. */
export interface DispatcherDeps {
  /** Requests one client may have in flight before its reading pauses. */
  readonly maxPending: number;
  readonly clock: Clock;
  readonly console: ConsoleLike;
  /** The handler registered under a name. */
  lookup(name: string): CompiledRequest | undefined;
  /** False once the server is stopping: parked requests are then not started. */
  isRunning(): boolean;
  /** Called with each new request context (the server maps contexts to clients). */
  register(ctx: RequestContext, client: ClientConnection): void;
  /** Called just before a handler's reply is sent (interface changes go out first). */
  beforeReply(): void;
}

/** Runs requests for the server. */
export class RequestDispatcher {
  readonly #deps: DispatcherDeps;
  readonly #host: RunHost;
  // Parked requests wait as contexts in their client's queue; their runs are kept here.
  readonly #parked = new WeakMap<RequestContext, RequestRun>();

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
    this.#host = {
      lookup: (name) => deps.lookup(name),
      beforeReply: () => deps.beforeReply(),
      report: (client, level, text, err) => this.#report(client, level, text, err),
      tellClient: (client, text) => client.sendLog('error', 'katcp.server', text),
      ended: (run) => this.#ended(run),
    };
  }

  /** Handles one request from `client` (now, or once a slot frees up). */
  dispatch(client: ClientConnection, msg: Message): void {
    const run = new RequestRun(client, msg, this.#host);
    this.#deps.register(run.ctx, client);
    if (client.inFlight >= this.#deps.maxPending) {
      // Connection.pause() stops delivery at once, so this only guards against a stream that
      // delivers anyway: keep the request until a slot frees up.
      this.#parked.set(run.ctx, run);
      client.park(run.ctx);
      return;
    }
    this.#start(run);
  }

  #start(run: RequestRun): void {
    const client = run.client;
    client.addRequest(run.ctx);
    if (client.inFlight >= this.#deps.maxPending) client.pause();
    run.start();
  }

  /** One server log line; a console that throws cannot break request handling. */
  #report(client: ClientConnection, level: 'warn' | 'error', text: string, err?: unknown): void {
    try {
      const line = `katcp server: client ${client.address}: ${text}`;
      if (level === 'warn') this.#deps.console.warn(line);
      else if (err === undefined) this.#deps.console.error(line);
      else this.#deps.console.error(line, err);
    } catch {
      // Nowhere left to report it.
    }
  }

  #ended(run: RequestRun): void {
    const client = run.client;
    client.removeRequest(run.ctx);
    if (client.isClosed) return;
    const max = this.#deps.maxPending;
    while (client.inFlight < max && this.#deps.isRunning()) {
      const next = client.takeParked();
      if (next === undefined) break;
      const parked = this.#parked.get(next);
      this.#parked.delete(next);
      if (parked !== undefined) this.#start(parked);
    }
    if (client.inFlight < max && client.parkedCount === 0) client.resume();
  }
}
