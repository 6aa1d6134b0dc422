/**
 * {@link SamplingLock}: one `?sensor-sampling` at a time per client, without a promise when the
 * lock is free and the work is synchronous (most requests name one sensor).
 * @module
 */

/** A FIFO lock whose holder may be synchronous. */
export class SamplingLock {
  #held = false;
  // > 0 while a holder's work runs (not while the lock passes to the next waiter).
  #depth = 0;
  // Callers waiting for the lock, in order; the lock passes from one to the next without being freed.
  readonly #waiters: (() => void)[] = [];

  /** True while a holder's work is running. */
  get active(): boolean {
    return this.#depth > 0;
  }

  /**
   * Runs `fn` holding the lock. When the lock is free and `fn` is synchronous, so is this (its
   * value or its exception); otherwise it returns a promise. A failure releases the lock too.
   */
  run<T>(fn: () => Promise<T> | T): Promise<T> | T {
    if (this.#held) return new Promise<void>((resolve) => this.#waiters.push(resolve)).then(() => this.#runHeld(fn));
    this.#held = true;
    return this.#runHeld(fn);
  }

  #runHeld<T>(fn: () => Promise<T> | T): Promise<T> | T {
    this.#depth++;
    let result: Promise<T> | T;
    try {
      result = fn();
    } catch (err) {
      this.#release();
      throw err;
    }
    if (!(result instanceof Promise)) {
      this.#release();
      return result;
    }
    return result.finally(() => this.#release());
  }

  #release(): void {
    this.#depth--;
    const next = this.#waiters.shift();
    if (next !== undefined) next();
    else this.#held = false;
  }
}
