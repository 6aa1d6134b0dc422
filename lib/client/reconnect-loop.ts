/**
 * The {@link Client}'s reconnect loop on util/retry.ts (p-retry), and the once-per-reason log of
 * failed attempts.
 * @module
 */
import type { Clock } from '../util/clock.js';
import { retry } from '../util/retry.js';
import type { RetryAttempt, RetryPolicy } from '../util/retry.js';
import type { ClientLogger } from './logger.js';

/** What the loop drives: the client's state machine. */
export interface ReconnectHost {
  /** Start one connection attempt (enter `connecting`). */
  connect(): void;
  /** The policy gave up (or threw): close the client with `cause`. */
  giveUp(cause: Error): void;
}

/**
 * Connection attempts under {@link retry}: an attempt is one connection, from `connecting` until
 * it fails or, once connected, is lost ({@link failed}); reaching `connected` counts as a success
 * ({@link succeeded}: the policy starts over). The policy's waits are spent in `sleeping`. The
 * loop ends when the policy gives up or {@link stop} is called.
 */
export class ReconnectLoop {
  readonly #stop = new AbortController();
  #attempt: RetryAttempt | undefined;
  #end: ((err: Error) => void) | undefined;

  /**
   * Start at once: the first attempt begins synchronously.
   * @param policy the waits; undefined means no reconnection (the first failure gives up)
   */
  constructor(policy: RetryPolicy | undefined, clock: Clock, logger: ClientLogger, host: ReconnectHost) {
    const inner: RetryPolicy = policy ?? { nextDelay: () => false, reset: () => undefined };
    const guarded: RetryPolicy = {
      nextDelay: (n, err) => {
        try {
          return inner.nextDelay(n, err);
        } catch (thrown) {
          logger.error('the reconnect policy threw; closing', thrown);
          return false;
        }
      },
      reset: () => inner.reset(),
    };
    const attempt = (ctx: RetryAttempt): Promise<never> =>
      new Promise<never>((_, reject) => {
        this.#attempt = ctx;
        this.#end = reject;
        host.connect();
      });
    retry(attempt, { policy: guarded, clock, signal: this.#stop.signal }).catch((err: unknown) => {
      if (!this.#stop.signal.aborted) host.giveUp(err instanceof Error ? err : new Error(String(err)));
    });
  }

  /** The current attempt reached `connected`. */
  succeeded(): void {
    this.#attempt?.succeeded();
  }

  /** The current attempt ended with `cause`: the policy decides on the next one. */
  failed(cause: Error): void {
    const end = this.#end;
    this.#end = undefined;
    end?.(cause);
  }

  /** No more attempts: a wait in progress ends at once. */
  stop(reason: Error): void {
    this.#stop.abort(reason);
    this.failed(reason);
  }
}

/** Logs failed attempts: a warning when the reason differs from the previous one's, debug otherwise. */
export class FailureLog {
  readonly #logger: ClientLogger;
  readonly #where: string;
  #reason: string | undefined;

  /** @param where `host:port` */
  constructor(logger: ClientLogger, where: string) {
    this.#logger = logger;
    this.#where = where;
  }

  /** One failed attempt. */
  failed(cause: Error): void {
    const reason = (cause as NodeJS.ErrnoException).code ?? `${cause.name}: ${cause.message}`;
    const text = `failed to connect to ${this.#where}: ${cause.message}`;
    if (reason === this.#reason) {
      this.#logger.debug(text);
      return;
    }
    this.#reason = reason;
    this.#logger.warn(`${text} (retries with the same reason are logged at debug level)`);
  }

  /** Connected: the next failure is news again. */
  reset(): void {
    this.#reason = undefined;
  }
}
