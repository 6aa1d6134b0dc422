/**
 * Per-call `{timeout, signal}` options: one helper turns them into a single cancellation.
 * @module
 */
import { KatcpAbortError, KatcpTimeoutError } from '../errors.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';

/** Options accepted by every asynchronous call: a timeout in milliseconds and/or an AbortSignal. */
export interface CallOptions {
  /** Milliseconds before the call fails with `KatcpTimeoutError`; undefined or Infinity waits forever. */
  timeout?: number | undefined;
  /** Cancels the call; it then fails with `KatcpAbortError` (cause: the signal's reason). */
  signal?: AbortSignal | undefined;
}

/** True when `x` is a plain object usable as trailing per-call options (KATCP arguments never are). */
export function isCallOptions(x: unknown): x is CallOptions {
  if (x === null || typeof x !== 'object') return false;
  const proto = Object.getPrototypeOf(x) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Race `work` against a timeout and an abort signal. `onCancel` runs (once) when the timeout or
 * abort wins, so the caller can clean up (e.g. drop a pending request).
 */
export function withCancel<T>(
  work: Promise<T>,
  opts: CallOptions & { what?: string; clock?: Clock; onCancel?: (err: Error) => void },
): Promise<T> {
  const { timeout, signal, what = 'operation', clock = systemClock, onCancel } = opts;
  const hasTimeout = timeout !== undefined && Number.isFinite(timeout);
  if (!hasTimeout && signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const finish = (): void => {
      done = true;
      clock.clearTimer(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const cancel = (err: Error): void => {
      if (done) return;
      finish();
      onCancel?.(err);
      reject(err);
    };
    const onAbort = (): void => {
      cancel(new KatcpAbortError(`${what} aborted`, { cause: signal?.reason }));
    };
    const timer = hasTimeout
      ? clock.setTimer(() => cancel(new KatcpTimeoutError(`${what} timed out after ${timeout} ms`)), timeout)
      : undefined;
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        if (done) return;
        finish();
        resolve(v);
      },
      (e: unknown) => {
        if (done) return;
        finish();
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- pass the work's own rejection through unchanged
        reject(e);
      },
    );
  });
}
