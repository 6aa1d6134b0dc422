/**
 * Aggregate sensors: sensors whose reading is computed from the sensors of a {@link SensorSet}
 * (aiokatcp's `AggregateSensor` and `SimpleAggregateSensor`).
 * @module
 */
import { KatcpError, KatcpErrorCode } from '../errors.js';
import { Sensor } from './sensor.js';
import type { SensorObserver, SensorOptions } from './sensor.js';
import { SensorSet } from './sensor-set.js';
import type { SensorSetCallback } from './sensor-set.js';
import { makeReading, statusIsValid } from './status.js';
import type { Reading, SensorStatus } from './status.js';

// The callbacks an aggregate registers on its target and its sensors. They reach the aggregate
// only through a WeakRef, so an aggregate nobody else holds can be garbage-collected.
interface Links {
  readonly target: SensorSet;
  readonly observer: SensorObserver<unknown>;
  readonly onAdd: SensorSetCallback;
  readonly onRemove: SensorSetCallback;
  offAdd?: () => void;
  offRemove?: () => void;
}

function unlink(links: Links): void {
  links.offAdd?.();
  links.offRemove?.();
  for (const s of links.target.values()) s.detach(links.observer);
}

const collected = new FinalizationRegistry<Links>(unlink);

/** Life cycle of an aggregate: `pending` until first used, then `live`, `closed` after close(). */
const AggregateState = { Pending: 'pending', Live: 'live', Closed: 'closed' } as const;
type AggregateState = (typeof AggregateState)[keyof typeof AggregateState];

/**
 * A sensor whose reading is derived from the sensors of `target` (by default all of them except
 * itself; override {@link filterAggregate}). Subclasses implement {@link updateAggregate}, which is
 * called with `(undefined, undefined, undefined)` first, `(s, s.reading, undefined)` when `s` is
 * added to the target, `(s, undefined, s.reading)` when it is removed, and `(s, new, old)` on
 * each update of `s`; a returned reading is applied with `setValue`, `undefined` leaves the
 * reading untouched. The aggregate itself is never watched, even if it is in its own target.
 *
 * The aggregate starts following its target the first time its reading is read or an observer is
 * attached (by then subclass fields are initialised). It holds its target's callbacks only
 * weakly, so it can be garbage-collected; `close()` detaches it at once.
 */
export abstract class AggregateSensor<T = unknown> extends Sensor<T> {
  /** The sensors the reading is derived from. */
  readonly target: SensorSet;
  #state: AggregateState = AggregateState.Pending;
  #links: Links | undefined;

  /** @throws KatcpError when `target` is not a SensorSet; like {@link Sensor} for bad options */
  constructor(target: SensorSet, opts: SensorOptions<T>) {
    super(opts);
    if (!(target instanceof SensorSet)) throw new KatcpError(`aggregate sensor ${opts.name}: target must be a SensorSet`, KatcpErrorCode.InvalidSensor);
    this.target = target;
  }

  /**
   * Computes the aggregate's new reading after a change in the target.
   * @param sensor the sensor that changed (undefined for the initial computation)
   * @param reading its new reading (undefined when it was removed)
   * @param previous its previous reading (undefined when it was added)
   * @returns the new reading, or undefined to leave the reading as it is
   */
  protected abstract updateAggregate(
    sensor: Sensor | undefined,
    reading: Reading<unknown> | undefined,
    previous: Reading<unknown> | undefined,
  ): Reading<T> | undefined;

  /** Whether a sensor of the target takes part (default: every sensor but this one). */
  protected filterAggregate(sensor: Sensor): boolean {
    return sensor !== this;
  }

  /** True while following the target (from first use until {@link close}). */
  get isLive(): boolean {
    return this.#state === AggregateState.Live;
  }

