/**
 * One outstanding request of the {@link RequestTracker}: the table entry, the deadline entry and
 * (for promise requests) the promise's settle functions in one object, so a request allocates
 * no listener object and no closures; and the request line as it goes on the wire.
 * @module
 */
import { MessageType, createMessageUnchecked } from '../codec/message.js';
import type { Message } from '../codec/message.js';
import type { Connection } from '../connection.js';
import type { TimerHandle } from '../util/clock.js';
import type { RawRequestResult, RequestResult } from './reply.js';

/** Receives the outcome of one request. */
export interface RequestListener {
  /** Each inform of the request as it arrives (when absent, informs are collected). */
  onInform?: ((msg: Message) => void) | undefined;
  /** Called exactly once: with the reply and collected informs, or with an error. */
  onDone(err: Error | undefined, reply: Message | undefined, informs: Message[]): void;
}

/** Where requests are written: a connection (its `send` batches the writes of one tick). */
export type RequestSink = Pick<Connection, 'send'>;

/** Waiting for its turn (same name, no message ids). */
export const QUEUED = 0;
/** Written, waiting for the reply. */
export const SENT = 1;
/** Timed out or aborted without a message id: swallows the late reply of its name. */
export const STALE = 2;

/** How a promise request's reply is handed over: as received, or interpreted (`ok`/`fail`). */
export type Settlement = 'raw' | 'interpreted';

/** The table entry of one request (fields are the tracker's; the deadline ones its queue's). */
export class PendingRequest {
  informs: Message[] = [];
  resolve: ((result: RawRequestResult | RequestResult) => void) | undefined = undefined;
  reject: ((err: Error) => void) | undefined = undefined;
  mid: number | undefined = undefined;
  phase: number = QUEUED;
  /** Monotonic ms of the timeout (Infinity: none); timed by the tracker's DeadlineQueue. */
  deadline = Infinity;
  queued = false;
  /** The grace timer of a stale entry. */
  timer: TimerHandle | undefined = undefined;
  /** Monotonic ms when the request went out (for the latency statistics). */
  sentAt = 0;
  onAbort: (() => void) | undefined = undefined;
  /** True when a promise request's reply is to be interpreted (`ok` resolves, `fail` rejects). */
  interpret = false;

  /** The request's name. */
  readonly name: string;
  /** Its encoded arguments. */
  readonly args: Buffer[];
  readonly listener: RequestListener | undefined;
  readonly onInform: ((msg: Message) => void) | undefined;
  readonly timeout: number;
  readonly sink: RequestSink;
  signal: AbortSignal | undefined;

  constructor(
    name: string,
    args: Buffer[],
    listener: RequestListener | undefined,
    onInform: ((msg: Message) => void) | undefined,
    timeout: number,
    signal: AbortSignal | undefined,
    sink: RequestSink,
  ) {
    this.name = name;
    this.args = args;
    this.listener = listener;
    this.onInform = onInform;
    this.timeout = timeout;
    this.signal = signal;
    this.sink = sink;
  }

  /**
   * Write the request with message id `mid` (undefined: none). The message is built here, once,
   * from the name and arguments: the id was checked when it was allocated, and `withMid` would
   * build the text of an error it cannot raise for every request.
   */
  send(mid: number | undefined): void {
    this.sink.send(createMessageUnchecked(MessageType.Request, this.name, this.args, mid));
  }
}

// The request whose promise is being made: the executor is one function for all requests
// rather than a closure per request.
let capturing: PendingRequest | undefined;

function capture(resolve: (result: RawRequestResult | RequestResult) => void, reject: (err: Error) => void): void {
  const p = capturing as PendingRequest;
  p.resolve = resolve;
  p.reject = reject;
}

/** A promise settled through `p.resolve` and `p.reject`. */
export function promiseOf<T extends RawRequestResult | RequestResult>(p: PendingRequest): Promise<T> {
  capturing = p;
  const promise = new Promise(capture);
  capturing = undefined;
  return promise as Promise<T>;
}
