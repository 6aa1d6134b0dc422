/**
 * Advisory nominal/warn ranges of numeric sensors (KATCP v5 §7): they become the `#sensor-list`
 * parameters, and give a default status function.
 * @module
 */
import { KatcpError, KatcpErrorCode } from '../errors.js';
import type { SensorStatus } from './status.js';

/** Nominal and warning ranges, each `[min, max]` inclusive; `warn` needs `nominal` and must contain it. */
export interface SensorRange {
  /** Values inside this range are `nominal`. */
  nominal?: readonly [number, number];
  /** Values inside this range but outside `nominal` are `warn`; values outside it are `error`. */
  warn?: readonly [number, number];
}

function checkPair(what: string, pair: unknown, integer: boolean): readonly [number, number] {
  if (!Array.isArray(pair) || pair.length !== 2) throw new KatcpError(`${what} range must be a [min, max] pair`, KatcpErrorCode.InvalidSensor);
  const [min, max] = pair as unknown[];
  if (typeof min !== 'number' || typeof max !== 'number' || !Number.isFinite(min) || !Number.isFinite(max)) {
    throw new KatcpError(`${what} range must hold two finite numbers`, KatcpErrorCode.InvalidSensor);
  }
  if (integer && (!Number.isInteger(min) || !Number.isInteger(max))) {
    throw new KatcpError(`${what} range of an integer sensor must hold integers`, KatcpErrorCode.InvalidSensor);
  }
  if (min > max) throw new KatcpError(`${what} range minimum ${min} is above its maximum ${max}`, KatcpErrorCode.InvalidSensor);
  return [min, max];
}

/**
 * Validates a range for a sensor of type `sensorType` and returns a frozen copy.
 * @throws KatcpError (code `KATCP_ERR_INVALID_SENSOR`) for a range on a non-numeric sensor, a
 *   malformed pair, `warn` without `nominal`, or a `warn` range that does not contain `nominal`
 */
export function checkRange(range: SensorRange, sensorType: string): Readonly<SensorRange> {
  if (sensorType !== 'integer' && sensorType !== 'float') {
    throw new KatcpError(`only integer and float sensors take a range, not ${sensorType} sensors`, KatcpErrorCode.InvalidSensor);
  }
  const integer = sensorType === 'integer';
  const out: SensorRange = {};
  if (range.nominal !== undefined) out.nominal = Object.freeze(checkPair('nominal', range.nominal, integer));
  if (range.warn !== undefined) {
    if (out.nominal === undefined) throw new KatcpError('a warn range needs a nominal range', KatcpErrorCode.InvalidSensor);
    const warn = checkPair('warn', range.warn, integer);
    if (warn[0] > out.nominal[0] || warn[1] < out.nominal[1]) {
      throw new KatcpError('the warn range must contain the nominal range', KatcpErrorCode.InvalidSensor);
    }
    out.warn = Object.freeze(warn);
  }
  return Object.freeze(out);
}

/**
 * The status function a range implies: `nominal` inside the nominal range; `warn` inside the
 * warn range; `error` outside it (or `warn` outside the nominal range when there is no warn
 * range); `error` for NaN. Without a nominal range every value is `nominal`.
 */
export function rangeStatusFunc(range: Readonly<SensorRange>): (value: number | bigint) => SensorStatus {
  const { nominal, warn } = range;
  if (nominal === undefined) return () => 'nominal';
  return (value) => {
    const v = Number(value);
    if (Number.isNaN(v)) return 'error';
    if (v >= nominal[0] && v <= nominal[1]) return 'nominal';
    if (warn === undefined) return 'warn';
    return v >= warn[0] && v <= warn[1] ? 'warn' : 'error';
  };
}
