/**
 * The retry loop of the client's background sensor work (the watchers' listing in
 * sensor-monitor.ts, the strategies in sensor-sampling-engine.ts), on the project's one retry
 * mechanism (util/retry.ts, p-retry): a failed attempt is retried after
 * {@link sensorSyncRetryDelay}, awaited on the client's clock, and a wait between attempts can be
 * cut short when a reconnection or disconnection makes it moot.
 * @module
 */
import { retry } from '../util/retry.js';
import type { RetryPolicy } from '../util/retry.js';
import { sensorSyncRetryDelay } from './backoff.js';
import type { Client } from './client.js';

/** One loop at a time: {@link run} while not {@link running}. */
export class SyncRetry {
  readonly #client: Client;
  readonly #what: string;
  #running = false;
  /** Stops the retry of the current run; aborted only while it waits between attempts. */
  #ctl: AbortController | undefined;
  #waiting = false;

  /**
   * @param client for the clock and the logger
   * @param what names the work in the log line of a retry (`sensor sync failed (retrying ...)`)
   */
  constructor(client: Client, what: string) {
    this.#client = client;
    this.#what = what;
  }

  /** True from {@link run} until it resolves. */
  get running(): boolean {
    return this.#running;
  }

  /** End a wait between attempts at once (a new connection has its own work, or none is coming). */
  cutWait(): void {
    if (this.#waiting) this.#ctl?.abort();
  }

  /**
   * Run `attempt` until it resolves, retrying a failure while `keepTrying()` holds. Resolves once
   * done, given up or cut short; never rejects (the next run does what is left).
   */
  async run(attempt: () => Promise<void>, keepTrying: () => boolean): Promise<void> {
    this.#running = true;
    const ctl = new AbortController();
    this.#ctl = ctl;
    const policy: RetryPolicy = { nextDelay: (n) => (keepTrying() ? sensorSyncRetryDelay(n) : false), reset: () => undefined };
    try {
      await retry(
        () => {
          this.#waiting = false;
          return attempt();
        },
        {
          policy,
          clock: this.#client.clock,
          signal: ctl.signal,
          onRetry: (err, _attempt, delay) => {
            this.#client.logger.warn(`${this.#what} failed (retrying in ${delay} ms): ${err.message}`);
            this.#waiting = true;
          },
        },
      );
    } catch {
      // Given up or cut short by a new generation: that generation's own run does the work.
    } finally {
      this.#waiting = false;
      this.#running = false;
      if (this.#ctl === ctl) this.#ctl = undefined;
    }
  }
}
