/**
 * The {@link Sensor}: a named, typed value with a status and a timestamp, observed by samplers.
 * @module
 */
import type { Address } from '../codec/address.js';
import { discreteType, getType } from '../codec/types.js';
import type { IntegerValue, TypeCodec } from '../codec/types.js';
import { KatcpTypeError } from '../errors.js';
import { systemClock } from '../util/clock.js';
import type { Clock } from '../util/clock.js';
import { checkRange, rangeStatusFunc } from './range.js';
import type { SensorRange } from './range.js';
import { isSensorStatus, makeReading } from './status.js';
import type { Reading, SensorStatus } from './status.js';
import type { SamplingStrategy } from './strategy.js';
import { SENSOR_TYPES, checkAutoStrategy, invalidSensor, isValidSensorName } from './sensor-options.js';
import type { SensorFactoryOptions, SensorOptions, SensorTypeName, SetValueOptions } from './sensor-options.js';

export { isValidSensorName } from './sensor-options.js';
export type { SensorFactoryOptions, SensorOptions, SensorTypeName, SensorValueTypes, SetValueOptions } from './sensor-options.js';

/** Called synchronously on every new reading, with the reading it replaced. */
export type SensorObserver<T> = (sensor: Sensor<T>, reading: Reading<T>, previous: Reading<T>) => void;

// Method-shaped types are compared bivariantly, so a Sensor<number> stays assignable to Sensor
// (Sensor<unknown>) although it stores functions taking T.
type StoredObserver<T> = { call(sensor: Sensor<T>, reading: Reading<T>, previous: Reading<T>): void }['call'];
type StoredStatusFunc<T> = { call(value: T): SensorStatus }['call'];
const NO_OBSERVERS: readonly never[] = Object.freeze([]);

/**
 * {@link Sensor.setReading} for a caller that guarantees what it would check but the timestamp:
 * a reading made by {@link makeReading}, with a valid status and a value the sensor's own codec
 * gave (decoded from the wire, a Buffer then being a copy, or the sensor's current value). A
 * SensorWatcher sets the readings of its mirrors this way: one codec call per update instead of a
 * decode and a coerce.
 * @internal
 * @throws KatcpError for a timestamp that is not finite; an observer's error, as setReading
 */
export let setCheckedReading: <T>(sensor: Sensor<T>, reading: Reading<T>) => void;

/**
 * A sensor of any KATCP type. Values are validated (and normalised) by the type's codec; every
 * reading is a frozen object; observers are called synchronously on every new reading, even when
 * the value is unchanged.
 *
 * ```ts
 * const temp = Sensor.float({ name: 'rack.temperature', units: 'degC', range: { nominal: [10, 35] } });
 * temp.setValue(21.5);                      // status nominal (from the range), timestamp now
 * temp.setValue(40, { status: 'error' });
 * const detach = temp.attach((s, r) => console.log(s.name, r.status, r.value));
 * detach();
 * ```
 */
export class Sensor<T = unknown> {
  /** The sensor's name. */
  readonly name: string;
  /** Free-text description. */
  readonly description: string;
  /** Units (may be empty). */
  readonly units: string;
  /** The KATCP type. */
  readonly type: SensorTypeName;
  /** The codec that validates and encodes values (its `wireName` is the `#sensor-list` type). */
  readonly codec: TypeCodec<T>;
  /** The allowed values of a discrete sensor given `values`; undefined otherwise. */
  readonly values: readonly string[] | undefined;
  /** The advisory ranges of a numeric sensor, if given. */
  readonly range: Readonly<SensorRange> | undefined;
  /** What a client subscribing with `auto` gets; undefined means every update at once. */
  readonly autoStrategy: SamplingStrategy | undefined;
  /** The clock giving default timestamps. */
  readonly clock: Clock;
  // The status of a value set without one: undefined when every value is nominal (no call per
  // update); the sensor's own range function needs no check, a caller's status function does.
  readonly #statusFunc: StoredStatusFunc<T> | undefined;
  readonly #checkStatusFunc: boolean;
  // Only a bytes sensor's codec gives Buffers, which a reading copies (see #coerce).
  readonly #copiesBuffers: boolean;
  readonly #params: readonly string[];
  #reading: Reading<T>;
  // Copy-on-write: notification iterates the array it started with, so observers may attach and
  // detach during a notification without a per-update snapshot.
  #observers: readonly StoredObserver<T>[] = NO_OBSERVERS;

