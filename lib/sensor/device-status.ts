/**
 * The conventional `device-status` sensor (discrete `ok`/`degraded`/`fail`) and an aggregate that
 * derives it from the worst status of a device's other sensors.
 * @module
 */
import { DeviceStatus } from '../codec/text-types.js';
import type { Clock } from '../util/clock.js';
import { SimpleAggregateSensor } from './aggregate.js';
import { Sensor } from './sensor.js';
import type { SensorSet } from './sensor-set.js';
import type { Reading, SensorStatus } from './status.js';
import type { SamplingStrategy } from './strategy.js';

/** The values of a device-status sensor, best first. */
export const DEVICE_STATUS_VALUES: readonly DeviceStatus[] = Object.freeze([DeviceStatus.Ok, DeviceStatus.Degraded, DeviceStatus.Fail]);

/** The sensor status that goes with a device status: ok -> nominal, degraded -> warn, fail -> error. */
export function deviceStatusToSensorStatus(value: DeviceStatus): SensorStatus {
  return value === 'ok' ? 'nominal' : value === 'degraded' ? 'warn' : 'error';
}

/**
 * Default contribution of each sensor status to the device status: nominal -> ok, warn ->
 * degraded, error and failure -> fail; unknown, unreachable and inactive readings are ignored.
 */
export const DEFAULT_DEVICE_STATUS_MAP: Readonly<Partial<Record<SensorStatus, DeviceStatus>>> = Object.freeze({
  nominal: 'ok',
  warn: 'degraded',
  error: 'fail',
  failure: 'fail',
});

/** Options of {@link deviceStatusSensor}. */
export interface DeviceStatusSensorOptions {
  /** Default `device-status`. */
  name?: string;
  /** Default `Overall device status`. */
  description?: string;
  /** Initial value (default `ok`). */
  default?: DeviceStatus;
  /** Initial status (default `nominal`). */
  initialStatus?: SensorStatus;
  /** See {@link SensorOptions.autoStrategy}. */
  autoStrategy?: SamplingStrategy;
  /** Timestamp source (default the system clock). */
  clock?: Clock;
}

/**
 * A `device-status` sensor you set yourself: discrete `ok`/`degraded`/`fail` whose status follows
 * the value (nominal/warn/error), listed as `discrete ok degraded fail`.
 */
export function deviceStatusSensor(opts: DeviceStatusSensorOptions = {}): Sensor<DeviceStatus> {
  return Sensor.discrete({
    name: opts.name ?? 'device-status',
    description: opts.description ?? 'Overall device status',
    values: DEVICE_STATUS_VALUES,
    default: opts.default ?? 'ok',
    initialStatus: opts.initialStatus ?? 'nominal',
    statusFunc: deviceStatusToSensorStatus,
    autoStrategy: opts.autoStrategy,
    clock: opts.clock,
  });
}

/** Options of {@link DeviceStatusAggregate}. */
export interface DeviceStatusAggregateOptions extends Omit<DeviceStatusSensorOptions, 'default' | 'initialStatus'> {
  /** Which sensors count (besides excluding itself and other device-status aggregates); default all. */
  filter?: (sensor: Sensor) => boolean;
  /** Overrides of {@link DEFAULT_DEVICE_STATUS_MAP} (map a status to undefined to ignore it). */
  statusMap?: Partial<Record<SensorStatus, DeviceStatus | undefined>>;
}

/**
 * A device-status sensor derived from the worst status among the sensors of `target`: `fail` if
 * any is in error (or failure), else `degraded` if any warns, else `ok` (see
 * {@link DEFAULT_DEVICE_STATUS_MAP}). It changes (and notifies) only when the derived value does.
 *
 * ```ts
 * server.sensors.add(new DeviceStatusAggregate(server.sensors));
 * ```
 */
export class DeviceStatusAggregate extends SimpleAggregateSensor<DeviceStatus> {
  readonly #filter: ((sensor: Sensor) => boolean) | undefined;
  readonly #map: Readonly<Partial<Record<SensorStatus, DeviceStatus | undefined>>>;
  readonly #counts: Record<DeviceStatus, number> = { ok: 0, degraded: 0, fail: 0 };

  constructor(target: SensorSet, opts: DeviceStatusAggregateOptions = {}) {
    super(target, {
      type: 'discrete',
      name: opts.name ?? 'device-status',
      description: opts.description ?? 'Overall device status',
      values: DEVICE_STATUS_VALUES,
      default: 'ok',
      initialStatus: 'nominal',
      statusFunc: deviceStatusToSensorStatus,
      autoStrategy: opts.autoStrategy,
      clock: opts.clock,
    });
    this.#filter = opts.filter;
    this.#map = Object.freeze({ ...DEFAULT_DEVICE_STATUS_MAP, ...opts.statusMap });
  }

  protected override filterAggregate(sensor: Sensor): boolean {
    return sensor !== this && !(sensor instanceof DeviceStatusAggregate) && (this.#filter === undefined || this.#filter(sensor));
  }

  // Every status is counted from the start (the map decides what matters), not only valid ones.
  protected override includeInitially(): boolean {
    return true;
  }

  protected override aggregateAdd(_sensor: Sensor, reading: Reading<unknown>): boolean {
    const d = this.#map[reading.status];
    if (d === undefined) return false;
    this.#counts[d]++;
    return true;
  }

  protected override aggregateRemove(_sensor: Sensor, reading: Reading<unknown>): boolean {
    const d = this.#map[reading.status];
    if (d === undefined) return false;
    this.#counts[d]--;
    return true;
  }

  protected override aggregateCompute(): { status: SensorStatus; value: DeviceStatus } {
    const c = this.#counts;
    const value: DeviceStatus = c.fail > 0 ? 'fail' : c.degraded > 0 ? 'degraded' : 'ok';
    return { status: deviceStatusToSensorStatus(value), value };
  }

  // A busy device updates its sensors constantly; only a change of the derived value is news.
  protected override updateAggregate(
    sensor: Sensor | undefined,
    reading: Reading<unknown> | undefined,
    previous: Reading<unknown> | undefined,
  ): Reading<DeviceStatus> | undefined {
    const next = super.updateAggregate(sensor, reading, previous);
    if (next === undefined || sensor === undefined) return next;
    const current = super.reading;
    return next.value === current.value && next.status === current.status ? undefined : next;
  }
}
