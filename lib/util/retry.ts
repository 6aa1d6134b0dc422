/**
 * The one retry mechanism of the project: run an attempt under `p-retry`, waiting between
 * failures for delays chosen by a {@link RetryPolicy} and awaited on the injected {@link Clock}
 * (p-retry's own delay is zero), so tests advance a virtual clock instead of sleeping. The
 * Client's reconnect loop and the inspecting client's resync loop both run on it.
 * @module
 */
import pRetry from 'p-retry';
import { sleep } from './clock.js';
import type { Clock } from './clock.js';

/** Chooses the wait after each failure, and forgets its history after a success. */
export interface RetryPolicy {
  /**
   * The wait in ms before the next attempt, after failure number `attempt` (1 for the first
   * failure since the start or the last {@link reset}); `false` gives up (the run rejects with
   * `error`).
   */
  nextDelay(attempt: number, error: Error): number | false;
  /** A success: the next failure is number 1 again and delays start small. */
  reset(): void;
}

/** What an attempt is told. */
export interface RetryAttempt {
  /** Failures since the start or the last success, plus one. */
  readonly number: number;
  /**
   * Count this attempt as a success so far (e.g. a connection was made) although it has not
   * returned: the policy is {@link RetryPolicy.reset reset} and failure numbers restart at 1.
   */
  succeeded(): void;
}

/** Options of {@link retry}. */
export interface RetryOptions {
  /** The delays. */
  policy: RetryPolicy;
  /** Where the delays are awaited. */
  clock: Clock;
  /** Stops the run: a wait in progress ends at once and the run rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /**
   * Called after each failure, before the wait (not when the policy gives up or the signal is
   * aborted). An exception thrown here ends the run with it.
   */
  onRetry?: ((error: Error, attempt: number, delay: number) => void) | undefined;
}

/**
 * Run `attempt` until it resolves, waiting `policy.nextDelay(n, error)` ms on `clock` after each
 * failure. Resolves with the attempt's value (the policy is then reset); rejects with the last
 * error when the policy returns `false` or throws, or with the signal's reason when aborted.
 * `attempt` is called synchronously for the first time.
 */
export function retry<T>(attempt: (ctx: RetryAttempt) => Promise<T>, opts: RetryOptions): Promise<T> {
  const { policy, clock, signal, onRetry } = opts;
  let failures = 0;
  const reset = (): void => {
    failures = 0;
    policy.reset();
  };
  return pRetry(
    async () => {
      const value = await attempt({ number: failures + 1, succeeded: reset });
      reset();
      return value;
    },
    {
      retries: Infinity,
      minTimeout: 0,
      factor: 1,
      signal,
      // p-retry would rethrow a plain TypeError without asking; the policy decides here instead.
      shouldConsumeRetry: () => false,
      onFailedAttempt: async ({ error }) => {
        if (signal?.aborted) throw signal.reason as Error;
        const delay = policy.nextDelay(++failures, error);
        if (delay === false || !(delay >= 0)) throw error;
        onRetry?.(error, failures, delay);
        await sleep(clock, delay, signal);
      },
    },
  );
}

/** A policy from a plain function of the attempt number, with nothing to reset. */
export function policyOf(nextDelay: (attempt: number, error: Error) => number | false): RetryPolicy {
  return { nextDelay, reset: () => undefined };
}
