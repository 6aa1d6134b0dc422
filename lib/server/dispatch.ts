/**
 * Request dispatch: decodes a request's arguments, runs its handler (synchronously when it is
 * synchronous), turns the result or error into exactly one reply, and applies the per-client
 * `maxPending` limit.
 * @module
 */
import { Message } from '../codec/message.js';
import { FailReply, InvalidReply } from '../errors.js';
import type { Clock } from '../util/clock.js';
import { DRAIN_HIGH_WATER } from './client-connection.js';
import type { ClientConnection } from './client-connection.js';
import { RequestContext } from './context.js';
import { logInform } from './logging.js';
import type { ConsoleLike } from './logging.js';
import type { CompiledRequest } from './request.js';

const OK = Buffer.from('ok');

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

/**
 * The message of an error, or the thrown value as text, always encodable as UTF-8 (a lone
 * surrogate becomes U+FFFD) and never throwing itself (a value without `toString` is described).
 */
export function errorText(err: unknown): string {
  let text: string;
  try {
    text = err instanceof Error ? String(err.message) : String(err);
  } catch {
    text = 'an error that cannot be shown as text';
  }
  return text.replace(/\p{Cs}/gu, '\ufffd');
}

function isPromiseLike(x: unknown): x is PromiseLike<unknown> {
  return x !== null && (typeof x === 'object' || typeof x === 'function') && typeof (x as { then?: unknown }).then === 'function';
}

/** Runs requests for the server. */
export class RequestDispatcher {
  readonly #deps: DispatcherDeps;

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
  }

  /** Handles one request from `client` (now, or once a slot frees up). */
  dispatch(client: ClientConnection, msg: Message): void {
    const ctx = new RequestContext(msg, client);
    this.#deps.register(ctx, client);
    if (client.inFlight >= this.#deps.maxPending) {
      // Connection.pause() stops delivery at once, so this only guards against a stream that
      // delivers anyway: keep the request until a slot frees up.
      client.park(ctx);
      return;
    }
    this.#start(client, ctx);
  }

  #start(client: ClientConnection, ctx: RequestContext): void {
    client.addRequest(ctx);
    if (client.inFlight >= this.#deps.maxPending) client.pause();
    const req = this.#deps.lookup(ctx.name);
    let result: unknown;
    try {
      if (req === undefined) throw new InvalidReply('Unknown request.');
      result = req.invoke(ctx, req.decode(ctx.request.arguments));
    } catch (err) {
      this.#finish(client, ctx, req, undefined, err, true);
      return;
    }
    if (isPromiseLike(result)) {
      result.then(
        (value) => this.#finish(client, ctx, req, value, undefined, false),
        (err: unknown) => this.#finish(client, ctx, req, undefined, err, true),
      );
    } else {
      this.#finish(client, ctx, req, result, undefined, false);
    }
  }

  #finish(client: ClientConnection, ctx: RequestContext, req: CompiledRequest | undefined, value: unknown, error: unknown, failed: boolean): void {
    try {
      this.#reply(client, ctx, req, value, error, failed);
    } catch (err) {
      // Replying must not fail, but if it ever does the request still ends (below): a request
      // stuck in flight would pause the client for good once maxPending were reached.
      this.#logError(`could not reply to ?${ctx.name}:`, err);
    }
    // Like aiokatcp, a request stays counted until its client has taken most of the reply, so a
    // client that does not read stops being read from.
    if (client.backlog > DRAIN_HIGH_WATER && !client.isClosed) {
      client.drain().then(
        () => this.#done(client, ctx),
        () => this.#done(client, ctx),
      );
    } else {
      this.#done(client, ctx);
    }
  }

  #reply(client: ClientConnection, ctx: RequestContext, req: CompiledRequest | undefined, value: unknown, error: unknown, failed: boolean): void {
    this.#deps.beforeReply();
    if (!ctx.cancelled) {
      if (failed) this.#replyError(client, ctx, error);
      else if (ctx.replied) {
        if (value !== undefined) this.#lateError(client, ctx, `handler of ?${ctx.name} both replied and returned a value`);
      } else {
        try {
          const args = req!.encodeResult(value);
          ctx.sendRaw([new Message('!', ctx.name, [OK, ...args], ctx.mid)], true);
        } catch (err) {
          this.#replyError(client, ctx, err);
        }
      }
    }
  }

  #replyError(client: ClientConnection, ctx: RequestContext, err: unknown): void {
    const text = errorText(err);
    if (ctx.replied) this.#lateError(client, ctx, text);
    else ctx.reply(err instanceof InvalidReply ? 'invalid' : 'fail', text);
    if (!(err instanceof FailReply) && !(err instanceof InvalidReply)) this.#logError(`uncaught error in handler of ?${ctx.name}:`, err);
  }

  /** Reports on the server's console; a console that throws cannot break request handling. */
  #logError(what: string, err: unknown): void {
    try {
      this.#deps.console.error(`katcp server: ${what}`, err);
    } catch {
      // Nowhere left to report it.
    }
  }

  /** An error after the reply was sent: tell the client out of band. */
  #lateError(client: ClientConnection, ctx: RequestContext, text: string): void {
    if (ctx.cancelled) return;
    client.send(logInform('error', this.#deps.clock.now(), 'katcp.server', text));
  }

  #done(client: ClientConnection, ctx: RequestContext): void {
    client.removeRequest(ctx);
    if (client.isClosed) return;
    const max = this.#deps.maxPending;
    while (client.inFlight < max && this.#deps.isRunning()) {
      const next = client.takeParked();
      if (next === undefined) break;
      this.#start(client, next);
    }
    if (client.inFlight < max && client.parkedCount === 0) client.resume();
  }
}
