/**
 * An async iterator over pushed values with a bounded buffer, for `sensor.readings()`.
 * @module
 */
import { AsyncQueue } from '../util/async-queue.js';

/** Options of a reading stream. */
export interface ReadingStreamOptions {
  /** Ends the iteration: a pending or later `next()` rejects with `KatcpAbortError`. */
  signal?: AbortSignal | undefined;
  /**
   * Most readings kept for a slow consumer (default 10 000). When it is exceeded the stream
   * delivers what it holds and then throws a `KatcpError` with code `KATCP_ERR_QUEUE_OVERFLOW`,
   * so a consumer never misses readings without knowing.
   */
  maxBuffer?: number | undefined;
}

const LABELS = { what: 'reading stream', items: 'readings', misuseCode: 'KATCP_ERR_STATE' } as const;

/** A single-consumer async queue that never drops readings silently. */
export class ReadingStream<T> extends AsyncQueue<T> {
  /**
   * @param opts buffer bound and cancellation
   * @param onEnd called once when the stream ends for any reason (unsubscribe here)
   */
  constructor(opts: ReadingStreamOptions, onEnd: (stream: ReadingStream<T>) => void) {
    super({ signal: opts.signal, highWaterMark: opts.maxBuffer, overflow: 'error' }, onEnd, LABELS);
  }
}
