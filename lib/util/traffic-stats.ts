/**
 * Traffic statistics shared by the client and the server: message and byte counters in both
 * directions, a request-latency window (median and p99 over the last N samples) and a receive
 * rate in messages/s over a recent interval of the injected {@link Clock}.
 *
 * Recording does no allocation: counters are numbers, latencies go into a preallocated
 * `Float64Array` ring and the receive rate is counted in a ring of time buckets. The work of
 * sorting and summing happens only when somebody reads the statistics.
 * @module
 */
import type { Clock } from './clock.js';
import { KatcpRangeError } from '../errors.js';
import { checkOptions } from './options.js';

/** Options of {@link TrafficStats}. */
export interface TrafficStatsOptions {
  /** How many recent request latencies the median and p99 are taken over (default 1000). */
  latencySamples?: number;
  /** The interval, in ms, the receive rate is measured over (default 10 000). */
  rateWindow?: number;
  /** How many buckets the rate window is divided into (default 10); more buckets, smoother rate. */
  rateBuckets?: number;
}

/** Median and 99th percentile of the recent request latencies, in ms (`NaN` before any sample). */
export interface LatencySummary {
  /** Samples the summary is taken over (at most the window size). */
  readonly count: number;
  /** Median latency in ms. */
  readonly median: number;
  /** 99th-percentile latency in ms (nearest rank). */
  readonly p99: number;
  /** Largest latency in the window, in ms. */
  readonly max: number;
}

/** A plain-object copy of the statistics at one instant. */
export interface TrafficSnapshot {
  /** Messages (lines) received. */
  readonly messagesReceived: number;
  /** Bytes received, line terminators included. */
  readonly bytesReceived: number;
  /** Messages (lines) sent. */
  readonly messagesSent: number;
  /** Bytes sent, line terminators included. */
  readonly bytesSent: number;
  /** Receive rate in messages/s over the recent window. */
  readonly receiveRate: number;
  /** Request latency over the recent samples. */
  readonly latency: LatencySummary;
}

const OPTION_KEYS = ['latencySamples', 'rateWindow', 'rateBuckets'];

/** Counters and windows of one endpoint's traffic; see the module description. */
export class TrafficStats {
  #clock: Clock;
  #messagesReceived = 0;
  #bytesReceived = 0;
  #messagesSent = 0;
  #bytesSent = 0;

  #latencies: Float64Array;
  #scratch: Float64Array;
  #latencyCount = 0;
  #latencyNext = 0;

  #bucketMs: number;
  #buckets: Float64Array;
  /** Index (time / bucketMs) of the newest bucket. */
  #bucketIndex: number;
  /** When counting started (construction or {@link reset}), monotonic ms. */
  #start: number;
  #lastReceivedAt: number;

  constructor(clock: Clock, opts: TrafficStatsOptions = {}) {
    checkOptions(opts, OPTION_KEYS, 'TrafficStats', { durations: ['rateWindow'] });
    const { latencySamples = 1000, rateWindow = 10_000, rateBuckets = 10 } = opts;
    positiveInteger(latencySamples, 'latencySamples');
    positiveInteger(rateBuckets, 'rateBuckets');
    if (!(rateWindow > 0) || !Number.isFinite(rateWindow)) {
      throw new KatcpRangeError('rateWindow', `TrafficStats: option 'rateWindow' must be a finite duration > 0 ms, got ${rateWindow}`);
    }
    this.#clock = clock;
    this.#latencies = new Float64Array(latencySamples);
    this.#scratch = new Float64Array(latencySamples);
    this.#bucketMs = rateWindow / rateBuckets;
    this.#buckets = new Float64Array(rateBuckets);
    this.#start = this.#lastReceivedAt = clock.monotonic();
    this.#bucketIndex = Math.floor(this.#start / this.#bucketMs);
  }

  /** Messages received so far. */
  get messagesReceived(): number {
    return this.#messagesReceived;
  }

  /** Bytes received so far. */
  get bytesReceived(): number {
    return this.#bytesReceived;
  }

  /** Messages sent so far. */
  get messagesSent(): number {
    return this.#messagesSent;
  }

  /** Bytes sent so far. */
  get bytesSent(): number {
    return this.#bytesSent;
  }

  /** Monotonic time (ms, on the clock) of the latest receive, or of construction/reset before any. */
  get lastReceivedAt(): number {
    return this.#lastReceivedAt;
  }

