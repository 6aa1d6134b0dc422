/**
 * Sensor statuses (KATCP v5 Table 8) and readings.
 * @module
 */

/** The seven sensor statuses, as they appear on the wire. */
export const SensorStatus = {
  Unknown: 'unknown',
  Nominal: 'nominal',
  Warn: 'warn',
  Error: 'error',
  Failure: 'failure',
  Unreachable: 'unreachable',
  Inactive: 'inactive',
} as const;
/** One of the seven sensor statuses. */
export type SensorStatus = (typeof SensorStatus)[keyof typeof SensorStatus];

/** Every status, in the order of their numeric codes in katcp-python (unknown = 0 ... inactive = 6). */
export const SENSOR_STATUSES: readonly SensorStatus[] = Object.freeze(Object.values(SensorStatus));

const STATUS_SET: ReadonlySet<unknown> = new Set<unknown>(SENSOR_STATUSES);

/** True when `x` is one of the seven status strings. */
export function isSensorStatus(x: unknown): x is SensorStatus {
  return STATUS_SET.has(x);
}

/** True when a reading with this status carries a meaningful value: `nominal`, `warn` or `error`. */
export function statusIsValid(s: SensorStatus): boolean {
  return s === 'nominal' || s === 'warn' || s === 'error';
}

/** An immutable sensor reading. Timestamps are seconds since the Unix epoch. */
export interface Reading<T> {
  /** When the value was measured, seconds since the epoch. */
  readonly timestamp: number;
  /** The status of the value. */
  readonly status: SensorStatus;
  /** The value (a Buffer value of a `bytes` sensor must not be modified in place). */
  readonly value: T;
}

/** Builds a frozen {@link Reading} (no validation: sensors validate what they are given). */
export function makeReading<T>(timestamp: number, status: SensorStatus, value: T): Reading<T> {
  return Object.freeze({ timestamp, status, value });
}
