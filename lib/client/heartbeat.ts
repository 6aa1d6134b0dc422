/**
 * Dead-peer detection for the {@link Client}: a device that loses power or a cable leaves a
 * half-open TCP connection the OS may not report for hours. While connected, when nothing has
 * been received for `interval` ms, `?watchdog` is sent; no reply within `timeout` ms means the
 * peer is dead.
 * @module
 */
import { Message } from '../codec/message.js';
import { KatcpTimeoutError, PeerTimeoutError } from '../errors.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { TrafficStats } from '../util/traffic-stats.js';
import type { HeartbeatOptions } from './options.js';
import type { RequestTracker } from './requests.js';

/** The heartbeat's up-call to the client. */
export interface HeartbeatHost {
  /** The peer did not answer: abort the connection with `err`. */
  peerDead(err: PeerTimeoutError): void;
}

/**
 * Runs while the client is connected ({@link start} on entry, {@link stop} on exit). Idle time
 * is measured from the latest receive recorded in the shared {@link TrafficStats}, so the hot
 * path does no extra work for it. At most one timer or one `?watchdog` is pending at a time.
 */
export class Heartbeat {
  readonly #clock: Clock;
  readonly #stats: TrafficStats;
  readonly #settings: Readonly<HeartbeatOptions>;
  readonly #requests: RequestTracker;
  readonly #host: HeartbeatHost;
  #timer: TimerHandle | undefined;
  #since = 0;
  // Bumped by start/stop, so the outcome of a watchdog from an earlier connection is ignored.
  #generation = 0;

  /**
   * @param clock the client's clock
   * @param stats the client's traffic counters (for the time of the latest receive)
   * @param settings interval and timeout in ms
   * @param requests sends the watchdog
   * @param host hears about a dead peer
   */
  constructor(clock: Clock, stats: TrafficStats, settings: Readonly<HeartbeatOptions>, requests: RequestTracker, host: HeartbeatHost) {
    this.#clock = clock;
    this.#stats = stats;
    this.#settings = settings;
    this.#requests = requests;
    this.#host = host;
  }

  /** The connection is up: start measuring idle time from now. */
  start(): void {
    this.stop();
    this.#since = this.#clock.monotonic();
    this.#arm(this.#settings.interval);
  }

  /** The connection is down (or closing): clear the timer and forget any watchdog in flight. */
  stop(): void {
    this.#generation++;
    this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    const generation = this.#generation;
    this.#timer = this.#clock.setTimer(() => {
      this.#timer = undefined;
      if (generation === this.#generation) this.#check();
    }, ms);
  }

  #check(): void {
    const { interval, timeout } = this.#settings;
    const idle = this.#clock.monotonic() - Math.max(this.#since, this.#stats.lastReceivedAt);
    if (idle < interval) {
      this.#arm(interval - idle);
      return;
    }
    const generation = this.#generation;
    this.#requests.start(
      Message.request('watchdog'),
      {
        onDone: (err) => {
          if (generation !== this.#generation) return;
          if (err instanceof KatcpTimeoutError) {
            this.#host.peerDead(
              new PeerTimeoutError(`no reply to ?watchdog within ${timeout} ms after ${interval} ms of silence: the peer is unreachable`, { cause: err }),
            );
          } else {
            // Any reply, even a failure, shows the peer is alive.
            this.#since = this.#clock.monotonic();
            this.#arm(interval);
          }
        },
      },
      { timeout },
    );
  }
}
