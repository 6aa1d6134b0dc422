/**
 * What a {@link Sensor} is made of: its type names, its options, and the checks of a name and of
 * an auto strategy.
 * @module
 */
import type { Address } from '../codec/address.js';
import type { IntegerValue } from '../codec/types.js';
import { KatcpError, KatcpErrorCode } from '../errors.js';
import type { Clock } from '../util/clock.js';
import type { SensorRange } from './range.js';
import type { SensorStatus } from './status.js';
import { validateStrategy } from './strategy.js';
import type { SamplingStrategy } from './strategy.js';

/** The KATCP types a sensor can have (`bytes` is the wire type `string` holding raw bytes). */
export type SensorTypeName = 'integer' | 'float' | 'boolean' | 'discrete' | 'lru' | 'string' | 'bytes' | 'timestamp' | 'address';

/** The JS value type of each sensor type. */
export interface SensorValueTypes {
  integer: IntegerValue;
  float: number;
  boolean: boolean;
  discrete: string;
  lru: 'nominal' | 'error';
  string: string;
  bytes: Buffer;
  timestamp: number;
  address: Address;
}

/** The sensor types, for checking a name given at run time. */
export const SENSOR_TYPES: ReadonlySet<unknown> = new Set<SensorTypeName>(
  ['integer', 'float', 'boolean', 'discrete', 'lru', 'string', 'bytes', 'timestamp', 'address'],
);

/** How to build a {@link Sensor}. */
export interface SensorOptions<T> {
  /** The KATCP type. */
  type: SensorTypeName;
  /** The name: letters, digits, `.`, `-` and `_` only (dots suggest a hierarchy). */
  name: string;
  /** Free text for `#sensor-list` (default empty). */
  description?: string;
  /** Units for `#sensor-list` (default empty; timestamp sensors should have none). */
  units?: string;
  /** The allowed values of a `discrete` sensor (its `#sensor-list` parameters). */
  values?: readonly string[];
  /** Advisory ranges of an integer or float sensor (its `#sensor-list` parameters). */
  range?: SensorRange;
  /** Initial value (default: the type's default: 0, '', false, the first discrete value...). */
  default?: T;
  /** Initial status (default `unknown`). */
  initialStatus?: SensorStatus;
  /** Status given to a value set without an explicit status (default: from `range`, else `nominal`). */
  statusFunc?: (value: T) => SensorStatus;
  /** What a client subscribing with `auto` really gets (default: every update, at once). */
  autoStrategy?: SamplingStrategy;
  /** Source of the default timestamps (default the system clock). */
  clock?: Clock;
}

/** Options of {@link Sensor.setValue}. */
export interface SetValueOptions {
  /** The status (default: the sensor's status function applied to the value). */
  status?: SensorStatus;
  /** Seconds since the epoch (default: the clock's `now()`). */
  timestamp?: number;
}

/** Options of the typed factories such as {@link Sensor.float}. */
export type SensorFactoryOptions<T> = Omit<SensorOptions<T>, 'type'>;

const NAME_RE = /^[A-Za-z0-9._-]+$/;

/** True when `name` is a valid sensor name: non-empty, only `a-z A-Z 0-9 . - _`. */
export function isValidSensorName(name: unknown): name is string {
  return typeof name === 'string' && NAME_RE.test(name);
}

/** An `InvalidSensor` error. */
export function invalidSensor(message: string, cause?: unknown): KatcpError {
  return new KatcpError(message, KatcpErrorCode.InvalidSensor, cause === undefined ? undefined : { cause });
}

/** A sensor's `autoStrategy` option checked and frozen (`undefined` for none or `auto`). */
export function checkAutoStrategy(name: string, type: SensorTypeName, strategy: SamplingStrategy | undefined): SamplingStrategy | undefined {
  if (strategy === undefined || (strategy as { strategy?: unknown } | null)?.strategy === 'auto') return undefined;
  if (strategy.strategy === 'none') throw invalidSensor(`sensor ${name}: the auto strategy cannot be none`);
  try {
    validateStrategy(strategy, type);
  } catch (err) {
    throw invalidSensor(`sensor ${name}: invalid auto strategy: ${(err as Error).message}`, err);
  }
  return Object.freeze({ ...strategy });
}
