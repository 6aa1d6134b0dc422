/**
 * Request dispatch: decodes a request's arguments, runs its handler (synchronously when it is
 * synchronous), turns the result or error into exactly one reply (unless the handler called
 * `replyLater()`), reports every misuse of the context, and applies the per-client `maxPending`
 * limit.
 * @module
 */
import type { Message } from '../codec/message.js';
import type { ClientConnection } from './client-connection.js';
import type { RequestContext } from './context.js';
import type { ConsoleLike } from './logging.js';
import type { CompiledRequest } from './request.js';
import { RequestRun } from './request-run.js';
import type { RunHost } from './request-run.js';

/** The dispatcher's settings (plain data). */
export interface DispatchSettings {
  /** Requests one client may have in flight before its reading pauses. */
  readonly maxPending: number;
  /** Where the server's log lines about requests go. */
  readonly console: ConsoleLike;
}

/** Informs that must reach the clients before any reply (the server's `#interface-changed` queue). */
export interface PendingInforms {
  /** Sends what is pending now. */
  flush(): void;
}

/** What the dispatcher asks of its server. */
export interface DispatcherOwner {
  /** False once the server is stopping: parked requests are then not started. */
  readonly isRunning: boolean;
}

/** Runs requests for the server; it is each {@link RequestRun}'s host. */
export class RequestDispatcher implements RunHost {
  readonly #maxPending: number;
  readonly #console: ConsoleLike;
  readonly #requests: ReadonlyMap<string, CompiledRequest>;
  readonly #pending: PendingInforms;
  readonly #owner: DispatcherOwner;
  // Parked requests wait as contexts in their client's queue; their runs are kept here.
  readonly #parked = new WeakMap<RequestContext, RequestRun>();

  /**
   * @param settings limits and the console
   * @param requests the server's request table (read at each request, so changes apply at once)
   * @param pending flushed just before each reply
   * @param owner the server's running state
   */
  constructor(settings: DispatchSettings, requests: ReadonlyMap<string, CompiledRequest>, pending: PendingInforms, owner: DispatcherOwner) {
    this.#maxPending = settings.maxPending;
    this.#console = settings.console;
    this.#requests = requests;
    this.#pending = pending;
    this.#owner = owner;
  }

  /** Handles one request from `client` (now, or once a slot frees up). */
  dispatch(client: ClientConnection, msg: Message): void {
    const run = new RequestRun(client, msg, this);
    if (client.inFlight >= this.#maxPending) {
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
    if (client.inFlight >= this.#maxPending) client.pause();
    run.start();
  }

  // RunHost

  /** @internal */
  lookup(name: string): CompiledRequest | undefined {
    return this.#requests.get(name);
  }

  /** @internal */
  beforeReply(): void {
    this.#pending.flush();
  }

  /** One server log line; a console that throws cannot break request handling. @internal */
  report(client: ClientConnection, level: 'warn' | 'error', text: string, err?: unknown): void {
    try {
      const line = `katcp server: client ${client.address}: ${text}`;
      if (level === 'warn') this.#console.warn(line);
      else if (err === undefined) this.#console.error(line);
      else this.#console.error(line, err);
    } catch {
      // Nowhere left to report it.
    }
  }

  /** @internal */
  tellClient(client: ClientConnection, text: string): void {
    client.sendLog('error', 'katcp.server', text);
  }

  /** @internal */
  ended(run: RequestRun): void {
    const client = run.client;
    client.removeRequest(run.ctx);
    if (client.isClosed) return;
    const max = this.#maxPending;
    if (client.parkedCount === 0) {
      // The usual case: nothing waits, so only a paused client has anything to do.
      if (client.inFlight < max) client.resume();
      return;
    }
    while (client.inFlight < max && this.#owner.isRunning) {
      const next = client.takeParked();
      if (next === undefined) break;
      const parked = this.#parked.get(next);
      this.#parked.delete(next);
      if (parked !== undefined) this.#start(parked);
    }
    if (client.inFlight < max && client.parkedCount === 0) client.resume();
  }
}
