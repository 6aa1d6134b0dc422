/**
 * Request timeouts on one clock timer: entries are kept in deadline order (requests of one
 * client mostly share a timeout, so they arrive in order and are appended), the timer is armed
 * for the earliest, and removed entries are dropped from the front as they complete. A timer
 * per request cost a timer object, its list insertion and its cancellation for every round trip.
 *
 * With no entry left, the timer is unreferenced rather than cancelled (when the clock can:
 * `Clock.refTimer`), so nothing keeps the process alive after the requests, and it is re-armed
 * lazily: an entry added later whose deadline is no earlier than the timer's takes the timer
 * back (referenced again); the timer, firing early, arms itself for the first entry still
 * waiting, or stops when none is. Sequential requests otherwise set and cancelled a clock timer
 * once each (about 1.5 µs of a round trip's CPU on Node's timer lists). A clock without
 * `refTimer` has the timer cancelled when the last entry leaves.
 * @module
 */
import type { Clock, TimerHandle } from '../util/clock.js';

/** An entry: its deadline, and a flag only the queue writes. */
export interface DeadlineEntry {
  /** Monotonic ms at which the entry expires. */
  readonly deadline: number;
  /** True from {@link DeadlineQueue.add} until the entry is removed or expires (the queue's field). */
  queued: boolean;
}

// Float slack when comparing a deadline with the clock at the timer's firing (a timer armed
// for `deadline - now` ms may fire at `deadline` minus one rounding error).
const SLACK = 1e-6;

/** The timeouts of many entries on one timer of `clock`. */
export class DeadlineQueue<T extends DeadlineEntry> {
  readonly #clock: Clock;
  readonly #expire: (entry: T) => void;
  // Slots before #head are cleared as the head passes them, so that a finished entry (and
  // whatever it references: a request, its promise, its caller's frame) is not kept alive by
  // the queue until the next compaction; at many requests in flight that kept thousands of
  // dead requests reachable across scavenges, which promoted them to the old generation.
  #items: (T | undefined)[] = [];
  #head = 0;
  #live = 0;
  #timer: TimerHandle | undefined;
  #timerAt = Infinity;
  // True while the timer is armed but unreferenced: no entry waits (see the module's note).
  #idle = false;

  /**
   * @param clock for the timer
   * @param expire called once for each entry whose deadline passes while it is still waiting
   */
  constructor(clock: Clock, expire: (entry: T) => void) {
    this.#clock = clock;
    this.#expire = expire;
  }

  /** Entries added and not yet removed or expired (for tests and diagnostics). */
  get size(): number {
    return this.#live;
  }

  /** Start timing `entry` (its deadline must be finite; it must not be queued already). */
  add(entry: T): void {
    entry.queued = true;
    const items = this.#items;
    let i = items.length;
    while (i > this.#head && (items[i - 1] as T).deadline > entry.deadline) i--;
    if (i === items.length) items.push(entry);
    else items.splice(i, 0, entry);
    this.#live++;
    if (entry.deadline < this.#timerAt) this.#arm(entry.deadline);
    else if (this.#idle) {
      this.#idle = false;
      this.#clock.refTimer?.(this.#timer as TimerHandle, true);
    }
  }

  /** Stop timing `entry` (nothing happens when it is not queued). */
  remove(entry: T): void {
    if (!entry.queued) return;
    entry.queued = false;
    this.#live--;
    this.#prune();
  }

  /** Forget every entry and stop the timer. */
  clear(): void {
    this.#empty();
    this.#stop();
  }

  // Forget every entry (the timer is the caller's to stop or keep).
  #empty(): void {
    for (let k = this.#head; k < this.#items.length; k++) (this.#items[k] as T).queued = false;
    this.#items.length = 0;
    this.#head = 0;
    this.#live = 0;
  }

  #stop(): void {
    this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.#idle = false;
  }

  // The last entry left: keep the timer, unreferenced, for the next entries (or stop it).
  #rest(): void {
    this.#empty();
    const clock = this.#clock;
    if (this.#timer === undefined || this.#idle) return;
    if (clock.refTimer === undefined) this.#stop();
    else {
      this.#idle = true;
      clock.refTimer(this.#timer, false);
    }
  }

  #prune(): void {
    const items = this.#items;
    while (this.#head < items.length && !(items[this.#head] as T).queued) items[this.#head++] = undefined;
    const kept = items.length - this.#head;
    // kept >= live: every queued entry sits at or after the head.
    if (this.#live === 0) {
      this.#rest();
    } else if (kept > 2 * this.#live + 1024) {
      // Finished entries stuck behind a slow one: keep memory proportional to what waits.
      this.#items = items.filter((e, k) => k >= this.#head && (e as T).queued);
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > items.length) {
      this.#items = items.slice(this.#head);
      this.#head = 0;
    }
  }

  #arm(at: number): void {
    this.#clock.clearTimer(this.#timer);
    this.#idle = false;
    this.#timerAt = at;
    this.#timer = this.#clock.setTimer(this.#fire, Math.max(0, at - this.#clock.monotonic()));
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.#idle = false;
    const now = this.#clock.monotonic() + SLACK;
    for (;;) {
      this.#prune();
      const first = this.#items[this.#head];
      if (first === undefined) return;
      if (first.deadline > now) {
        if (first.deadline < this.#timerAt) this.#arm(first.deadline);
        return;
      }
      // Taken off before the callback, which may add or finish entries.
      this.#items[this.#head++] = undefined;
      this.#live--;
      first.queued = false;
      this.#expire(first);
    }
  };
}
