/**
 * Samplers: one per client and sensor, deciding when a reading is sent under a strategy
 * (aiokatcp's engine: a change test, a minimum gap `shortest` and a maximum gap `longest`).
 * @module
 */
import type { Clock, TimerHandle } from '../util/clock.js';
import { Address } from '../codec/address.js';
import type { Sensor } from './sensor.js';
import type { Reading, SensorStatus } from './status.js';
import { validateStrategy } from './strategy.js';
import type { SamplingStrategy } from './strategy.js';

/** A live subscription of one sensor under one strategy. */
export interface Sampler {
  /** The strategy as requested (`auto` stays `auto` even when the sensor overrides it). */
  readonly strategy: SamplingStrategy;
  /** Detaches from the sensor and cancels the timer; idempotent. */
  close(): void;
}

/** Extra options of {@link createSampler}. */
export interface SamplerOptions {
  /**
   * Receives an error thrown by `send` when the send was driven by the sampler's timer (a send
   * caused by a sensor update throws out of `setValue` instead). Default: rethrow from the timer.
   */
  onError?: (err: unknown) => void;
}

/** Called with each reading to send. */
export type SendReading<T> = (sensor: Sensor<T>, reading: Reading<T>) => void;

interface Engine {
  always: boolean;
  difference: number | undefined;
  shortestMs: number;
  longestMs: number; // Infinity: no periodic resend
}

function engineFor(s: SamplingStrategy): Engine {
  switch (s.strategy) {
    case 'none':
    case 'auto':
      return { always: true, difference: undefined, shortestMs: 0, longestMs: Infinity };
    case 'event':
      return { always: false, difference: undefined, shortestMs: 0, longestMs: Infinity };
    case 'period':
      return { always: false, difference: undefined, shortestMs: s.period * 1000, longestMs: s.period * 1000 };
    case 'differential':
      return { always: false, difference: s.difference, shortestMs: 0, longestMs: Infinity };
    case 'event-rate':
      return { always: false, difference: undefined, shortestMs: s.shortest * 1000, longestMs: s.longest * 1000 };
    case 'differential-rate':
      return { always: false, difference: s.difference, shortestMs: s.shortest * 1000, longestMs: s.longest * 1000 };
  }
}

function isNaNValue(x: unknown): boolean {
  return typeof x === 'number' && x !== x;
}

/** Value equality for the change test: NaN equals NaN and 0 equals -0 (unlike Python, where a NaN always counts as a change). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // Only NaN differs from itself: a number equals b here only when both are NaN.
  if (typeof a === 'number') return a !== a && b !== b;
  if (Buffer.isBuffer(a)) return Buffer.isBuffer(b) && a.equals(b);
  if (a instanceof Address) return a.equals(b);
  return false;
}

/** The differential test: |a - b| > d, with NaN moving to or from a number counting as a change. */
function exceeds(a: unknown, b: unknown, d: number): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    const diff = Math.abs(a - b);
    // diff is NaN when either is NaN or both are the same infinity; only a real change counts.
    return diff > d || (diff !== diff && !sameValue(a, b));
  }
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) {
    if (isNaNValue(a) || isNaNValue(b) || !Number.isFinite(Number(a)) || !Number.isFinite(Number(b))) return Number(a) !== Number(b);
    const x = BigInt(a);
    const y = BigInt(b);
    const diff = x > y ? x - y : y - x;
    return Number.isInteger(d) ? diff > BigInt(d) : Number(diff) > d;
  }
  return !sameValue(a, b);
}

/**
 * `auto` on a sensor without an `autoStrategy`: every update is sent at once and no timer runs,
 * so there is no state to keep beyond the subscription itself. A server subscribes thousands of
 * sensors at a time this way, so this sampler is kept small (one object and one observer).
 */
class ImmediateSampler<T> implements Sampler {
  readonly strategy: SamplingStrategy;
  #sensor: Sensor<T> | undefined;
  readonly #send: SendReading<T>;
  readonly #observer: (sensor: Sensor<T>, reading: Reading<T>) => void;

