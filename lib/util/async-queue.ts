/**
 * A bounded single-consumer queue exposed as an async iterator, with abort support: the
 * mechanism behind `Client.informs()` and the resource layer's `sensor.readings()`.
 * @module
 */
import { KatcpAbortError, KatcpError, KatcpErrorCode } from '../errors.js';

/** What an {@link AsyncQueue} does when its consumer falls `highWaterMark` items behind. */
export type OverflowPolicy = 'error' | 'drop-oldest';

/** Options of an {@link AsyncQueue}. */
export interface AsyncQueueOptions {
  /** Ends the iteration; a pending or later `next()` rejects with `KatcpAbortError`. */
  signal?: AbortSignal | undefined;
  /** Most items held for a slow consumer (default 10 000). */
  highWaterMark?: number | undefined;
  /**
   * On overflow: `'error'` (default) delivers what is queued and then throws a `KatcpError` with
   * code `KATCP_ERR_QUEUE_OVERFLOW`, so the consumer knows data was lost; `'drop-oldest'`
   * discards the oldest item and keeps going (count in `dropped`).
   */
  overflow?: OverflowPolicy | undefined;
}

/** How a queue names itself in the errors it raises. */
export interface AsyncQueueLabels {
  /** The queue, e.g. `inform stream`. */
  readonly what: string;
  /** Its items in the overflow message, e.g. `items`. */
  readonly items: string;
  /** Code of the error for a `next()` made while another is pending (default `KATCP_ERR`). */
  readonly misuseCode?: KatcpErrorCode | undefined;
}

const DEFAULT_LABELS: AsyncQueueLabels = { what: 'async queue', items: 'items' };

interface Waiter<T> {
  resolve: (r: IteratorResult<T>) => void;
  reject: (e: unknown) => void;
}

/**
 * Producers {@link push}, one consumer iterates (`for await`). Ends normally with {@link end}
 * (queued items are still delivered), at once when the signal aborts, or with an overflow error
 * after the queued items; `return()` (a `break`) discards the queue.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  #items: T[] = [];
  #head = 0;
  #waiter: Waiter<T> | undefined;
  #error: Error | undefined;
  #done = false;
  #onClose: ((queue: AsyncQueue<T>) => void) | undefined;
  #signal: AbortSignal | undefined;
  #onAbort: (() => void) | undefined;
  readonly #highWaterMark: number;
  readonly #overflow: OverflowPolicy;
  readonly #labels: AsyncQueueLabels;
  /** Items discarded by the `drop-oldest` policy. */
  dropped = 0;

  /**
   * @param opts bounds and cancellation
   * @param onClose called once with the queue when it stops accepting items for any reason
   *   (unsubscribe here); for an already aborted signal that is during construction
   * @param labels how the queue names itself in its errors
   */
  constructor(opts: AsyncQueueOptions = {}, onClose?: (queue: AsyncQueue<T>) => void, labels: AsyncQueueLabels = DEFAULT_LABELS) {
    this.#highWaterMark = Math.max(1, opts.highWaterMark ?? 10_000);
    this.#overflow = opts.overflow ?? 'error';
    this.#labels = labels;
    this.#onClose = onClose;
    const signal = opts.signal;
    if (signal !== undefined) {
      const abort = (): void => this.#fail(new KatcpAbortError(`${labels.what} aborted`, { cause: signal.reason }));
      if (signal.aborted) abort();
      else {
        this.#signal = signal;
        this.#onAbort = abort;
        signal.addEventListener('abort', abort, { once: true });
      }
    }
  }

  /** True once the queue stopped accepting items (ended, failed, aborted or overflowed). */
  get isClosed(): boolean {
    return this.#done || this.#error !== undefined;
  }

  /** Items waiting for the consumer. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Add an item (ignored once the queue has ended or failed). */
  push(item: T): void {
    if (this.#done || this.#error !== undefined) return;
    const w = this.#waiter;
    if (w !== undefined) {
      this.#waiter = undefined;
      w.resolve({ value: item, done: false });
      return;
    }
    if (this.length >= this.#highWaterMark) {
      if (this.#overflow === 'drop-oldest') {
        this.#head++;
        this.dropped++;
      } else {
        const { what, items } = this.#labels;
        this.#error = new KatcpError(`${what} overflow: the consumer fell ${this.#highWaterMark} ${items} behind`, KatcpErrorCode.QueueOverflow);
        this.#release();
        return;
      }
    }
    this.#items.push(item);
  }

  /** End normally: queued items are still delivered, then iteration stops. */
  end(): void {
    if (this.#done) return;
    this.#done = true;
    this.#release();
    const w = this.#waiter;
    if (w !== undefined && this.length === 0) {
      this.#waiter = undefined;
      w.resolve({ value: undefined, done: true });
    }
  }

  /** Fail at once: queued items are discarded and the consumer gets `err`. */
  #fail(err: Error): void {
    if (this.#error !== undefined || this.#done) return;
    this.#error = err;
    this.#items = [];
    this.#head = 0;
    this.#release();
    const w = this.#waiter;
    if (w !== undefined) {
      // Reported now, so later next() calls just see the end.
      this.#waiter = undefined;
      this.#error = undefined;
      this.#done = true;
      w.reject(err);
    }
  }

  #release(): void {
    if (this.#onAbort !== undefined) this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#onAbort = undefined;
    this.#signal = undefined;
    const cb = this.#onClose;
    this.#onClose = undefined;
    cb?.(this);
  }

  /** Next item; waits while the queue is empty. */
  next(): Promise<IteratorResult<T>> {
    if (this.length > 0) {
      const value = this.#items[this.#head] as T;
      this.#items[this.#head] = undefined as T;
      this.#head++;
      if (this.#head === this.#items.length) {
        this.#items = [];
        this.#head = 0;
      } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    const err = this.#error;
    if (err !== undefined) {
      // Report a failure once, then behave as ended.
      this.#error = undefined;
      this.#done = true;
      return Promise.reject(err);
    }
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    if (this.#waiter !== undefined) {
      return Promise.reject(new KatcpError(`${this.#labels.what}: next() called while another next() is pending`, this.#labels.misuseCode));
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** Stop iterating (a `break` in `for await` calls this): unsubscribes and discards the queue. */
  return(): Promise<IteratorResult<T>> {
    this.#items = [];
    this.#head = 0;
    this.#error = undefined;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** The queue is its own iterator. */
  [Symbol.asyncIterator](): this {
    return this;
  }
}