  /** Count one received message of `bytes` bytes (its line terminator included). */
  recordReceived(bytes: number): void {
    this.recordReceivedBatch(1, bytes);
  }

  /** Count `messages` received messages of `bytes` bytes in all (one chunk read from a socket). */
  recordReceivedBatch(messages: number, bytes: number): void {
    this.#bytesReceived += bytes;
    const now = this.#clock.monotonic();
    this.#lastReceivedAt = now;
    this.#advanceBuckets(now);
    this.recordReceivedWithLast(messages);
  }

  /**
   * Count `messages` more received messages at the time of the latest receive recorded, without
   * reading the clock: for the messages of a chunk whose bytes were recorded just before, in the
   * same synchronous run (the result is then that of {@link recordReceivedBatch}).
   */
  recordReceivedWithLast(messages: number): void {
    this.#messagesReceived += messages;
    this.#buckets[this.#bucketIndex % this.#buckets.length]! += messages;
  }

  /** Count one sent message of `bytes` bytes (its line terminator included). */
  recordSent(bytes: number): void {
    this.recordSentBatch(1, bytes);
  }

  /** Count `messages` sent messages of `bytes` bytes in all (one socket write). */
  recordSentBatch(messages: number, bytes: number): void {
    this.#messagesSent += messages;
    this.#bytesSent += bytes;
  }

  /** Add one request latency in ms (from sending the request to its reply). */
  recordLatency(ms: number): void {
    this.#latencies[this.#latencyNext] = ms;
    this.#latencyNext = (this.#latencyNext + 1) % this.#latencies.length;
    if (this.#latencyCount < this.#latencies.length) this.#latencyCount++;
  }

  /** Median, p99 and max of the recent latencies. */
  get latency(): LatencySummary {
    const n = this.#latencyCount;
    if (n === 0) return { count: 0, median: NaN, p99: NaN, max: NaN };
    const sorted = this.#scratch.subarray(0, n);
    sorted.set(this.#latencies.subarray(0, n));
    sorted.sort();
    const mid = n >> 1;
    const median = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    const p99 = sorted[Math.ceil(0.99 * n) - 1]!;
    return { count: n, median, p99, max: sorted[n - 1]! };
  }

  /**
   * Messages received per second over the recent window (shorter right after construction or
   * {@link reset}, so the first seconds are not understated).
   */
  get receiveRate(): number {
    const now = this.#clock.monotonic();
    this.#advanceBuckets(now);
    let total = 0;
    for (const c of this.#buckets) total += c;
    // The oldest bucket is partly out of the window; the newest is partly elapsed.
    const newestStart = this.#bucketIndex * this.#bucketMs;
    const covered = (this.#buckets.length - 1) * this.#bucketMs + (now - newestStart);
    const span = Math.min(covered, now - this.#start);
    return span > 0 ? (total * 1000) / span : 0;
  }

  /** A plain-object copy of every statistic. */
  snapshot(): TrafficSnapshot {
    return {
      messagesReceived: this.#messagesReceived,
      bytesReceived: this.#bytesReceived,
      messagesSent: this.#messagesSent,
      bytesSent: this.#bytesSent,
      receiveRate: this.receiveRate,
      latency: this.latency,
    };
  }

  /** Zero every counter and window. */
  reset(): void {
    this.#messagesReceived = this.#bytesReceived = this.#messagesSent = this.#bytesSent = 0;
    this.#latencyCount = this.#latencyNext = 0;
    this.#buckets.fill(0);
    this.#start = this.#lastReceivedAt = this.#clock.monotonic();
    this.#bucketIndex = Math.floor(this.#start / this.#bucketMs);
  }

  /** Move the newest bucket up to `now`, zeroing the buckets that fell out of the window. */
  #advanceBuckets(now: number): void {
    const index = Math.floor(now / this.#bucketMs);
    if (index <= this.#bucketIndex) return;
    const stale = Math.min(index - this.#bucketIndex, this.#buckets.length);
    for (let i = 1; i <= stale; i++) this.#buckets[(this.#bucketIndex + i) % this.#buckets.length] = 0;
    this.#bucketIndex = index;
  }
}

function positiveInteger(value: unknown, key: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new KatcpRangeError(key, `TrafficStats: option '${key}' must be a positive integer, got ${String(value)}`);
  }
}
