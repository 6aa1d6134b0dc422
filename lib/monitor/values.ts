/**
 * How the monitor shows sensor readings: as JSON for the live page, and as numbers for
 * Prometheus (booleans as 0/1, discrete and lru values as the index of the value).
 * @module
 */
import { formatFloat } from '../codec/float.js';
import { lruType } from '../codec/text-types.js';
import { SENSOR_STATUSES, type SensorStatus } from '../sensor/status.js';

/** A reading's value as the page receives it: a number, a boolean, text, or null before the first reading. */
export type JsonValue = number | boolean | string | null;

/** The numeric status codes of katcp-python (unknown = 0 ... inactive = 6): the index in {@link SENSOR_STATUSES}. */
export const STATUS_CODES: Readonly<Record<SensorStatus, number>> = Object.freeze(
  Object.fromEntries(SENSOR_STATUSES.map((status, code) => [status, code])) as Record<SensorStatus, number>,
);

/** The values of an lru sensor, in index order (those of the lru codec). */
export const LRU_VALUES: readonly string[] = lruType.values;

/** Types whose readings Prometheus gets as a number (the rest become an info metric). */
const NUMERIC_TYPES: ReadonlySet<string> = new Set(['integer', 'float', 'boolean', 'timestamp', 'discrete', 'lru']);

/** True when Prometheus shows this sensor type as a value gauge. */
export function isNumericType(type: string): boolean {
  return NUMERIC_TYPES.has(type);
}

/** The value as text: non-finite floats as KATCP writes them (`nan`, `inf`, `-inf`), Buffers as UTF-8, addresses and other objects through `toString()`. */
export function valueText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? String(value) : formatFloat(value);
    case 'bigint':
    case 'boolean':
      return String(value);
    case 'object':
      // Addresses and other value objects write themselves.
      return (value as { toString(): string }).toString();
    case 'function':
    case 'symbol':
    case 'undefined':
      return '';
  }
  return '';
}

/** The value for JSON: finite numbers and booleans as they are, bigints as numbers when exact, the rest as text. */
export function jsonValue(value: unknown): JsonValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : formatFloat(value);
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  return valueText(value);
}

/**
 * The number Prometheus gets for a reading of a numeric type (see {@link isNumericType}):
 * integers, floats and timestamps as they are, booleans as 0/1, discrete and lru values as their
 * index in `allowed` (the discrete values as listed; {@link LRU_VALUES} for lru). Undefined when
 * there is no reading yet or the value is not one of the allowed ones.
 */
export function numericValue(type: string, value: unknown, allowed: readonly string[]): number | undefined {
  if (value === undefined || value === null) return undefined;
  switch (type) {
    case 'boolean':
      return value === true ? 1 : 0;
    case 'discrete':
    case 'lru': {
      const i = allowed.indexOf(valueText(value));
      return i < 0 ? undefined : i;
    }
    default:
      if (typeof value === 'number') return value;
      if (typeof value === 'bigint') return Number(value);
      return undefined;
  }
}

/** The allowed values of a discrete or lru sensor, in index order (empty for other types). */
export function allowedValues(type: string, params: readonly string[]): readonly string[] {
  if (type === 'discrete') return params;
  if (type === 'lru') return LRU_VALUES;
  return [];
}

/** `text` cut to `max` characters (with an ellipsis), so a label value stays bounded. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
