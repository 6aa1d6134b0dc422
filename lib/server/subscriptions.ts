/**
 * One client's sensor subscriptions: for each sensor it samples, its sampler, or, when the
 * strategy sends every update at once (`sendsEveryUpdate`), the strategy itself with the table's
 * one observer attached to the sensor. A bulk `auto` subscription of thousands of sensors then
 * costs an observer registration and an array slot per sensor, no object or closure of its own:
 * such sensors are only listed, and enter the table (a Map keyed by sensor, whose inserts into a
 * table of 100 k sensors cost more than the rest of a subscription) when a sensor must be looked
 * up there: a query, a change or drop of a sensor someone observes, an update after one of this
 * client's observers was detached.
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

/** Sensors per chunk of a {@link SensorChunks}. */
const CHUNK = 1024;

/**
 * A list of sensors kept in chunks: one array grown to 100 k entries is copied at each growth,
 * into the large-object space, where every copy also brings the next full garbage collection
 * closer (pushing 100 k sensors cost 3-6 times as much as into chunks).
 */
class SensorChunks {
  #chunks: Sensor[][] = [];
  #last: Sensor[] | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(sensor: Sensor): void {
    let last = this.#last;
    if (last === undefined || last.length === CHUNK) this.#chunks.push((last = this.#last = []));
    last.push(sensor);
    this.#size++;
  }

  /** Empties the list, then calls `fn` for each sensor it held, in order. */
  drain(fn: (sensor: Sensor) => void): void {
    if (this.#size === 0) return;
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#last = undefined;
    this.#size = 0;
    for (const chunk of chunks) for (let i = 0; i < chunk.length; i++) fn(chunk[i]!);
  }
}

/** The subscriptions of one client, sending each line through one `send` (its outbox's). */
export class Subscriptions {
  readonly #send: SendReading<unknown>;
  readonly #clock: Clock;
  readonly #samplerOptions: SamplerOptions;
  #table = new Map<Sensor, Subscription>();
  // Sensors subscribed with the strategy itself since the table was last brought up to date
  // (#index): each observed by #sendEvery, in no entry of the table.
  #listed = new SensorChunks();
  // Sensors the server dropped (removed or replaced) while the client was connected: a request
  // that looked sensors up and saw this count unchanged need not look them up again.
  #drops = 0;
  // True once #sendEvery was detached from a sensor (see #sendEvery).
  #detached = false;
  // The observer of every sensor whose subscription is its strategy (no sampler).
  readonly #sendEvery = (sensor: Sensor, reading: Reading<unknown>): void => {
    // A sensor notifying from a snapshot of its observers may still call this once after the
    // subscription ended (or became a sampler's), which detached this; until then, every call
    // comes from a sensor subscribed so, and needs no lookup.
    if (this.#detached) {
      const sub = this.#lookup(sensor);
      if (sub === undefined || isSampler(sub)) return;
    }
    this.#send(sensor, reading);
  };
  readonly #end = (sub: Subscription, sensor: Sensor): void => {
    if (isSampler(sub)) sub.close();
    else this.#detach(sensor);
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
    return this.#table.size + this.#listed.size;
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
    const sub = this.#lookup(sensor);
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
    const old = this.#lookup(sensor);
    if (old !== undefined) {
      this.#table.delete(sensor);
      this.#end(old, sensor);
    }
    if (sendsEveryUpdate(sensor, strategy)) {
      if (!keep) {
        this.#send(sensor, sensor.reading);
        return;
      }
      this.#listed.push(sensor);
      sensor.attach(this.#sendEvery);
      try {
        this.#send(sensor, sensor.reading);
      } catch (err) {
        // As createSampler closes a sampler whose first send failed.
        this.#index();
        this.#table.delete(sensor);
        this.#detach(sensor);
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
    const old = this.#lookup(sensor);
    if (old === undefined) return;
    this.#table.delete(sensor);
    this.#end(old, sensor);
  }

  /** Ends every subscription. */
  clear(): void {
    const subs = this.#table;
    const listed = this.#listed;
    if (subs.size === 0 && listed.size === 0) return;
    // Emptied before anything is ended, and walked without a copy.
    this.#table = new Map();
    listed.drain(this.#detachOne);
    subs.forEach(this.#end);
  }

  /** The subscription of `sensor`, if any. */
  #lookup(sensor: Sensor): Subscription | undefined {
    // Every subscription observes its sensor, so a sensor nobody observes has none: no lookup
    // (a first subscription to a whole device is mostly these).
    if (sensor.observerCount === 0) return undefined;
    if (this.#listed.size !== 0) this.#index();
    return this.#table.get(sensor);
  }

  /** Enters the listed sensors into the table. */
  #index(): void {
    this.#listed.drain(this.#enter);
  }

  readonly #enter = (sensor: Sensor): void => {
    this.#table.set(sensor, AUTO);
  };

  readonly #detachOne = (sensor: Sensor): void => {
    this.#detach(sensor);
  };

  #detach(sensor: Sensor): void {
    this.#detached = true;
    sensor.detach(this.#sendEvery);
  }
}
