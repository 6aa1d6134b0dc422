/**
 * One request's run through the server: the handler is called, its return value or error
 * becomes the reply (unless it called `replyLater()` and replies by itself), every refused
 * context call and every misuse is reported, and the request's slot is freed once the reply
 * is taken by the client or the request is cancelled. Nothing a handler does can throw out of
 * here or leave the request counted forever while its client is connected.
 * @module
 */
import { Message } from '../codec/message.js';
import { ConnectionClosedError, FailReply, InvalidReply } from '../errors.js';
import { DRAIN_HIGH_WATER } from './client-connection.js';
import type { ClientConnection } from './client-connection.js';
import { RequestContext } from './context.js';
import type { Refusal, RequestObserver } from './context.js';
import { errorText } from './logging.js';
import type { CompiledRequest } from './request.js';

const OK = Buffer.from('ok');

/** What a {@link RequestRun} needs from the dispatcher. */
export interface RunHost {
  /** The handler registered under a name. */
  lookup(name: string): CompiledRequest | undefined;
  /** Called just before a reply is queued (pending `#interface-changed` informs go out first). */
  beforeReply(): void;
  /** Writes one server log line about a request of `client`. */
  report(client: ClientConnection, level: 'warn' | 'error', text: string, err?: unknown): void;
  /** Sends `#log error <t> katcp.server <text>` to `client`, as aiokatcp does for handler errors. */
  tellClient(client: ClientConnection, text: string): void;
  /** The run is over (reply taken or cancelled): its slot is free. */
  ended(run: RequestRun): void;
}

const Phase = {
  /** Waiting for a free slot; the handler has not been called. */
  Parked: 'parked',
  /** The handler is running (its promise has not settled). */
  Running: 'running',
  /** The handler returned after `replyLater()`: waiting for its reply or a cancellation. */
  AwaitingReply: 'awaiting-reply',
  /** Replied: waiting for the client to take most of the reply. */
  Draining: 'draining',
  Done: 'done',
} as const;
type Phase = (typeof Phase)[keyof typeof Phase];

function isPromiseLike(x: unknown): x is PromiseLike<unknown> {
  return x !== null && (typeof x === 'object' || typeof x === 'function') && typeof (x as { then?: unknown }).then === 'function';
}

/** Runs one request; it is its context's {@link RequestObserver}. */
export class RequestRun implements RequestObserver {
  /** The context handed to the handler. */
  readonly ctx: RequestContext;
  /** The requesting client. */
  readonly client: ClientConnection;
  readonly #host: RunHost;
  #phase: Phase = Phase.Parked;

  constructor(client: ClientConnection, msg: Message, host: RunHost) {
    this.client = client;
    this.#host = host;
    this.ctx = new RequestContext(msg, client, this);
  }

