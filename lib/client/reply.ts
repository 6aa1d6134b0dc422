/**
 * Interpreting replies, and the small helpers shared by the request methods.
 * @module
 */
import type { Message } from '../codec/message.js';
import { FailReply, InvalidReply } from '../errors.js';
import { isCallOptions } from '../util/abort.js';
import type { ClientLogger } from './logger.js';
import type { RequestOptions } from './options.js';
import type { RequestListener } from './requests.js';

/** A reply whose first argument was `ok`: the remaining arguments and the request's informs. */
export interface RequestResult {
  /** The reply arguments after `ok`, as raw bytes. */
  reply: Buffer[];
  /** The informs that belonged to the request. */
  informs: Message[];
}

/** A reply as received, uninterpreted, with the request's informs. */
export interface RawRequestResult {
  reply: Message;
  informs: Message[];
}

/**
 * `ok` -> the remaining arguments; `fail` -> FailReply(second argument, '' if absent);
 * anything else, including an empty reply -> InvalidReply. Non-UTF-8 text is decoded with U+FFFD.
 */
export function interpretReply(requestName: string, reply: Message, informs: Message[]): RequestResult {
  const count = reply.argCount;
  // Arguments are built as Buffers only when there are some after `ok`.
  if (reply.argIs(0, 'ok')) return { reply: count > 1 ? reply.arguments.slice(1) : [], informs };
  const code = reply.arg(0);
  const text = reply.arg(1);
  if (code === 'fail') throw new FailReply(text, { requestName, reply });
  throw new InvalidReply(text === '' && count === 0 ? `empty reply to ?${requestName}` : text, { requestName, reply });
}

/**
 * The listener of one promise-returning request: settles {@link ReplyListener.promise} with the
 * raw reply and informs, or the error. One object per request instead of a bag of closures.
 */
export class ReplyListener implements RequestListener {
  /** Settled when the request is done. */
  readonly promise: Promise<RawRequestResult>;
  readonly onInform: ((msg: Message) => void) | undefined;
  #resolve!: (result: RawRequestResult) => void;
  #reject!: (err: Error) => void;

  /**
   * @param requestName for the log line when `onInform` throws
   * @param onInform the caller's inform callback (its exceptions are logged, not thrown)
   * @param logger receives those exceptions
   */
  constructor(requestName: string, onInform: ((msg: Message) => void) | undefined, logger: ClientLogger) {
    this.promise = new Promise<RawRequestResult>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.onInform =
      onInform === undefined
        ? undefined
        : (inform) => {
            try {
              onInform(inform);
            } catch (err) {
              logger.error(`the onInform callback of ?${requestName} threw`, err);
            }
          };
  }

  /** The request ended: with the reply and its informs, or with `err`. */
  onDone(err: Error | undefined, reply: Message | undefined, informs: Message[]): void {
    if (err !== undefined) this.#reject(err);
    else this.#resolve({ reply: reply as Message, informs });
  }
}

/** Split `...args` into KATCP arguments and trailing per-call options (a plain object). */
export function splitCallOptions(rest: unknown[]): [unknown[], RequestOptions] {
  const last = rest[rest.length - 1];
  if (rest.length > 0 && isCallOptions(last)) return [rest.slice(0, -1), last];
  return [rest, {}];
}

/**
 * Append the stack of the code that issued a request to an error that was created elsewhere
 * (a socket callback or a timer), so the failure points at the caller. Must be called inside an
 * async function after an await, where V8 records the awaiting callers.
 */
export function appendCallerStack(err: unknown): void {
  if (!(err instanceof Error) || typeof err.stack !== 'string') return;
  const here = new Error('issued at').stack;
  if (here === undefined) return;
  const frames = here.split('\n').slice(2).join('\n');
  if (frames !== '') err.stack = `${err.stack}\n  --- request issued at ---\n${frames}`;
}
