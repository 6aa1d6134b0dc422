/**
 * Interpreting replies, and the small helpers shared by the request methods.
 * @module
 */
import type { Message } from '../codec/message.js';
import { FailReply, InvalidReply } from '../errors.js';

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
 * The rejection handler of a request's promise: appends the stack of the code that issued the
 * request to an error that was created elsewhere (a socket callback or a timer), so the failure
 * points at the caller, and rethrows it. V8 records the awaiting callers of the promise this
 * handler settles, so the frames appended are theirs (`at async caller`).
 */
export function rethrowWithCallerStack(err: unknown): never {
  if (err instanceof Error && typeof err.stack === 'string') {
    const here = new Error('issued at').stack;
    // The first line is the message, the second this function.
    const frames = here === undefined ? '' : here.split('\n').slice(2).join('\n');
    if (frames !== '') err.stack = `${err.stack}\n  --- request issued at ---\n${frames}`;
  }
  throw err;
}
