/**
 * Promise waiters on a changing value: each waiter resolves the first time its predicate holds
 * (also for transient values), rejects on timeout, abort or close, and never leaks.
 * @module
 */
import { ConnectionClosedError } from '../errors.js';
import type { CallOptions } from '../util/abort.js';
import { withCancel } from '../util/abort.js';
import type { Clock } from '../util/clock.js';
import { deferred } from '../util/deferred.js';
import type { Deferred } from '../util/deferred.js';

interface Waiter<V> {
  readonly test: (value: V) => boolean;
  readonly done: Deferred<V>;
}

/** A set of pending waits on values pushed with {@link Waiters.update}. */
export class Waiters<V> {
  #waiters = new Set<Waiter<V>>();
  #closedError: Error | undefined;
  #clock: Clock | undefined;

  /** @param clock clock for timeouts (defaults to the system clock) */
  constructor(clock?: Clock) {
    this.#clock = clock;
  }

  /** Number of pending waiters (for leak checks). */
  get size(): number {
    return this.#waiters.size;
  }

  /**
   * Wait until `test(value)` holds. `current` is tested at once. Rejects with
   * `KatcpTimeoutError` / `KatcpAbortError` per `opts`, or the close error after {@link close}.
   */
  wait(current: V, test: (value: V) => boolean, opts: CallOptions & { what?: string } = {}): Promise<V> {
    if (test(current)) return Promise.resolve(current);
    if (this.#closedError !== undefined) return Promise.reject(this.#closedError);
    const waiter: Waiter<V> = { test, done: deferred<V>() };
    this.#waiters.add(waiter);
    return withCancel(waiter.done.promise, {
      timeout: opts.timeout,
      signal: opts.signal,
      what: opts.what ?? 'wait',
      clock: this.#clock,
      onCancel: () => this.#waiters.delete(waiter),
    });
  }

  /** Offer a new value: every waiter whose predicate holds resolves with it. */
  update(value: V): void {
    for (const w of this.#waiters) {
      let ok = false;
      try {
        ok = w.test(value);
      } catch (err) {
        this.#waiters.delete(w);
        w.done.reject(err);
        continue;
      }
      if (ok) {
        this.#waiters.delete(w);
        w.done.resolve(value);
      }
    }
  }

  /** Accept new waiters again after {@link close}. */
  reopen(): void {
    this.#closedError = undefined;
  }

  /** Reject every pending waiter (and every later one, until {@link reopen}) with `err`. */
  close(err: Error = new ConnectionClosedError('closed')): void {
    this.#closedError = err;
    for (const w of this.#waiters) w.done.reject(err);
    this.#waiters.clear();
  }
}

/**
 * Run `fn` under the caller's `{timeout, signal}`: `fn` receives a signal that aborts when the
 * call times out, is aborted, or finishes, so the inner waits it starts never outlive the call.
 * The call rejects with `KatcpTimeoutError` / `KatcpAbortError` as {@link withCancel} does.
 */
export async function scoped<T>(
  opts: CallOptions,
  clock: Clock | undefined,
  what: string,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const ctl = new AbortController();
  if (opts.signal?.aborted === true) ctl.abort(opts.signal.reason);
  const work = fn(ctl.signal);
  // The inner promise rejects after a cancellation, when nobody listens to it any more.
  work.catch(() => undefined);
  try {
    return await withCancel(work, { timeout: opts.timeout, signal: opts.signal, what, clock, onCancel: (err) => ctl.abort(err) });
  } finally {
    ctl.abort();
  }
}
