/**
 * A Clock whose time only moves when a test calls advance(). Timers fire in due order;
 * microtasks queued by a firing timer run before the next one fires.
 */
import type { Clock, TimerHandle } from '../../lib/util/clock.js';

interface Timer {
  due: number;
  seq: number;
  fn: () => void;
  /** False once `refTimer(t, false)`: it would not keep a Node process alive. */
  ref: boolean;
}

export class VirtualClock implements Clock {
  #now: number;
  #mono = 0;
  #seq = 0;
  #timers = new Set<Timer>();

  /** @param start wall-clock start in seconds since the epoch */
  constructor(start = 1_700_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now + this.#mono / 1000;
  }

  monotonic(): number {
    return this.#mono;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const t: Timer = { due: this.#mono + Math.max(0, ms), seq: this.#seq++, fn, ref: true };
    this.#timers.add(t);
    return t;
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (handle !== undefined) this.#timers.delete(handle as Timer);
  }

  refTimer(handle: TimerHandle, ref: boolean): void {
    (handle as Timer).ref = ref;
  }

  /** Number of referenced timers not yet fired (what would keep a Node process alive). */
  get pending(): number {
    let n = 0;
    for (const t of this.#timers) if (t.ref) n++;
    return n;
  }

  /** Number of timers not yet fired, referenced or not (they all fire when due). */
  get scheduled(): number {
    return this.#timers.size;
  }

  /**
   * Move time forward by `ms` at once, as a caller's synchronous work taking that long would:
   * no timer fires and nothing yields (timers now due fire at the next {@link advance}).
   */
  jump(ms: number): void {
    this.#mono += ms;
  }

  /** Move time forward by `ms`, firing every timer that falls due, in order. */
  async advance(ms: number): Promise<void> {
    const end = this.#mono + ms;
    for (;;) {
      await flushMicrotasks();
      let next: Timer | undefined;
      for (const t of this.#timers) {
        if (t.due <= end && (next === undefined || t.due < next.due || (t.due === next.due && t.seq < next.seq))) next = t;
      }
      if (next === undefined) break;
      this.#timers.delete(next);
      this.#mono = next.due;
      next.fn();
    }
    this.#mono = end;
    await flushMicrotasks();
  }
}

/** Let pending promise callbacks run (a few macrotask turns). */
export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}
