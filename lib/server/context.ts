/**
 * The {@link RequestContext} handed to every request handler: informs that belong to the
 * request, an early or later reply (`replyLater()`), back-pressure, and cancellation.
 * @module
 */
import { Message } from '../codec/message.js';
import { errorText } from './logging.js';

/** Where a request's informs and reply go (the client connection). */
export interface RequestChannel {
  /** The client's `host:port`. */
  readonly address: string;
  /** Queue a message, or already formatted lines, for the client (order is preserved). */
  send(msg: Message | Buffer): void;
  /** Wait until the client's write backlog is small again. */
  drain(): Promise<void>;
}

/** A context method the handler called when it could no longer, or could not, do what was asked. */
export interface Refusal {
  /** The method called. */
  readonly call: 'reply' | 'inform' | 'informs' | 'replyLater';
  /**
   * Why: the handler had already replied, the server had replied for it (when the handler
   * returned or threw), the request was cancelled, or a value could not be encoded (the request
   * then failed with that reason).
   */
  readonly reason: 'replied' | 'auto-replied' | 'cancelled' | 'unencodable';
  /** One line saying what happened, for logs. */
  readonly text: string;
}

/** Whoever runs the request (the dispatcher): told about refusals, the reply and the end. */
export interface RequestObserver {
  /** A call was refused; the context did not throw, so this is the only report of it. */
  refused(ctx: RequestContext, refusal: Refusal): void;
  /** A final reply is about to be queued (pending `#interface-changed` informs go out first). */
  beforeReply(ctx: RequestContext): void;
  /** The request is over: its reply was queued or it was cancelled. Called exactly once. */
  settled(ctx: RequestContext): void;
}

const ReplyState = {
  Open: 'open',
  /** `replyLater()` was called: the handler will reply by itself, whenever. */
  Later: 'later',
  Replied: 'replied',
  /** The server replied for the handler, from its return value or error. */
  AutoReplied: 'auto-replied',
  Cancelled: 'cancelled',
} as const;
type ReplyState = (typeof ReplyState)[keyof typeof ReplyState];

/**
 * One request being handled. Informs carry the request's name and mid; the reply is sent
 * exactly once: by `reply`/`informs`, or by the server from the handler's return value or
 * error. After `replyLater()` the server sends nothing when the handler returns: the request
 * stays pending (counted against `maxPending`, cancelled with `fail request cancelled` when the
 * client leaves or the server stops) until the handler replies.
 *
 * **No method of a context throws.** A call after the reply, after the server's automatic
 * reply, or after cancellation does nothing and is reported in one server log line (plus a
 * `#log error` to the client while the handler is still running, as aiokatcp sends); a value
 * that cannot be encoded fails the request with that reason. Misuse from a timer callback can
 * therefore never crash the process.
 *
 * ```ts
 * handler: (ctx) => {
 *   ctx.replyLater();
 *   ctx.inform('picking will take 2 seconds');
 *   setTimeout(() => ctx.reply('ok', 'apple'), 2000);
 * }
 * ```
 */
export class RequestContext {
  /** The request message. */
  readonly request: Message;
  readonly #channel: RequestChannel;
  readonly #observer: RequestObserver;
  // Made on first use of `signal`: most handlers never look at it, and a signal per request
  // costs more than the rest of a short request's handling.
  #abort: AbortController | undefined;
  // Set once, by cancel(): the request is aborted.
  #abortReason: Error | undefined;
  #state: ReplyState = ReplyState.Open;
  // Read from the message while its line is the one the parser scanned last: read later (a reply
  // after the handler awaited), a parsed message scans its line again, all 12 kB of a bulk
  // ?sensor-sampling.
  readonly #name: string;
  readonly #mid: number | undefined;

  /** @internal created by the server for each request */
  constructor(request: Message, channel: RequestChannel, observer: RequestObserver) {
    this.request = request;
    this.#channel = channel;
    this.#observer = observer;
    this.#name = request.name;
    this.#mid = request.mid;
  }

  /** The request name. */
  get name(): string {
    return this.#name;
  }

  /** The request's message id, if it had one. */
  get mid(): number | undefined {
    return this.#mid;
  }

  /** Where this request's informs and reply go (the requesting client). @internal */
  get channel(): RequestChannel {
    return this.#channel;
  }

  /** The requesting client's `host:port`. */
  get clientAddress(): string {
    return this.#channel.address;
  }

