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
  const queue: KeyUpdate[] = [];
  let wake: (() => void) | undefined;
  let stopped = false;
  const poke = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const monitor = p.backend.monitorKeys(p.keys, (update) => {
    queue.push(update);
    poke();
  });
  const work = (async (): Promise<void> => {
    await monitor.ready;
    // Anything written between the first check and the subscription is seen here.
    if (stopped || (await p.check(undefined))) return;
    for (;;) {
      while (queue.length === 0) {
        if (stopped) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      if (stopped) return;
      const update = queue.shift()!;
      if (await p.check(update.kind === 'recheck' ? undefined : update)) return;
    }
  })();
  try {
    await withCancel(work, {
      timeout: p.timeout,
      signal: p.signal,
      what: p.what,
      clock: p.clock,
      onCancel: () => {
        stopped = true;
        poke();
      },
    });
  } finally {
    stopped = true;
    poke();
    monitor.close();
  }
}