  /** Calls the handler (the caller has taken a slot for it). */
  start(): void {
    if (this.#phase !== Phase.Parked) return;
    this.#phase = Phase.Running;
    const ctx = this.ctx;
    const req = this.#host.lookup(ctx.name);
    let result: unknown;
    try {
      if (req === undefined) throw new InvalidReply('Unknown request.');
      result = req.invoke(ctx, req.decodeMessage(ctx.request));
    } catch (err) {
      this.#failed(err);
      return;
    }
    if (isPromiseLike(result)) {
      // Promise.resolve adopts any thenable, so one whose `then` throws becomes a rejection here.
      Promise.resolve(result).then(
        (value) => this.#returned(req, value),
        (err: unknown) => this.#failed(err),
      );
    } else {
      this.#returned(req, result);
    }
  }

  // RequestObserver

  /** @internal */
  refused(_ctx: RequestContext, refusal: Refusal): void {
    this.#host.report(this.client, refusal.reason === 'unencodable' ? 'error' : 'warn', refusal.text);
    // aiokatcp raises here, which fails the handler and sends the client a #log error; from a
    // timer after the handler returned there is no #log there either, only the server's log.
    if (refusal.reason === 'replied' && this.#phase === Phase.Running) this.#host.tellClient(this.client, refusal.text);
  }

  /** @internal */
  beforeReply(): void {
    try {
      this.#host.beforeReply();
    } catch (err) {
      this.#host.report(this.client, 'error', 'could not send pending interface changes:', err);
    }
  }

  /** @internal */
  settled(ctx: RequestContext): void {
    if (ctx.cancelled) {
      if (this.#phase === Phase.Parked) this.#phase = Phase.Done;
      else if (this.#phase === Phase.Running || this.#phase === Phase.AwaitingReply) {
        // A client still there was told (`fail request cancelled`); for one that left, this
        // line is the only trace of a handler that was still busy (perhaps hung for good).
        if (ctx.signal.reason instanceof ConnectionClosedError) {
          const what = this.#phase === Phase.Running ? 'its handler was still running' : 'it was awaiting its reply (replyLater)';
          this.#host.report(this.client, 'warn', `request ${this.#label()} cancelled (${errorText(ctx.signal.reason)}) while ${what}`);
        }
        this.#finish();
      }
    } else if (this.#phase === Phase.AwaitingReply) {
      this.#finish();
    }
  }

  // Outcomes

  #returned(req: CompiledRequest, value: unknown): void {
    if (this.#phase !== Phase.Running) return;
    const ctx = this.ctx;
    try {
      if (ctx.aborted) {
        // Cancelled after an early reply: whatever the handler did next is of no interest.
      } else if (ctx.awaitingReply) {
        if (value !== undefined) this.#misuse(`handler of ${this.#label()} called replyLater() and returned a value; the value is ignored`);
      } else if (ctx.replied) {
        if (value !== undefined) this.#misuse(`handler of ${this.#label()} both replied and returned a value; the value is ignored`);
      } else {
        this.#replyWith(req, value);
      }
    } catch (err) {
      this.#host.report(this.client, 'error', `could not reply to ${this.#label()}:`, err);
    }
    if (ctx.awaitingReply) this.#phase = Phase.AwaitingReply;
    else this.#finish();
  }

  #failed(err: unknown): void {
    if (this.#phase !== Phase.Running) return;
    const ctx = this.ctx;
    const expected = err instanceof FailReply || err instanceof InvalidReply;
    try {
      if (ctx.aborted) {
        // Cancelled: the handler failing now (typically with the abort reason) is expected.
      } else if (ctx.replied) {
        const text = errorText(err);
        this.#host.tellClient(this.client, text);
        if (expected) this.#host.report(this.client, 'warn', `handler of ${this.#label()} failed after replying: ${text}`);
        else this.#host.report(this.client, 'error', `uncaught error in handler of ${this.#label()} after its reply:`, err);
      } else {
        ctx.autoReply(Message.replyTo(ctx.request, err instanceof InvalidReply ? 'invalid' : 'fail', errorText(err)));
        if (!expected) this.#host.report(this.client, 'error', `uncaught error in handler of ${this.#label()}:`, err);
      }
    } catch (err2) {
      this.#host.report(this.client, 'error', `could not reply to ${this.#label()}:`, err2);
    }
    this.#finish();
  }

  #replyWith(req: CompiledRequest, value: unknown): void {
    let args: Buffer[];
    try {
      args = req.encodeResult(value);
    } catch (err) {
      this.ctx.autoReply(Message.replyTo(this.ctx.request, 'fail', errorText(err)));
      this.#host.report(this.client, 'error', `uncaught error in handler of ${this.#label()}:`, err);
      return;
    }
    this.ctx.autoReply(new Message('!', this.ctx.name, args.length === 0 ? [OK] : [OK, ...args], this.ctx.mid));
  }

  /** A misuse seen as the handler ended: the client hears of it as aiokatcp tells it. */
  #misuse(text: string): void {
    this.#host.tellClient(this.client, text);
    this.#host.report(this.client, 'warn', text);
  }

  #finish(): void {
    this.#phase = Phase.Draining;
    // Like aiokatcp, a request stays counted until its client has taken most of the reply, so a
    // client that does not read stops being read from.
    if (this.client.backlog > DRAIN_HIGH_WATER && !this.client.isClosed) {
      this.client.drain().then(
        () => this.#end(),
        () => this.#end(),
      );
    } else {
      this.#end();
    }
  }

  #end(): void {
    this.#phase = Phase.Done;
    this.#host.ended(this);
  }

  #label(): string {
    const ctx = this.ctx;
    return ctx.mid === undefined ? `?${ctx.name}` : `?${ctx.name}[${ctx.mid}]`;
  }
}
