/**
 * Reconnect policies: how long a client sleeps before its next connection attempt.
 * @module
 */

/**
 * Decides the wait before reconnection attempt number `attempt` (1 for the first retry after a
 * failure or a lost connection; it restarts at 1 after every successful connection). Returns a
 * delay in milliseconds, or `false` to stop reconnecting (the client then closes).
 */
export type ReconnectPolicy = (attempt: number, cause: Error) => number | false;

/** Parameters of {@link exponentialBackoff}; times in milliseconds. */
export interface ExponentialBackoffOptions {
  /** Base backoff before doubling (default 500 ms, as aiokatcp). */
  initial?: number;
  /** Largest backoff (default 60 000 ms). */
  max?: number;
  /** Growth factor per attempt (default 2). */
  factor?: number;
  /** Give up after this many consecutive failed attempts (default Infinity: never). */
  maxAttempts?: number;
  /** Source of uniform randomness in [0, 1) (default Math.random); inject it for tests. */
  random?: () => number;
}

/**
 * aiokatcp's randomised exponential backoff (2.1.0 and later): the backoff `b` doubles on every
 * attempt, starting from `2 * initial` and capped at `max`, and the actual wait is uniform in
 * `[b/2, b]`. With the defaults successive waits fall in [0.5,1], [1,2], [2,4] ... [30,60] s.
 * The random spread stops many clients of one restarted device from reconnecting in lockstep.
 */
export function exponentialBackoff(opts: ExponentialBackoffOptions = {}): ReconnectPolicy {
  const { initial = 500, max = 60_000, factor = 2, maxAttempts = Infinity, random = Math.random } = opts;
  if (!(initial > 0) || !(max >= initial) || !(factor >= 1)) {
    throw new RangeError(`invalid backoff parameters: initial=${initial} max=${max} factor=${factor}`);
  }
  return (attempt: number): number | false => {
    if (attempt > maxAttempts) return false;
    const backoff = Math.min(initial * factor ** Math.max(1, attempt), max);
    return (backoff / 2) * (1 + random());
  };
}

/** The default policy: {@link exponentialBackoff} with aiokatcp's numbers (0.5 s doubling to 60 s). */
export const defaultReconnectPolicy: ReconnectPolicy = exponentialBackoff();

/**
 * The wait before retry `attempt` (1, 2, ...) of a failed sensor-sync round (listing or
 * sampling): 500 ms doubling to 30 s, without jitter since only this client's own work waits.
 */
export function sensorSyncRetryDelay(attempt: number): number {
  return Math.min(30_000, 500 * 2 ** (attempt - 1));
}
