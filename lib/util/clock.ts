/**
 * Injected time. Every class that waits or timestamps takes a {@link Clock} so tests can
 * drive time with a virtual clock instead of sleeping.
 * @module
 */

/** An opaque handle returned by {@link Clock.setTimer}. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/** Wall-clock time and timers. */
export interface Clock {
  /** Current wall-clock time in seconds since the Unix epoch (like Python's `time.time()`). */
  now(): number;
  /** Monotonic time in milliseconds (only differences are meaningful). */
  monotonic(): number;
  /** Run `fn` once after `ms` milliseconds. */
  setTimer(fn: () => void, ms: number): TimerHandle;
  /** Cancel a timer; unknown or already-fired handles are ignored. */
  clearTimer(handle: TimerHandle | undefined): void;
  /**
   * Optional: whether a timer keeps the process alive (Node's `ref()` / `unref()`; timers start
   * referenced). A clock without it has its timers cleared where they would be unreferenced.
   */
  refTimer?(handle: TimerHandle, ref: boolean): void;
}

/** The real clock: `Date.now()`, `performance.now()` and Node timers (unref'd is up to callers). */
export const systemClock: Clock = {
  now: () => Date.now() / 1000,
  monotonic: () => performance.now(),
  setTimer: (fn, ms) => setTimeout(fn, Math.max(0, Math.min(ms, 2_147_483_647))),
  clearTimer: (handle) => {
    if (handle !== undefined) clearTimeout(handle as unknown as ReturnType<typeof setTimeout>);
  },
  refTimer: (handle, ref) => {
    const timer = handle as unknown as ReturnType<typeof setTimeout>;
    if (ref) timer.ref();
    else timer.unref();
  },
};

/** Sleep on a clock, cancellable by an `AbortSignal` (rejects with the signal's reason). */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clock.clearTimer(handle);
      reject(signal?.reason as Error);
    };
    const handle = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
