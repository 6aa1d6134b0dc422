/**
 * An async iterator over pushed values with a bounded buffer, for `sensor.readings()`.
 * @module
 */
import { KatcpAbortError, KatcpError } from '../errors.js';

/** Options of a reading stream. */
export interface ReadingStreamOptions {
  /** Ends the iteration: a pending or later `next()` rejects with `KatcpAbortError`. */
  signal?: AbortSignal | undefined;
  /**
   * Most readings kept for a slow consumer (default 10 000). When it is exceeded the stream
   * delivers what it holds and then throws a `KatcpError` with code `KATCP_ERR_QUEUE_OVERFLOW`,
   * so a consumer never misses readings without knowing.
   */
  maxBuffer?: number | undefined;
}

/** A single-consumer async queue. */
export class ReadingStream<T> implements AsyncIterableIterator<T> {
  #queue: T[] = [];
  #waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  #failure: Error | undefined;
  #ended = false;
  #cleanup: (() => void) | undefined;
  readonly #max: number;

  /**
   * @param opts buffer bound and cancellation
   * @param onEnd called once when the stream ends for any reason (unsubscribe here)
   */
  constructor(opts: ReadingStreamOptions, onEnd: () => void) {
    this.#max = Math.max(1, opts.maxBuffer ?? 10_000);
    const signal = opts.signal;
    const abort = (): void => this.#fail(new KatcpAbortError('reading stream aborted', { cause: signal?.reason }));
    this.#cleanup = () => {
      signal?.removeEventListener('abort', abort);
      onEnd();
    };
    if (signal?.aborted === true) abort();
    else signal?.addEventListener('abort', abort, { once: true });
  }

  /** Add a value (ignored after the end). */
  push(value: T): void {
    if (this.#ended || this.#failure !== undefined) return;
    const w = this.#waiter;
    if (w !== undefined) {
      this.#waiter = undefined;
      w.resolve({ value, done: false });
      return;
    }
    if (this.#queue.length >= this.#max) {
      this.#failure = new KatcpError(`reading stream overflow: the consumer fell ${this.#max} readings behind`, 'KATCP_ERR_QUEUE_OVERFLOW');
      this.#finish();
      return;
    }
    this.#queue.push(value);
  }

  /** End normally: queued values are still delivered. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#finish();
    if (this.#waiter !== undefined && this.#queue.length === 0) {
      this.#waiter.resolve({ value: undefined, done: true });
      this.#waiter = undefined;
    }
  }

  #fail(err: Error): void {
    if (this.#ended || this.#failure !== undefined) return;
    this.#queue = [];
    this.#failure = err;
    this.#finish();
    if (this.#waiter !== undefined) {
      this.#waiter.reject(err);
      this.#waiter = undefined;
      this.#failure = undefined;
      this.#ended = true;
    }
  }

  #finish(): void {
    const c = this.#cleanup;
    this.#cleanup = undefined;
    c?.();
  }

  /** The next value; waits while none is queued. */
  next(): Promise<IteratorResult<T>> {
    if (this.#queue.length > 0) return Promise.resolve({ value: this.#queue.shift() as T, done: false });
    if (this.#failure !== undefined) {
      const err = this.#failure;
      this.#failure = undefined;
      this.#ended = true;
      return Promise.reject(err);
    }
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    if (this.#waiter !== undefined) return Promise.reject(new KatcpError('reading stream: next() called while another next() is pending', 'KATCP_ERR_STATE'));
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** Stop iterating (`break` in `for await`): unsubscribes and discards queued values. */
  return(): Promise<IteratorResult<T>> {
    this.#queue = [];
    this.#failure = undefined;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
