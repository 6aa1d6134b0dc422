/**
 * The {@link RequestContext} handed to every request handler: informs that belong to the
 * request, an early (or later) reply, back-pressure, and cancellation.
 * @module
 */
import { Message } from '../codec/message.js';
import { KatcpError } from '../errors.js';

/** Where a request's informs and reply go (the client connection). */
export interface RequestChannel {
  /** The client's `host:port`. */
  readonly address: string;
  /** Queue a message, or already formatted lines, for the client (order is preserved). */
  send(msg: Message | Buffer): void;
  /** Wait until the client's write backlog is small again. */
  drain(): Promise<void>;
}

const RequestState = { Open: 'open', Replied: 'replied', Cancelled: 'cancelled' } as const;
type RequestState = (typeof RequestState)[keyof typeof RequestState];

/**
 * One request being handled. Informs carry the request's name and mid; the reply is sent
 * exactly once (by `reply`/`informs`, or by the server from the handler's return value or error).
 *
 * ```ts
 * handler: async (ctx, count) => {
 *   for (let i = 0; i < count; i++) ctx.inform('progress', i);
 *   return count;               // !name ok <count>
 * }
 * ```
 */
export class RequestContext {
  /** The request message. */
  readonly request: Message;
  readonly #channel: RequestChannel;
  readonly #abort = new AbortController();
  #state: RequestState = RequestState.Open;

  /** @internal created by the server for each request */
  constructor(request: Message, channel: RequestChannel) {
    this.request = request;
    this.#channel = channel;
  }

  /** The request name. */
  get name(): string {
    return this.request.name;
  }

  /** The request's message id, if it had one. */
  get mid(): number | undefined {
    return this.request.mid;
  }

  /** The requesting client's `host:port`. */
  get clientAddress(): string {
    return this.#channel.address;
  }

  /** Aborted when the request is cancelled: the server stops or the client disconnects. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** True once a reply has been sent (or the request was cancelled). */
  get replied(): boolean {
    return this.#state !== RequestState.Open;
  }

  /** True once the request was cancelled (its reply, if any, was `fail request cancelled`). */
  get cancelled(): boolean {
    return this.#state === RequestState.Cancelled;
  }

  /**
   * Sends the reply now: `reply('ok', 1, 2)` -> `!name[mid] ok 1 2`. The first argument is the
   * status (`ok`, `fail`, `invalid`). After a cancellation this does nothing.
   * @throws KatcpError when already replied; KatcpTypeError for an argument that cannot be encoded
   */
  reply(status: string, ...args: unknown[]): void {
    if (!this.#checkOpen()) return;
    const msg = Message.replyTo(this.request, status, ...args);
    this.#state = RequestState.Replied;
    this.#channel.send(msg);
  }

  /**
   * Sends an inform that belongs to this request: `#name[mid] args...`.
   * @throws KatcpError after the reply; KatcpTypeError for an argument that cannot be encoded
   */
  inform(...args: unknown[]): void {
    if (!this.#checkOpen()) return;
    this.#channel.send(Message.informReply(this.request, ...args));
  }

  /**
   * Sends one inform per row, then (unless `sendReply` is false) `!name[mid] ok <count>`.
   * Every row is encoded before anything is sent, so a bad value sends nothing.
   * @returns the number of informs
   * @throws KatcpError after the reply; KatcpTypeError for a value that cannot be encoded
   */
  informs(rows: Iterable<readonly unknown[]>, opts: { sendReply?: boolean } = {}): number {
    if (!this.#checkOpen()) return 0;
    const msgs: Message[] = [];
    for (const row of rows) msgs.push(Message.informReply(this.request, ...row));
    const n = msgs.length;
    if (opts.sendReply ?? true) {
      msgs.push(Message.replyTo(this.request, 'ok', n));
      this.#state = RequestState.Replied;
    }
    for (const m of msgs) this.#channel.send(m);
    return n;
  }

  /**
   * Sends ready-made messages, or already formatted lines, named and numbered for this request.
   * @internal
   */
  sendRaw(msgs: readonly (Message | Buffer)[], final: boolean): void {
    if (!this.#checkOpen()) return;
    if (final) this.#state = RequestState.Replied;
    for (const m of msgs) this.#channel.send(m);
  }

  /** Waits until the client has taken most of what was sent (use in long inform loops). */
  drain(): Promise<void> {
    return this.#channel.drain();
  }

  /**
   * Cancels the request: aborts `signal` and, if no reply was sent, replies
   * `fail request cancelled` (when `reply` is true). Later replies are ignored. @internal
   */
  cancel(reason: Error, reply: boolean): void {
    const open = this.#state === RequestState.Open;
    this.#state = RequestState.Cancelled;
    if (open && reply) this.#channel.send(Message.replyTo(this.request, 'fail', 'request cancelled'));
    this.#abort.abort(reason);
  }

  #checkOpen(): boolean {
    if (this.#state === RequestState.Open) return true;
    if (this.#state === RequestState.Cancelled) return false;
    throw new KatcpError(`request ?${this.request.name} has already been replied to`, 'KATCP_ERR_ALREADY_REPLIED');
  }
}