  static {
    setCheckedReading = <T>(sensor: Sensor<T>, reading: Reading<T>): void => {
      sensor.#checkTimestamp(reading.timestamp);
      sensor.#publish(reading);
    };
  }

  /**
   * @throws KatcpError (code `KATCP_ERR_INVALID_SENSOR`) for a bad name, type, range, status or
   *   auto strategy; KatcpTypeError for a default value the type refuses or bad discrete values
   */
  constructor(opts: SensorOptions<T>) {
    if (typeof opts !== 'object' || opts === null) throw invalidSensor('sensor options must be an object');
    const { name, type } = opts;
    if (!isValidSensorName(name)) {
      throw invalidSensor(`invalid sensor name ${JSON.stringify(name)}: use only letters, digits, '.', '-' and '_'`);
    }
    if (!SENSOR_TYPES.has(type)) throw invalidSensor(`sensor ${name}: unknown sensor type ${JSON.stringify(type)}`);
    const description = opts.description ?? '';
    const units = opts.units ?? '';
    if (typeof description !== 'string') throw invalidSensor(`sensor ${name}: description must be a string`);
    if (typeof units !== 'string') throw invalidSensor(`sensor ${name}: units must be a string`);
    this.name = name;
    this.description = description;
    this.units = units;
    this.type = type;

    const values = opts.values;
    if (values !== undefined && type !== 'discrete') throw invalidSensor(`sensor ${name}: only discrete sensors take values`);
    if (type === 'discrete' && values !== undefined && values.length > 0) {
      const codec = discreteType(values);
      this.codec = codec as unknown as TypeCodec<T>;
      this.values = codec.values;
    } else {
      this.codec = getType(type) as TypeCodec<T>;
      this.values = undefined;
    }

    let params: readonly string[] = this.values ?? NO_OBSERVERS;
    if (opts.range !== undefined) {
      const range = checkRange(opts.range, type);
      this.range = range;
      params = [...(range.nominal ?? []), ...(range.warn ?? [])].map((x) => this.codec.encode(x as T).toString('latin1'));
    } else {
      this.range = undefined;
    }
    this.#params = params;

    const statusFunc = opts.statusFunc;
    if (statusFunc !== undefined && typeof statusFunc !== 'function') throw invalidSensor(`sensor ${name}: statusFunc must be a function`);
    this.#statusFunc = statusFunc ?? (this.range?.nominal === undefined ? undefined : (rangeStatusFunc(this.range) as (value: T) => SensorStatus));
    this.#checkStatusFunc = statusFunc !== undefined;
    this.#copiesBuffers = type === 'bytes';

    this.autoStrategy = checkAutoStrategy(name, type, opts.autoStrategy);
    const clock: unknown = opts.clock ?? systemClock;
    if (typeof clock !== 'object' || clock === null || typeof (clock as Partial<Clock>).now !== 'function') {
      throw invalidSensor(`sensor ${name}: clock must be a Clock (with now(), monotonic(), setTimer(), clearTimer())`);
    }
    this.clock = clock as Clock;

    const initialStatus = opts.initialStatus ?? 'unknown';
    if (!isSensorStatus(initialStatus)) throw invalidSensor(`sensor ${name}: invalid initial status ${JSON.stringify(initialStatus)}`);
    const value = opts.default === undefined ? this.codec.defaultValue() : this.#coerce(opts.default, 'default value');
    this.#reading = makeReading(this.clock.now(), initialStatus, value);
  }

