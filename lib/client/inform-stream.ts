/**
 * The stream behind `Client.informs()`: a bounded async queue of informs.
 * @module
 */
import { AsyncQueue } from '../util/async-queue.js';
import type { AsyncQueueOptions } from '../util/async-queue.js';

export type { OverflowPolicy } from '../util/async-queue.js';

/** Options of `Client.informs()`: `signal`, `highWaterMark` and `overflow` (see {@link AsyncQueueOptions}). */
export type InformStreamOptions = AsyncQueueOptions;

const LABELS = { what: 'inform stream', items: 'items' } as const;

/** A bounded async queue; producers push, one consumer iterates. */
export class InformStream<T> extends AsyncQueue<T> {
  /**
   * @param opts bounds and cancellation
   * @param onClose called once when the stream ends for any reason (unsubscribe here)
   */
  constructor(opts: InformStreamOptions = {}, onClose?: (stream: InformStream<T>) => void) {
    super(opts, onClose, LABELS);
  }
}