  constructor(sensor: Sensor<T>, strategy: SamplingStrategy, send: SendReading<T>) {
    this.strategy = strategy;
    this.#sensor = sensor;
    this.#send = send;
    // A sensor notifying from a snapshot of its observers may still call this once after close().
    this.#observer = (s, reading) => {
      if (this.#sensor !== undefined) send(s, reading);
    };
  }

  start(): void {
    const sensor = this.#sensor!;
    sensor.attach(this.#observer);
    this.#send(sensor, sensor.reading);
  }

  close(): void {
    this.#sensor?.detach(this.#observer);
    this.#sensor = undefined;
  }
}

/**
 * `event` and `differential` (and `auto` meaning one of them): a send on each change, never a
 * timer. Every update of a subscribed sensor runs this observer, so it is kept to one change
 * test and the send.
 */
class ChangeSampler<T> implements Sampler {
  readonly strategy: SamplingStrategy;
  #sensor: Sensor<T> | undefined;
  readonly #send: SendReading<T>;
  readonly #difference: number | undefined;
  #observer: ((sensor: Sensor<T>, reading: Reading<T>) => void) | undefined;

  constructor(sensor: Sensor<T>, strategy: SamplingStrategy, difference: number | undefined, send: SendReading<T>) {
    this.strategy = strategy;
    this.#sensor = sensor;
    this.#send = send;
    this.#difference = difference;
  }

  start(): void {
    const sensor = this.#sensor!;
    const send = this.#send;
    const difference = this.#difference;
    // The value and status last sent, in the observer's closure: locals, not fields, on every update.
    const first = sensor.reading;
    let lastValue = first.value;
    let lastStatus = first.status;
    this.#observer = (s, reading) => {
      const value = reading.value;
      // A number that changed is told apart without a call (only NaN to NaN is no change);
      // equal values are no change under either strategy (a difference is never negative).
      if (
        reading.status === lastStatus &&
        (value === lastValue ||
          (difference === undefined
            ? typeof value === 'number'
              ? value !== value && lastValue !== lastValue
              : sameValue(value, lastValue)
            : !exceeds(value, lastValue, difference)))
      ) {
        return;
      }
      // A sensor notifying from a snapshot of its observers may still call this once after close().
      if (this.#sensor === undefined) return;
      // Recorded before the send, so a throwing `send` leaves the sampler consistent.
      lastValue = value;
      lastStatus = reading.status;
      send(s, reading);
    };
    sensor.attach(this.#observer);
    send(sensor, first);
  }

  close(): void {
    if (this.#observer !== undefined) this.#sensor?.detach(this.#observer);
    this.#sensor = undefined;
  }
}

/** The timed strategies (`period`, `event-rate`, `differential-rate`): gaps kept with a timer. */
class SensorSampler<T> implements Sampler {
  readonly strategy: SamplingStrategy;
  #sensor: Sensor<T> | undefined;
  readonly #send: SendReading<T>;
  readonly #clock: Clock;
  readonly #onError: ((err: unknown) => void) | undefined;
  readonly #always: boolean;
  readonly #difference: number | undefined;
  readonly #shortestMs: number;
  readonly #longestMs: number;
  // Last send: its scheduled time on the monotonic clock (ms), its value and status.
  #lastTime = 0;
  #lastValue: T | undefined;
  #lastStatus: SensorStatus | undefined;
  // A change was seen and a send is scheduled at #timerDue; further updates only wait for it.
  #pending = false;
  #timer: TimerHandle | undefined;
  #timerDue = 0;
  // The timer callback, made on first use: most samplers never arm a timer.
  #onTimer: (() => void) | undefined;

  constructor(sensor: Sensor<T>, strategy: SamplingStrategy, engine: Engine, send: SendReading<T>, clock: Clock, opts: SamplerOptions | undefined) {
    this.strategy = strategy;
    this.#sensor = sensor;
    this.#send = send;
    this.#clock = clock;
    this.#onError = opts?.onError;
    this.#always = engine.always;
    this.#difference = engine.difference;
    this.#shortestMs = engine.shortestMs;
    this.#longestMs = engine.longestMs;
  }

  start(): void {
    const sensor = this.#sensor!;
    sensor.attach(this.#onUpdate);
    this.#sendNow(this.#clock.monotonic(), sensor.reading);
  }

  close(): void {
    this.#clearTimer();
    this.#sensor?.detach(this.#onUpdate);
    this.#sensor = undefined;
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) {
      this.#clock.clearTimer(this.#timer);
      this.#timer = undefined;
    }
  }

  #arm(due: number, now: number): void {
    this.#timerDue = due;
    this.#timer = this.#clock.setTimer((this.#onTimer ??= () => this.#fire()), due - now);
  }

  // Records the send before calling `send`, so a throwing `send` leaves the sampler consistent.
  #sendNow(scheduled: number, reading: Reading<T>): void {
    const sensor = this.#sensor!;
    this.#lastTime = scheduled;
    this.#lastValue = reading.value;
    this.#lastStatus = reading.status;
    this.#pending = false;
    this.#clearTimer();
    if (this.#longestMs !== Infinity) {
      const now = this.#clock.monotonic();
      this.#arm(Math.max(now, scheduled + this.#longestMs), now);
    }
    this.#send(sensor, reading);
  }