  /** The `#sensor-list` parameters: the discrete values, or the range bounds of a numeric sensor. */
  get params(): string[] {
    return [...this.#params];
  }

  /** The `#sensor-list` type name (`bytes` sensors are `string` on the wire). */
  get wireType(): string {
    return this.codec.wireName;
  }

  /** The current reading (a frozen object). */
  get reading(): Reading<T> {
    return this.#reading;
  }

  /** The current value. */
  get value(): T {
    return this.#reading.value;
  }

  /**
   * Sets the value with the default status and timestamp (like `setValue(v)`).
   * @throws like {@link setValue}
   */
  set value(value: T) {
    // The path of every plain update, kept to the fewest calls: a fresh process runs it
    // unoptimised, where a call costs about as much as the rest of this setter. So #coerce is
    // written out here, but for bytes sensors (their readings copy the Buffer).
    let v: T;
    if (this.#copiesBuffers) v = this.#coerce(value, 'value');
    else {
      try {
        v = this.codec.coerce(value);
      } catch (err) {
        throw this.#coerceError(err, 'value');
      }
    }
    const status = this.#statusFunc === undefined ? 'nominal' : this.#defaultStatus(v);
    const reading = makeReading(this.clock.now(), status, v);
    const previous = this.#reading;
    this.#reading = reading;
    const observers = this.#observers;
    // One observer (a sensor sampled by one client) is called here: its error is thrown as it
    // is, which is what #notify does with the error of one observer.
    if (observers.length === 1) observers[0]!(this, reading, previous);
    else if (observers.length !== 0) this.#notify(observers, reading, previous);
  }

  /** The current status. */
  get status(): SensorStatus {
    return this.#reading.status;
  }

  /** The current timestamp, seconds since the epoch. */
  get timestamp(): number {
    return this.#reading.timestamp;
  }

  /** Number of attached observers (samplers, aggregates, watchers). */
  get observerCount(): number {
    return this.#observers.length;
  }

  /**
   * Sets a new reading and notifies every observer, even when nothing changed.
   * @throws KatcpTypeError when the type refuses the value; KatcpError for a bad status or timestamp;
   *   an observer's error after every observer has been called (AggregateError if several failed)
   */
  setValue(value: T, opts?: SetValueOptions): void {
    if (opts === undefined) {
      this.value = value;
      return;
    }
    const v = this.#coerce(value, 'value');
    let status = opts.status;
    if (status === undefined) status = this.#defaultStatus(v);
    else this.#checkStatus(status);
    let timestamp = opts.timestamp;
    if (timestamp === undefined) timestamp = this.clock.now();
    else this.#checkTimestamp(timestamp);
    this.#publish(makeReading(timestamp, status, v));
  }

  /**
   * Sets a whole reading (validated like {@link setValue}) and notifies every observer.
   * @throws like {@link setValue}
   */
  setReading(reading: Reading<T>): void {
    if (typeof reading !== 'object' || reading === null) throw invalidSensor(`sensor ${this.name}: a reading must be an object`);
    const { timestamp, status } = reading;
    const v = this.#coerce(reading.value, 'value');
    this.#checkStatus(status);
    this.#checkTimestamp(timestamp);
    this.#publish(Object.isFrozen(reading) && v === reading.value ? reading : makeReading(timestamp, status, v));
  }

  /**
   * Calls `observer(sensor, reading, previous)` on every new reading until detached. Attaching the
   * same function twice has no effect.
   * @returns a function that detaches the observer (calling it again is harmless)
   */
  attach(observer: SensorObserver<T>): () => void {
    if (typeof observer !== 'function') throw invalidSensor(`sensor ${this.name}: an observer must be a function`);
    const observers = this.#observers;
    // A first observer (the usual case: one client's subscription) makes a one-element array;
    // spreading the shared frozen empty list took the iterator's slow path.
    if (observers.length === 0) this.#observers = [observer];
    else if (!observers.includes(observer)) this.#observers = [...observers, observer];
    return () => {
      this.detach(observer);
    };
  }

  /** Stops calling `observer`; unknown observers are ignored. */
  detach(observer: SensorObserver<T>): void {
    const observers = this.#observers;
    const i = observers.indexOf(observer);
    if (i === -1) return;
    if (observers.length === 1) {
      this.#observers = NO_OBSERVERS;
      return;
    }
    const next = observers.slice();
    next.splice(i, 1);
    this.#observers = next;
  }

  /** The status of `v` set without one: from the status function (checked when the caller gave it). */
  #defaultStatus(v: T): SensorStatus {
    if (this.#statusFunc === undefined) return 'nominal';
    const status = this.#statusFunc(v);
    if (this.#checkStatusFunc) this.#checkStatus(status);
    return status;
  }

  #checkStatus(status: unknown): asserts status is SensorStatus {
    if (!isSensorStatus(status)) throw invalidSensor(`sensor ${this.name}: invalid status ${JSON.stringify(status)}`);
  }

  #checkTimestamp(timestamp: unknown): asserts timestamp is number {
    if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
      throw invalidSensor(`sensor ${this.name}: timestamp must be a finite number of seconds, not ${String(timestamp)}`);
    }
  }

