/**
 * {@link SensorSet}: the sensors of a device, by name, with add/remove callbacks.
 * @module
 */
import { KatcpError, KatcpErrorCode } from '../errors.js';
import { Sensor } from './sensor.js';

/** Called with the sensor added to or removed from a {@link SensorSet}. */
export type SensorSetCallback = (sensor: Sensor) => void;

// Callbacks run over the list as it was when the event began (copy-on-write), all of them even if
// one throws; errors are collected so the set's state is complete before anything is rethrown.
function callAll(callbacks: readonly SensorSetCallback[], sensor: Sensor, errors: unknown[]): void {
  for (const cb of callbacks) {
    try {
      cb(sensor);
    } catch (err) {
      errors.push(err);
    }
  }
}

// `sensor` names the sensor in the AggregateError; without it the failures came from clear().
function rethrow(errors: unknown[], sensor?: Sensor): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    const during = sensor === undefined ? 'while clearing' : `for sensor ${sensor.name}`;
    throw new AggregateError(errors, `${errors.length} SensorSet callbacks failed ${during}`);
  }
}

function without<T>(list: readonly T[], item: T): readonly T[] {
  const i = list.indexOf(item);
  return i === -1 ? list : [...list.slice(0, i), ...list.slice(i + 1)];
}

/**
 * A name -> sensor collection (insertion order) that tells listeners about additions and
 * removals; a server keeps its sensors in one and reacts to changes.
 *
 * Adding a sensor whose name is taken by another sensor replaces it (remove callbacks for the old
 * one, then add callbacks for the new one); adding the very same sensor again does nothing.
 *
 * ```ts
 * const sensors = new SensorSet();
 * const off = sensors.onAdd((s) => console.log('added', s.name));
 * sensors.add(Sensor.float({ name: 'x' }));
 * off();
 * ```
 */
export class SensorSet implements Iterable<Sensor> {
  readonly #sensors = new Map<string, Sensor>();
  #onAdd: readonly SensorSetCallback[] = [];
  #onRemove: readonly SensorSetCallback[] = [];

  /** @param sensors initial sensors (no callbacks can be registered yet, so none fire) */
  constructor(sensors?: Iterable<Sensor>) {
    if (sensors !== undefined) for (const s of sensors) this.add(s);
  }

  /**
   * Adds a sensor, replacing any other sensor of the same name.
   * @returns this set
   * @throws KatcpError when `sensor` is not a Sensor; a callback's error after all ran
   */
  add(sensor: Sensor): this {
    if (!(sensor instanceof Sensor)) throw new KatcpError('only Sensor objects can be added to a SensorSet', KatcpErrorCode.InvalidSensor);
    const old = this.#sensors.get(sensor.name);
    if (old === sensor) return this;
    if (old === undefined && this.#onAdd.length === 0) {
      // The common case when a set is filled: nothing to replace and nobody to tell.
      this.#sensors.set(sensor.name, sensor);
      return this;
    }
    const errors: unknown[] = [];
    if (old !== undefined) {
      this.#sensors.delete(old.name);
      callAll(this.#onRemove, old, errors);
    }
    this.#sensors.set(sensor.name, sensor);
    callAll(this.#onAdd, sensor, errors);
    rethrow(errors, sensor);
    return this;
  }

  /**
   * Removes a sensor given by name, or by object (only that very object counts, not another
   * sensor with the same name). Remove callbacks fire.
   * @returns true when a sensor was removed
   */
  remove(sensorOrName: Sensor | string): boolean {
    const name = typeof sensorOrName === 'string' ? sensorOrName : sensorOrName.name;
    const current = this.#sensors.get(name);
    if (current === undefined || (typeof sensorOrName !== 'string' && current !== sensorOrName)) return false;
    this.#sensors.delete(name);
    const errors: unknown[] = [];
    callAll(this.#onRemove, current, errors);
    rethrow(errors, current);
    return true;
  }

  /** Removes every sensor (remove callbacks fire for each). */
  clear(): void {
    const errors: unknown[] = [];
    for (const s of [...this.#sensors.values()]) {
      this.#sensors.delete(s.name);
      callAll(this.#onRemove, s, errors);
    }
    rethrow(errors);
  }

  /** The sensor called `name`, if any. */
  get(name: string): Sensor | undefined {
    return this.#sensors.get(name);
  }

  /** True when a sensor has this name, or (given a sensor) when this very sensor is in the set. */
  has(sensorOrName: Sensor | string): boolean {
    if (typeof sensorOrName === 'string') return this.#sensors.has(sensorOrName);
    return this.#sensors.get(sensorOrName.name) === sensorOrName;
  }

  /** Number of sensors. */
  get size(): number {
    return this.#sensors.size;
  }

  /** The names, in insertion order. */
  names(): IterableIterator<string> {
    return this.#sensors.keys();
  }

  /** The names, in insertion order (Map-like alias of {@link names}). */
  keys(): IterableIterator<string> {
    return this.#sensors.keys();
  }

  /** The sensors, in insertion order. */
  values(): IterableIterator<Sensor> {
    return this.#sensors.values();
  }

  /** `[name, sensor]` pairs, in insertion order. */
  entries(): IterableIterator<[string, Sensor]> {
    return this.#sensors.entries();
  }

  /** Iterates the sensors. */
  [Symbol.iterator](): IterableIterator<Sensor> {
    return this.#sensors.values();
  }

  /**
   * Calls `cb(sensor)` after each sensor is added (in registration order).
   * @returns a function that unregisters the callback (once; further calls do nothing)
   */
  onAdd(cb: SensorSetCallback): () => void {
    this.#onAdd = [...this.#onAdd, cb];
    let registered = true;
    return () => {
      if (registered) this.#onAdd = without(this.#onAdd, cb);
      registered = false;
    };
  }

  /**
   * Calls `cb(sensor)` after each sensor is removed (in registration order).
   * @returns a function that unregisters the callback (once; further calls do nothing)
   */
  onRemove(cb: SensorSetCallback): () => void {
    this.#onRemove = [...this.#onRemove, cb];
    let registered = true;
    return () => {
      if (registered) this.#onRemove = without(this.#onRemove, cb);
      registered = false;
    };
  }
}