  /** Stops following the target; the reading keeps its last value. Idempotent. */
  close(): void {
    if (this.#links !== undefined) {
      collected.unregister(this);
      unlink(this.#links);
      this.#links = undefined;
    }
    this.#state = AggregateState.Closed;
  }

  override get reading(): Reading<T> {
    this.#ensureLive();
    return super.reading;
  }

  override get value(): T {
    this.#ensureLive();
    return super.value;
  }

  override set value(value: T) {
    this.setValue(value);
  }

  override get status(): SensorStatus {
    this.#ensureLive();
    return super.status;
  }

  override get timestamp(): number {
    this.#ensureLive();
    return super.timestamp;
  }

  override attach(observer: SensorObserver<T>): () => void {
    this.#ensureLive();
    return super.attach(observer);
  }

  #ensureLive(): void {
    if (this.#state !== AggregateState.Pending) return;
    this.#state = AggregateState.Live;
    const links = AggregateSensor.#link(new WeakRef<AggregateSensor<unknown>>(this), this.target);
    this.#links = links;
    for (const s of this.target.values()) {
      if (s !== this && this.filterAggregate(s)) s.attach(links.observer);
    }
    links.offAdd = this.target.onAdd(links.onAdd);
    links.offRemove = this.target.onRemove(links.onRemove);
    collected.register(this, links, this);
    this.#apply(undefined, undefined, undefined);
  }

  #apply(sensor: Sensor | undefined, reading: Reading<unknown> | undefined, previous: Reading<unknown> | undefined): void {
    const next = this.updateAggregate(sensor, reading, previous);
    if (next !== undefined) this.setValue(next.value, { status: next.status, timestamp: next.timestamp });
  }

  #added(sensor: Sensor, links: Links): void {
    if (sensor === this || !this.filterAggregate(sensor)) return;
    sensor.attach(links.observer);
    this.#apply(sensor, sensor.reading, undefined);
  }

  #removed(sensor: Sensor, links: Links): void {
    sensor.detach(links.observer);
    if (sensor === this || !this.filterAggregate(sensor)) return;
    this.#apply(sensor, undefined, sensor.reading);
  }

  // Static, so that the closures capture the WeakRef and never `this`.
  static #link(ref: WeakRef<AggregateSensor<unknown>>, target: SensorSet): Links {
    const links: Links = {
      target,
      observer: (sensor, reading, previous) => {
        const self = ref.deref();
        if (self === undefined) sensor.detach(links.observer);
        else if (sensor !== self) self.#apply(sensor, reading, previous);
      },
      onAdd: (sensor) => {
        const self = ref.deref();
        if (self === undefined) unlink(links);
        else self.#added(sensor, links);
      },
      onRemove: (sensor) => {
        const self = ref.deref();
        if (self === undefined) unlink(links);
        else self.#removed(sensor, links);
      },
    };
    return links;
  }
}

/**
 * An {@link AggregateSensor} driven by an internal state that readings are added to and removed
 * from (e.g. a sum, or counts per status). Subclasses implement {@link aggregateAdd},
 * {@link aggregateRemove} and {@link aggregateCompute}. Initially every participating sensor
 * whose status is valid is added ({@link includeInitially}); on an update the old reading is
 * removed and the new one added, whatever their statuses. The reading is recomputed only when
 * either call returns true. Its timestamp is the updating reading's timestamp for updates and the
 * clock's `now()` for the initial computation and for additions and removals, and never goes
 * backwards.
 */
export abstract class SimpleAggregateSensor<T = unknown> extends AggregateSensor<T> {
  /** Adds a reading to the internal state. @returns true if the aggregate should be recomputed */
  protected abstract aggregateAdd(sensor: Sensor, reading: Reading<unknown>): boolean;

  /** Removes a reading from the internal state. @returns true if the aggregate should be recomputed */
  protected abstract aggregateRemove(sensor: Sensor, reading: Reading<unknown>): boolean;

  /** Computes the aggregate's status and value from the internal state. */
  protected abstract aggregateCompute(): { status: SensorStatus; value: T };

  /** Whether a sensor's reading is added at the initial computation (default: when its status is valid). */
  protected includeInitially(_sensor: Sensor, reading: Reading<unknown>): boolean {
    return statusIsValid(reading.status);
  }

  protected override updateAggregate(
    sensor: Sensor | undefined,
    reading: Reading<unknown> | undefined,
    previous: Reading<unknown> | undefined,
  ): Reading<T> | undefined {
    let timestamp: number;
    if (sensor === undefined) {
      for (const s of this.target.values()) {
        if (s !== this && this.filterAggregate(s) && this.includeInitially(s, s.reading)) this.aggregateAdd(s, s.reading);
      }
      timestamp = this.clock.now();
    } else {
      let update = false;
      if (previous !== undefined) update = this.aggregateRemove(sensor, previous);
      if (reading !== undefined) update = this.aggregateAdd(sensor, reading) || update;
      if (!update) return undefined;
      timestamp = previous !== undefined && reading !== undefined ? reading.timestamp : this.clock.now();
    }
    const { status, value } = this.aggregateCompute();
    return makeReading(Math.max(timestamp, this.timestamp), status, value);
  }
}
