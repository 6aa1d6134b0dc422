/**
 * m2com's `check_message_rate`: while connected, log the receive rate at debug level
 * periodically.
 * @module
 */
import type { Clock, TimerHandle } from '../util/clock.js';
import type { TrafficStats } from '../util/traffic-stats.js';
import type { ClientLogger } from './logger.js';

/** Logs `receive rate: N messages/s` every `interval` ms between {@link start} and {@link stop}. */
export class RateLog {
  readonly #clock: Clock;
  readonly #stats: TrafficStats;
  readonly #interval: number;
  readonly #logger: ClientLogger;
  #timer: TimerHandle | undefined;

  /**
   * @param clock the client's clock
   * @param stats the client's traffic counters
   * @param interval ms between log lines
   * @param logger where the lines go (debug level)
   */
  constructor(clock: Clock, stats: TrafficStats, interval: number, logger: ClientLogger) {
    this.#clock = clock;
    this.#stats = stats;
    this.#interval = interval;
    this.#logger = logger;
  }

  /** Start logging. */
  start(): void {
    this.stop();
    this.#timer = this.#clock.setTimer(this.#tick, this.#interval);
  }

  /** Stop logging. */
  stop(): void {
    this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }

  readonly #tick = (): void => {
    this.#logger.debug(`receive rate: ${this.#stats.receiveRate.toFixed(1)} messages/s`);
    this.#timer = this.#clock.setTimer(this.#tick, this.#interval);
  };
}
