/**
 * Conditions for `sensor.wait()`: a value, a status name, `{status, value}`, or a predicate on
 * the reading.
 * @module
 */
import { Address } from '../codec/address.js';
import { KatcpError } from '../errors.js';
import type { Reading, SensorStatus } from '../sensor/status.js';
import { isSensorStatus } from '../sensor/status.js';

/**
 * What to wait for:
 * - a predicate `(reading) => boolean` on the reading (`{timestamp, status, value}`, plus
 *   `receivedTimestamp` for resource sensors);
 * - `{ status: 'nominal' }` or `{ status: ['warn', 'error'] }`, optionally with `value`;
 * - `{ value: x }`;
 * - a status name such as `'nominal'`, for sensors whose values are never strings (integer,
 *   float, boolean, timestamp, address); for `string`, `discrete` and `lru` sensors a string is
 *   always compared with the value (use `{ status }` there);
 * - any other value, compared with the reading's value (numbers and bigints by numeric value,
 *   Buffers by content, addresses with `equals`).
 */
export type WaitCondition<T = unknown, R extends Reading<T> = Reading<T>> =
  | ((reading: R) => boolean)
  | { readonly status?: SensorStatus | readonly SensorStatus[]; readonly value?: T }
  | SensorStatus
  | WaitValue<T>;

/**
 * The value branch of a {@link WaitCondition}. For a sensor of unknown value type it lists what a
 * value can be instead of `unknown`, which would swallow the union and leave a predicate's
 * parameter untyped (TS7006 under `strict`).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- `{}` is "any value but null and undefined", which keeps the union from collapsing into `unknown`
export type WaitValue<T> = unknown extends T ? {} | null | undefined : T;

const STRING_VALUED: ReadonlySet<string> = new Set(['string', 'discrete', 'lru', 'bytes']);

/** Value equality used by conditions. */
export function valueEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    // 3 and 3n are the same integer; a non-integer number never equals a bigint.
    try {
      return typeof a === 'number' ? Number.isInteger(a) && BigInt(a) === b : Number.isInteger(b) && a === BigInt(b);
    } catch {
      return false;
    }
  }
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (a instanceof Address && b instanceof Address) return a.equals(b);
  return false;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object') return false;
  const proto = Object.getPrototypeOf(x) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Turn a condition into a predicate for a sensor of `sensorType`.
 * @throws KatcpError for an object condition with unknown keys or bad statuses
 */
export function compileCondition<T, R extends Reading<T>>(condition: WaitCondition<T, R>, sensorType: string): (reading: R) => boolean {
  if (typeof condition === 'function') return condition as (reading: R) => boolean;
  if (isPlainObject(condition)) {
    const keys = Object.keys(condition);
    if (keys.length === 0 || keys.some((k) => k !== 'status' && k !== 'value')) {
      throw new KatcpError(`a wait condition object takes 'status' and/or 'value', got {${keys.join(', ')}}`, 'KATCP_ERR_ARGUMENT');
    }
    const tests: ((r: R) => boolean)[] = [];
    if ('status' in condition) {
      const raw = condition.status;
      const statuses = Array.isArray(raw) ? (raw as unknown[]) : [raw];
      for (const s of statuses) {
        if (!isSensorStatus(s)) throw new KatcpError(`unknown sensor status ${JSON.stringify(s)} in wait condition`, 'KATCP_ERR_ARGUMENT');
      }
      tests.push((r) => statuses.includes(r.status));
    }
    if ('value' in condition) {
      const v = condition.value;
      tests.push((r) => valueEquals(r.value, v));
    }
    return (r) => tests.every((t) => t(r));
  }
  if (typeof condition === 'string' && isSensorStatus(condition) && !STRING_VALUED.has(sensorType)) {
    return (r) => r.status === condition;
  }
  return (r) => valueEquals(r.value, condition);
}
