/**
 * The wait loop behind `waitKey` and `waitIndexed`: check, subscribe, re-check once the
 * subscription is live (closing the subscribe race), then re-check on every notification until
 * the condition holds, the timeout passes or the signal aborts. The monitor, the timer and the
 * abort listener are always released.
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
}

/**
 * Resolve once `check` passes. A condition that already holds wins over an already-aborted
 * signal (as in Python). Rejects with `KatcpTimeoutError` / `KatcpAbortError`, or with whatever
 * `check` throws.
 */
export async function waitUntil(p: WaitParams): Promise<void> {
  if (await p.check(undefined)) return;
  // Unbounded: a waiter must see every notification, and it only lives until the condition holds.
  const queue = new AsyncQueue<KeyUpdate>({ highWaterMark: Infinity });
  const monitor = p.backend.monitorKeys(p.keys, (update) => queue.push(update));
  const work = (async (): Promise<void> => {
    await monitor.ready;
    // Anything written between the first check and the subscription is seen here.
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
