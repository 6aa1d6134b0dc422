/**
 * `resource.sensor.<name>`: a remote sensor as seen by a resource client (katcp-python's
 * `KATCPSensor`), with its latest reading, listeners, an async iterator, waits and its
 * sampling strategy.
 * @module
 */
import { KatcpError } from '../errors.js';
import type { SensorInfo } from '../inspecting/model.js';
import type { SamplingStrategy } from '../sensor/strategy.js';
import type { Reading, SensorStatus } from '../sensor/status.js';
import type { CallOptions } from '../util/abort.js';
import type { Clock } from '../util/clock.js';
import { CALL_OPTION_KEYS, checkOptions } from '../util/options.js';
import { Waiters } from '../inspecting/waiters.js';
import { compileCondition } from './condition.js';
import type { WaitCondition } from './condition.js';
import { ReadingStream } from './reading-stream.js';
import type { ReadingStreamOptions } from './reading-stream.js';
import type { StrategyInput } from './strategy.js';

/** A reading of a resource sensor: the device's reading plus when it was received (seconds). */
export interface ResourceReading<T = unknown> extends Reading<T> {
  /** Local time (seconds since the epoch) when the update was processed. */
  readonly receivedTimestamp: number;
}

/** Called with the sensor and its new reading on every update (even when nothing changed). */
export type SensorListener<T = unknown> = (sensor: ResourceSensor<T>, reading: ResourceReading<T>) => void;

/** What a sensor asks of the resource that owns it. */
export interface SensorHost {
  readonly clock: Clock;
  /** The cached strategy of this sensor (`none` when there is none). */
  strategyOf(sensor: ResourceSensor): SamplingStrategy;
  /** Set (and cache) a strategy; see `ResourceSensor.setStrategy`. */
  setStrategy(sensor: ResourceSensor, strategy: StrategyInput, params: string | number | readonly (string | number)[] | undefined, opts: CallOptions): Promise<boolean>;
  /** Forget the cached strategy. */
  dropStrategy(sensor: ResourceSensor): void;
  /** Ask the device for the current reading (`?sensor-value`), which updates the sensor. */
  poll(sensor: ResourceSensor, opts: CallOptions): Promise<void>;
  /** Report a listener that threw. */
  warn(err: Error): void;
}

/** An iterator whose first `next()` rejects with `err` (a reading stream asked for after stop()). */
function failedIterator<V>(err: Error): AsyncIterableIterator<V> {
  let failed = false;
  const it: AsyncIterableIterator<V> = {
    next: () => {
      if (failed) return Promise.resolve({ done: true, value: undefined });
      failed = true;
      return Promise.reject(err);
    },
    return: () => Promise.resolve({ done: true, value: undefined }),
    [Symbol.asyncIterator]: () => it,
  };
  return it;
}

const INITIAL: ResourceReading<undefined> = Object.freeze({ timestamp: 0, receivedTimestamp: 0, status: 'unknown', value: undefined });

/**
 * A sensor of a resource client. Objects are stable: the same object is kept across reconnects
 * and resyncs (its metadata is refreshed when the device changes the sensor), and across a
 * removal and re-addition of the sensor when it has listeners, iterators, waits or a strategy.
 */
export class ResourceSensor<T = unknown> {
  /** The KATCP name, e.g. `fruit.result`. */
  readonly name: string;
  /** The escaped name used as property name, e.g. `fruit_result`. */
  readonly identifier: string;
  /** Name of the resource that owns this sensor. */
  readonly parentName: string;
  readonly #host: SensorHost;
  #info: SensorInfo;
  #present = true;
  #reading: ResourceReading<T | undefined> = INITIAL;
  #listeners: SensorListener<T>[] = [];
  readonly #streams = new Set<ReadingStream<ResourceReading<T>>>();
  readonly #waiters: Waiters<ResourceReading<T | undefined>>;
  /** Set while the resource is stopped: new waits and reading streams fail with it. */
  #closedError: Error | undefined;

  /** @internal created by the resource client */
  constructor(info: SensorInfo, identifier: string, parentName: string, host: SensorHost) {
    this.name = info.name;
    this.identifier = identifier;
    this.parentName = parentName;
    this.#host = host;
    this.#info = info;
    this.#waiters = new Waiters(host.clock);
  }