  #fire(): void {
    this.#timer = undefined;
    const sensor = this.#sensor;
    if (sensor === undefined) return;
    try {
      // A delayed send carries whatever the sensor holds now, not the reading that triggered it.
      this.#sendNow(this.#timerDue, sensor.reading);
    } catch (err) {
      if (this.#onError === undefined) throw err;
      this.#onError(err);
    }
  }

  readonly #onUpdate = (_sensor: Sensor<T>, reading: Reading<T>): void => {
    if (this.#pending || this.#sensor === undefined) return;
    const changed =
      this.#always ||
      reading.status !== this.#lastStatus ||
      (this.#difference === undefined
        ? !sameValue(reading.value, this.#lastValue)
        : exceeds(reading.value, this.#lastValue, this.#difference));
    if (!changed) return;
    const now = this.#clock.monotonic();
    const due = this.#lastTime + this.#shortestMs;
    if (this.#shortestMs === 0 || now >= due) {
      this.#sendNow(now, reading);
    } else {
      this.#pending = true;
      this.#clearTimer();
      this.#arm(due, now);
    }
  };
}

/**
 * True when `strategy` sends every update of `sensor` at once and keeps no state (`auto` on a
 * sensor without an `autoStrategy`): a subscriber may then observe the sensor itself, without a
 * sampler (the device server does so, to keep a bulk subscription small).
 */
export function sendsEveryUpdate(sensor: Sensor, strategy: SamplingStrategy): boolean {
  return strategy.strategy === 'auto' && sensor.autoStrategy === undefined;
}

/**
 * Subscribes `send` to `sensor` under `strategy` and sends the current reading at once.
 * `none` creates nothing (returns undefined). `auto` uses the sensor's `autoStrategy` when it has
 * one, else sends every update. A status change always counts as a change; a delayed send
 * carries the latest reading; `period` sends on a drift-free grid. Timers come from `clock`
 * (`clock.monotonic()` measures the gaps). Call `close()` when done.
 * @throws KatcpError (code `KATCP_ERR_INVALID_STRATEGY`) when the strategy does not apply to the
 *   sensor; whatever the first `send` throws (the sampler is then closed)
 */
export function createSampler<T>(
  sensor: Sensor<T>,
  strategy: SamplingStrategy,
  send: SendReading<T>,
  clock: Clock,
  opts?: SamplerOptions,
): Sampler | undefined {
  validateStrategy(strategy, sensor.type);
  if (strategy.strategy === 'none') return undefined;
  const frozen = Object.isFrozen(strategy) ? strategy : Object.freeze({ ...strategy });
  let sampler: ImmediateSampler<T> | ChangeSampler<T> | SensorSampler<T>;
  if (sendsEveryUpdate(sensor, frozen)) sampler = new ImmediateSampler(sensor, frozen, send);
  else {
    const engine = engineFor(frozen.strategy === 'auto' ? sensor.autoStrategy! : frozen);
    if (engine.always || engine.shortestMs !== 0 || engine.longestMs !== Infinity) {
      sampler = new SensorSampler(sensor, frozen, engine, send, clock, opts);
    } else {
      sampler = new ChangeSampler(sensor, frozen, engine.difference, send);
    }
  }
  try {
    sampler.start();
  } catch (err) {
    sampler.close();
    throw err;
  }
  return sampler;
}