  /** Aborted when the request is cancelled: the server stops or the client disconnects. */
  get signal(): AbortSignal {
    if (this.#abort === undefined) {
      this.#abort = new AbortController();
      if (this.#abortReason !== undefined) this.#abort.abort(this.#abortReason);
    }
    return this.#abort.signal;
  }

  /** True once the request was cancelled (`signal` is aborted), without making the signal. @internal */
  get aborted(): boolean {
    return this.#abortReason !== undefined;
  }

  /** True once a reply has been sent (or the request was cancelled): later calls are refused. */
  get replied(): boolean {
    return this.#state !== ReplyState.Open && this.#state !== ReplyState.Later;
  }

  /** True once the request was cancelled before its reply (a client still connected got `fail request cancelled`). */
  get cancelled(): boolean {
    return this.#state === ReplyState.Cancelled;
  }

  /** True after `replyLater()` until the reply: the server is waiting for the handler to reply. */
  get awaitingReply(): boolean {
    return this.#state === ReplyState.Later;
  }

  /**
   * Tells the server that the handler replies by itself, possibly after it has returned (from a
   * timer or callback): the server then sends no reply when the handler returns. The handler
   * may send informs until it calls `reply` (or `informs`). Calling it again does nothing; after
   * the reply it is refused (reported, not thrown).
   */
  replyLater(): void {
    if (this.#state === ReplyState.Open) this.#state = ReplyState.Later;
    else if (this.#state !== ReplyState.Later) this.#refuse('replyLater');
  }

  /**
   * Sends the reply now: `reply('ok', 1, 2)` -> `!name[mid] ok 1 2`. The first argument is the
   * status (`ok`, `fail`, `invalid`). Never throws: after the reply or a cancellation the call
   * is refused and reported; when an argument cannot be encoded the reply is
   * `fail <why>` instead.
   */
  reply(status: string, ...args: unknown[]): void {
    if (this.replied) {
      this.#refuse('reply');
      return;
    }
    let msg: Message;
    try {
      msg = Message.replyTo(this.request, status, ...args);
    } catch (err) {
      this.#failUnencodable('reply', err);
      return;
    }
    this.#final(msg, ReplyState.Replied);
  }

  /**
   * Sends an inform that belongs to this request: `#name[mid] args...`. Never throws: after the
   * reply it is refused and reported; when an argument cannot be encoded the request fails with
   * `fail <why>`.
   */
  inform(...args: unknown[]): void {
    if (this.replied) {
      this.#refuse('inform');
      return;
    }
    let msg: Message;
    try {
      msg = Message.informReply(this.request, ...args);
    } catch (err) {
      this.#failUnencodable('inform', err);
      return;
    }
    this.#channel.send(msg);
  }

  /**
   * Sends one inform per row, then (unless `sendReply` is false) `!name[mid] ok <count>`.
   * Every row is encoded before anything is sent, so a bad value sends no row and fails the
   * request instead. Never throws (see {@link reply}).
   * @returns the number of informs sent
   */
  informs(rows: Iterable<readonly unknown[]>, opts: { sendReply?: boolean } = {}): number {
    if (this.replied) {
      this.#refuse('informs');
      return 0;
    }
    const msgs: Message[] = [];
    try {
      for (const row of rows) msgs.push(Message.informReply(this.request, ...row));
    } catch (err) {
      this.#failUnencodable('informs', err);
      return 0;
    }
    const n = msgs.length;
    if (opts.sendReply ?? true) {
      msgs.push(Message.replyTo(this.request, 'ok', n));
      this.#final(msgs, ReplyState.Replied);
    } else {
      for (const m of msgs) this.#channel.send(m);
    }
    return n;
  }

  /**
   * Sends ready-made messages, or already formatted lines, named and numbered for this request
   * (one, or an array of them).
   * @internal
   */
  sendRaw(msgs: Message | Buffer | readonly (Message | Buffer)[], final: boolean): void {
    if (this.replied) this.#refuse(final ? 'reply' : 'inform');
    else if (final) this.#final(msgs, ReplyState.Replied);
    else if (Array.isArray(msgs)) for (const m of msgs as readonly (Message | Buffer)[]) this.#channel.send(m);
    else this.#channel.send(msgs as Message | Buffer);
  }

  /**
   * The server's reply for the handler (from its return value or error); refused like `reply`
   * when the request is already answered. @internal
   */
  autoReply(msg: Message): void {
    if (this.replied) this.#refuse('reply');
    else this.#final(msg, ReplyState.AutoReplied);
  }

  /** Waits until the client has taken most of what was sent (use in long inform loops). */
  drain(): Promise<void> {
    return this.#channel.drain();
  }

  /**
   * Cancels the request: aborts `signal` and, if no reply was sent, replies
   * `fail request cancelled` (when `reply` is true). Later calls are refused. @internal
   */
  cancel(reason: Error, reply: boolean): void {
    const open = !this.replied;
    if (open) {
      this.#state = ReplyState.Cancelled;
      if (reply) this.#channel.send(Message.replyTo(this.request, 'fail', 'request cancelled'));
    }
    if (this.#abortReason === undefined) {
      this.#abortReason = reason;
      this.#abort?.abort(reason);
    }
    if (open) this.#observer.settled(this);
  }

  // One message is passed as it is: most replies are one, and need no array.
  #final(msgs: Message | Buffer | readonly (Message | Buffer)[], state: ReplyState): void {
    this.#observer.beforeReply(this);
    this.#state = state;
    if (Array.isArray(msgs)) for (const m of msgs as readonly (Message | Buffer)[]) this.#channel.send(m);
    else this.#channel.send(msgs as Message | Buffer);
    this.#observer.settled(this);
  }

  #failUnencodable(call: Refusal['call'], err: unknown): void {
    const why = errorText(err);
    // The handler's own call produced this reply, so later calls read "already replied to".
    this.#final(Message.replyTo(this.request, 'fail', why), ReplyState.Replied);
    const text = `${call === 'reply' ? 'the reply' : 'an inform'} of ${this.#label()} could not be encoded (${why}): the request failed`;
    this.#observer.refused(this, { call, reason: 'unencodable', text });
  }

  #refuse(call: Refusal['call']): void {
    const reason = this.#state;
    if (reason === ReplyState.Open || reason === ReplyState.Later) return;
    const what = call === 'replyLater' ? 'replyLater() has no effect' : `this ${call === 'reply' ? 'reply' : 'inform'} is dropped`;
    let text: string;
    if (reason === ReplyState.Cancelled) {
      text = `request ${this.#label()} was cancelled (${errorText(this.#abortReason)}); ${what}`;
    } else if (reason === ReplyState.AutoReplied) {
      text =
        `request ${this.#label()} has already been replied to by the server when its handler ended ` +
        `(call ctx.replyLater() to reply after returning); ${what}`;
    } else {
      text = `request ${this.#label()} has already been replied to; ${what}`;
    }
    this.#observer.refused(this, { call, reason, text });
  }

  #label(): string {
    return this.mid === undefined ? `?${this.name}` : `?${this.name}[${this.mid}]`;
  }
}