  /** The KATCP type as listed (`integer`, `float`, `discrete`, ...). */
  get type(): string {
    return this.#info.type;
  }

  /** Units (may be empty). */
  get units(): string {
    return this.#info.units;
  }

  /** Description. */
  get description(): string {
    return this.#info.description;
  }

  /** `#sensor-list` parameters: discrete values or range bounds, as text. */
  get params(): readonly string[] {
    return this.#info.params;
  }

  /** The full description as listed by the device. */
  get info(): SensorInfo {
    return this.#info;
  }

  /** False while the device does not list this sensor (after a removal). */
  get present(): boolean {
    return this.#present;
  }

  /** The latest reading; `{timestamp: 0, status: 'unknown', value: undefined}` before the first update. */
  get reading(): ResourceReading<T | undefined> {
    return this.#reading;
  }

  /** The latest value. */
  get value(): T | undefined {
    return this.#reading.value;
  }

  /** The latest status. */
  get status(): SensorStatus {
    return this.#reading.status;
  }

  /** The device timestamp of the latest reading (seconds). */
  get timestamp(): number {
    return this.#reading.timestamp;
  }

  /** The cached sampling strategy (`{strategy: 'none'}` when none was set). */
  get samplingStrategy(): SamplingStrategy {
    return this.#host.strategyOf(this as ResourceSensor);
  }

  /** True when listeners, iterators, waits or a strategy depend on this object. */
  get inUse(): boolean {
    return this.#listeners.length > 0 || this.#streams.size > 0 || this.#waiters.size > 0 || this.samplingStrategy.strategy !== 'none';
  }

  /** @internal the resource refreshes the metadata and presence */
  updateInfo(info: SensorInfo, present: boolean): void {
    this.#info = info;
    this.#present = present;
  }