  #coerce(value: unknown, what: string): T {
    let v: T;
    try {
      v = this.codec.coerce(value);
    } catch (err) {
      throw this.#coerceError(err, what);
    }
    // A reading keeps its own bytes: a caller reusing one buffer for every read must not
    // change earlier readings (nor hide changes from samplers comparing with the last sent).
    return this.#copiesBuffers ? (Buffer.from(v as Buffer) as T) : v;
  }

  /** The error to throw for a value the codec refused (`err`): a type error names the sensor. */
  #coerceError(err: unknown, what: string): unknown {
    if (!(err instanceof KatcpTypeError)) return err;
    return new KatcpTypeError(err.typeName, `sensor ${this.name}: invalid ${what}: ${err.message}`, undefined, { cause: err });
  }

  #publish(reading: Reading<T>): void {
    const previous = this.#reading;
    this.#reading = reading;
    this.#notify(this.#observers, reading, previous);
  }

  /** Calls every observer, then throws the error of any that failed (AggregateError if several did). */
  #notify(observers: readonly StoredObserver<T>[], reading: Reading<T>, previous: Reading<T>): void {
    let errors: unknown[] | undefined;
    for (let i = 0; i < observers.length; i++) {
      try {
        observers[i]!(this, reading, previous);
      } catch (err) {
        (errors ??= []).push(err);
      }
    }
    if (errors !== undefined) {
      throw errors.length === 1 ? errors[0] : new AggregateError(errors, `${errors.length} observers of sensor ${this.name} failed`);
    }
  }

  /** An `integer` sensor (values are `number`, or `bigint` beyond 2^53). */
  static integer(opts: SensorFactoryOptions<IntegerValue>): Sensor<IntegerValue> {
    return new Sensor<IntegerValue>({ ...opts, type: 'integer' });
  }

  /** A `float` sensor. */
  static float(opts: SensorFactoryOptions<number>): Sensor<number> {
    return new Sensor<number>({ ...opts, type: 'float' });
  }

  /** A `boolean` sensor. */
  static boolean(opts: SensorFactoryOptions<boolean>): Sensor<boolean> {
    return new Sensor<boolean>({ ...opts, type: 'boolean' });
  }

  /** A `discrete` sensor whose value is one of `values` (typed as their union). */
  static discrete<const V extends string>(opts: Omit<SensorFactoryOptions<V>, 'values'> & { values: readonly V[] }): Sensor<V> {
    return new Sensor<V>({ ...opts, type: 'discrete' });
  }

  /** An `lru` sensor (`nominal` or `error`; deprecated in KATCP v5). */
  static lru(opts: SensorFactoryOptions<'nominal' | 'error'>): Sensor<'nominal' | 'error'> {
    return new Sensor<'nominal' | 'error'>({ ...opts, type: 'lru' });
  }

  /** A `string` sensor holding text (UTF-8 on the wire). */
  static string(opts: SensorFactoryOptions<string>): Sensor<string> {
    return new Sensor<string>({ ...opts, type: 'string' });
  }

  /** A sensor holding raw bytes (wire type `string`); each value set is copied into its reading. */
  static bytes(opts: SensorFactoryOptions<Buffer>): Sensor<Buffer> {
    return new Sensor<Buffer>({ ...opts, type: 'bytes' });
  }

  /** A `timestamp` sensor (seconds since the epoch; give it no units). */
  static timestamp(opts: SensorFactoryOptions<number>): Sensor<number> {
    return new Sensor<number>({ ...opts, type: 'timestamp' });
  }

  /** An `address` sensor. */
  static address(opts: SensorFactoryOptions<Address>): Sensor<Address> {
    return new Sensor<Address>({ ...opts, type: 'address' });
  }
}
