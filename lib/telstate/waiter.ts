/**
 * The wait loop behind `waitKey` and `waitIndexed`: check, subscribe, re-check once the
 * subscription is live, then re-check on every notification until the condition holds, the
 * timeout passes or the signal aborts. The monitor, the timer and the abort listener are always
 * released.
 *
 * A check that reads the store sees only the latest value of a mutable key, while a notification
 * carries its own sample. A sample written after a failed first check but before the
 * subscription goes live (its notification published too early to be received) is therefore
 * invisible to the re-check when it is not the latest: an older timestamp, or overwritten in the
 * same window. Waits whose answer can hang on such a sample (`waitKey` with a condition) set
 * `subscribeFirst`: their first check runs only once the subscription is live, so every write
 * after it arrives as a notification. Waits on monotone facts (a key or sub-key appearing, an
 * immutable value) keep the cheap check-before-subscribing.
 * @module
 */
import type { Backend, KeyUpdate } from './backend.js';
import type { CallOptions } from '../util/abort.js';
import { withCancel } from '../util/abort.js';
import { AsyncQueue } from '../util/async-queue.js';
import type { Clock } from '../util/clock.js';

/** Decides whether the wait is over; `update` is the notification that prompted it, if typed. */
export type WaitCheck = (update: Exclude<KeyUpdate, { kind: 'recheck' }> | undefined) => Promise<boolean>;

/** What {@link waitUntil} needs. */
export interface WaitParams extends CallOptions {
  backend: Backend;
  /** Full keys to monitor (the key under every prefix of the view). */
  keys: readonly Uint8Array[];
  check: WaitCheck;
  clock: Clock;
  /** Used in timeout/abort messages, e.g. `wait for 'ns_key'`. */
  what: string;
  /** Make the first check only once the subscription is live (see the module comment). */
  subscribeFirst?: boolean;
}

/**
 * Resolve once `check` passes. A condition that already holds wins over an already-aborted
 * signal (as in Python). Rejects with `KatcpTimeoutError` / `KatcpAbortError`, or with whatever
 * `check` throws.
 */
export async function waitUntil(p: WaitParams): Promise<void> {
  // An already-aborted signal still lets a condition that holds win, without subscribing.
  if ((p.subscribeFirst !== true || p.signal?.aborted === true) && (await p.check(undefined))) return;
  // Unbounded: a waiter must see every notification, and it only lives until the condition holds.
  const queue = new AsyncQueue<KeyUpdate>({ highWaterMark: Infinity });
  const monitor = p.backend.monitorKeys(p.keys, (update) => queue.push(update));
  const work = (async (): Promise<void> => {
    await monitor.ready;
    // The latest state, including anything written before the subscription went live.
    if (queue.isClosed || (await p.check(undefined))) return;
    for await (const update of queue) {
      if (await p.check(update.kind === 'recheck' ? undefined : update)) return;
    }
  })();
  try {
    await withCancel(work, {
      timeout: p.timeout,
      signal: p.signal,
      what: p.what,
      clock: p.clock,
      // Discards queued updates and ends the loop at its next await.
      onCancel: () => void queue.return(),
    });
  } finally {
    void queue.return();
    monitor.close();
  }
}