  /**
   * Store a reading and notify listeners, iterators and waits. The inspecting client calls this
   * for every update from the device; calling it yourself injects a reading locally.
   */
  setReading(reading: Reading<unknown>): void {
    const r: ResourceReading<T> = Object.freeze({
      timestamp: reading.timestamp,
      status: reading.status,
      value: reading.value as T,
      receivedTimestamp: this.#host.clock.now(),
    });
    this.#reading = r;
    for (const listener of this.#listeners) {
      try {
        listener(this, r);
      } catch (err) {
        this.#host.warn(new KatcpError(`listener of sensor ${this.name} threw: ${(err as Error).message}`, 'KATCP_ERR_LISTENER', { cause: err }));
      }
    }
    for (const s of this.#streams) s.push(r);
    this.#waiters.update(r);
  }

  /** Fetch the reading from the device (`?sensor-value`). @throws FailReply when the device refuses */
  async getReading(opts: CallOptions = {}): Promise<ResourceReading<T | undefined>> {
    await this.#host.poll(this as ResourceSensor, opts);
    return this.#reading;
  }

  /** Fetch the value from the device. */
  async getValue(opts: CallOptions = {}): Promise<T | undefined> {
    return (await this.getReading(opts)).value;
  }

  /** Fetch the status from the device. */
  async getStatus(opts: CallOptions = {}): Promise<SensorStatus> {
    return (await this.getReading(opts)).status;
  }

  /**
   * Set the sampling strategy: `setStrategy('event')`, `setStrategy('period', 0.5)`,
   * `setStrategy('event-rate 1 10')`, `setStrategy({strategy: 'period', period: 0.5})`.
   * Resolves true when the device accepted it, false when it was cached to be applied at the
   * next (re)connection. Rejects (and caches nothing) when the strategy is invalid or the device
   * refuses it. A cached strategy is re-applied once after every reconnect.
   */
  setStrategy(strategy: StrategyInput, params?: string | number | readonly (string | number)[], opts: CallOptions = {}): Promise<boolean> {
    return this.#host.setStrategy(this as ResourceSensor, strategy, params, opts);
  }

  /** Same as {@link setStrategy} with the strategy in one argument (katcp-python's `set_sampling_strategy`). */
  setSamplingStrategy(strategy: StrategyInput, opts: CallOptions = {}): Promise<boolean> {
    return this.#host.setStrategy(this as ResourceSensor, strategy, undefined, opts);
  }

  /** Forget the cached strategy (nothing is sent to the device; it is not re-applied later). */
  dropSamplingStrategy(): void {
    this.#host.dropStrategy(this as ResourceSensor);
  }

  /** Call `listener(sensor, reading)` on every update; returns a function that unregisters it. Registering the same function twice has no effect. */
  registerListener(listener: SensorListener<T>): () => void {
    if (!this.#listeners.includes(listener)) this.#listeners = [...this.#listeners, listener];
    return () => this.unregisterListener(listener);
  }

  /** Remove a listener; false when it was not registered. */
  unregisterListener(listener: SensorListener<T>): boolean {
    const before = this.#listeners.length;
    this.#listeners = this.#listeners.filter((l) => l !== listener);
    return this.#listeners.length !== before;
  }

  /** True when `listener` is registered. */
  isListener(listener: SensorListener<T>): boolean {
    return this.#listeners.includes(listener);
  }

  /** Remove every listener. */
  clearListeners(): void {
    this.#listeners = [];
  }

  /** The registered listeners. */
  get listeners(): readonly SensorListener<T>[] {
    return this.#listeners;
  }

  /**
   * Iterate over the readings received from now on: `for await (const r of sensor.readings())`.
   * `break` or the signal ends it; see {@link ReadingStreamOptions} for the buffer bound.
   */
  readings(opts: ReadingStreamOptions = {}): AsyncIterableIterator<ResourceReading<T>> {
    checkOptions(opts, ['signal', 'maxBuffer'], `${this.parentName}.sensor.${this.identifier}.readings`, { durations: [] });
    const closed = this.#closedError;
    if (closed !== undefined) return failedIterator(closed);
    const stream = new ReadingStream<ResourceReading<T>>(opts, (ended) => this.#streams.delete(ended));
    if (!stream.isClosed) this.#streams.add(stream);
    return stream;
  }

  /** Same as `readings()`. */
  [Symbol.asyncIterator](): AsyncIterableIterator<ResourceReading<T>> {
    return this.readings();
  }

  /**
   * Wait until the reading satisfies `condition` (see {@link WaitCondition}); resolves with that
   * reading. The current reading is tested first. Rejects with `KatcpTimeoutError` /
   * `KatcpAbortError` per `opts`, and with a `KatcpError` (code `KATCP_ERR_NO_STRATEGY`) when no
   * sampling strategy is set, since no update would ever arrive.
   */
  wait(condition: WaitCondition<T, ResourceReading<T>>, opts: CallOptions = {}): Promise<ResourceReading<T>> {
    let test: (r: ResourceReading<T>) => boolean;
    try {
      checkOptions(opts, CALL_OPTION_KEYS, `${this.parentName}.sensor.${this.identifier}.wait`);
      if (this.#closedError !== undefined) throw this.#closedError;
      if (this.samplingStrategy.strategy === 'none') {
        throw new KatcpError(`cannot wait on sensor ${this.name}: it has no sampling strategy (set one with setStrategy())`, 'KATCP_ERR_NO_STRATEGY');
      }
      test = compileCondition(condition, this.type);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new KatcpError(String(err)));
    }
    return this.#waiters.wait(this.#reading, (r) => r.receivedTimestamp > 0 && test(r as ResourceReading<T>), {
      ...opts,
      what: `waiting on sensor ${this.name}`,
    }) as Promise<ResourceReading<T>>;
  }

  /**
   * @internal the resource stopped: iterators end, pending and new waits and new reading
   * streams fail with `err` until {@link reopen}
   */
  shutdown(err: Error): void {
    this.#closedError = err;
    for (const s of [...this.#streams]) s.end();
    this.#waiters.close(err);
  }

  /** @internal the resource started again */
  reopen(): void {
    this.#closedError = undefined;
    this.#waiters.reopen();
  }

  /** `ResourceSensor(fruit.result nominal 'apple')` in `console.log`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `ResourceSensor(${this.name} ${this.status} ${String(this.value)})`;
  }
}
