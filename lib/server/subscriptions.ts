/**
 * One client's sensor subscriptions: for each sensor it samples, its sampler, or, when the
 * strategy sends every update at once (`sendsEveryUpdate`), the strategy itself with the table's
 * one observer attached to the sensor. A bulk `auto` subscription of thousands of sensors then
 * costs a table entry and an observer registration per sensor, no object or closure of its own.
 * @module
 */
import { createSampler, sendsEveryUpdate } from '../sensor/sampler.js';
import type { Sampler, SamplerOptions, SendReading } from '../sensor/sampler.js';
import type { Sensor } from '../sensor/sensor.js';
import type { Reading } from '../sensor/status.js';
import type { SamplingStrategy } from '../sensor/strategy.js';
import type { Clock } from '../util/clock.js';

const NONE: SamplingStrategy = Object.freeze({ strategy: 'none' });
const AUTO: SamplingStrategy = Object.freeze({ strategy: 'auto' });

type Subscription = Sampler | SamplingStrategy;

function isSampler(sub: Subscription): sub is Sampler {
  return typeof (sub as Partial<Sampler>).close === 'function';
}

/** The subscriptions of one client, sending each line through one `send` (its outbox's). */
export class Subscriptions {
  readonly #send: SendReading<unknown>;
  readonly #clock: Clock;
  readonly #samplerOptions: SamplerOptions;
  #table = new Map<Sensor, Subscription>();
  // Sensors the server dropped (removed or replaced) while the client was connected: a request
  // that looked sensors up and saw this count unchanged need not look them up again.
  #drops = 0;
  // The observer of every sensor whose subscription is its strategy (no sampler).
  readonly #sendEvery = (sensor: Sensor, reading: Reading<unknown>): void => {
    // A sensor notifying from a snapshot of its observers may still call this once after the
    // subscription ended (or became a sampler's).
    const sub = this.#table.get(sensor);
    if (sub !== undefined && !isSampler(sub)) this.#send(sensor, reading);
  };
  readonly #end = (sub: Subscription, sensor: Sensor): void => {
    if (isSampler(sub)) sub.close();
    else sensor.detach(this.#sendEvery);
  };

  /**
   * @param send where every `#sensor-status` line goes (bound: a sampler's send itself)
   * @param clock for the samplers' timers
   * @param samplerOptions what a sampler does with an error of a timer-driven send
   */
  constructor(send: SendReading<unknown>, clock: Clock, samplerOptions: SamplerOptions) {
    this.#send = send;
    this.#clock = clock;
    this.#samplerOptions = samplerOptions;
  }

  /** How many sensors are sampled. */
  get size(): number {
    return this.#table.size;
  }

  /**
   * How many sensors the server has dropped so far: unchanged since a lookup means the sensors
   * looked up are still the server's.
   */
  get drops(): number {
    return this.#drops;
  }

  /** The strategy used for `sensor` (`none` when not sampled). */
  strategyOf(sensor: Sensor): SamplingStrategy {
    const sub = this.#table.get(sensor);
    if (sub === undefined) return NONE;
    return isSampler(sub) ? sub.strategy : sub;
  }

  /**
   * Replaces the subscription of `sensor` (ending the old one) and sends its current reading;
   * `none` just removes it.
   * @param keep false to send the initial reading but not keep the subscription (the sensor
   *   left the server meanwhile, or the client is closed)
   */
  set(sensor: Sensor, strategy: SamplingStrategy, keep: boolean): void {
    // Every subscription observes its sensor, so a sensor nobody observes has none here: no
    // lookup (a first subscription to a whole device is mostly these).
    const old = sensor.observerCount === 0 ? undefined : this.#table.get(sensor);
    if (old !== undefined) {
      this.#table.delete(sensor);
      this.#end(old, sensor);
    }
    if (sendsEveryUpdate(sensor, strategy)) {
      if (!keep) {
        this.#send(sensor, sensor.reading);
        return;
      }
      this.#table.set(sensor, AUTO);
      sensor.attach(this.#sendEvery);
      try {
        this.#send(sensor, sensor.reading);
      } catch (err) {
        // As createSampler closes a sampler whose first send failed.
        this.#table.delete(sensor);
        sensor.detach(this.#sendEvery);
        throw err;
      }
      return;
    }
    const sampler = createSampler(sensor, strategy, this.#send, this.#clock, this.#samplerOptions);
    if (sampler === undefined) return;
    if (keep) this.#table.set(sensor, sampler);
    else sampler.close();
  }

  /** Ends the subscription of `sensor`, which left the server. */
  drop(sensor: Sensor): void {
    this.#drops++;
    const old = this.#table.get(sensor);
    if (old === undefined) return;
    this.#table.delete(sensor);
    this.#end(old, sensor);
  }

  /** Ends every subscription. */
  clear(): void {
    const subs = this.#table;
    if (subs.size === 0) return;
    // The table is replaced before anything is closed, and walked without a copy.
    this.#table = new Map();
    subs.forEach(this.#end);
  }
}
