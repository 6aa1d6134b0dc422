/**
 * Sampling strategies (KATCP v5 Table 9): the type, and validation of a strategy against a sensor
 * type. Parsing from and formatting to the wire is in `parse-strategy.ts`.
 * @module
 */
import { KatcpError, KatcpErrorCode } from '../errors.js';

/** The seven strategy names, as they appear on the wire. */
export const StrategyName = {
  None: 'none',
  Auto: 'auto',
  Period: 'period',
  Event: 'event',
  Differential: 'differential',
  EventRate: 'event-rate',
  DifferentialRate: 'differential-rate',
} as const;
/** One of the seven strategy names. */
export type StrategyName = (typeof StrategyName)[keyof typeof StrategyName];

/** A sampling strategy with its parameters; every time is in seconds (`longest` may be `Infinity`). */
export type SamplingStrategy =
  | { readonly strategy: 'none' }
  | { readonly strategy: 'auto' }
  | { readonly strategy: 'period'; readonly period: number }
  | { readonly strategy: 'event' }
  | { readonly strategy: 'differential'; readonly difference: number }
  | { readonly strategy: 'event-rate'; readonly shortest: number; readonly longest: number }
  | { readonly strategy: 'differential-rate'; readonly difference: number; readonly shortest: number; readonly longest: number };

/** How many wire parameters each strategy takes. */
export const STRATEGY_PARAM_COUNT: Readonly<Record<StrategyName, number>> = Object.freeze({
  none: 0,
  auto: 0,
  period: 1,
  event: 0,
  differential: 1,
  'event-rate': 2,
  'differential-rate': 3,
});

/** Sensor types on which the differential strategies are allowed (the difference is in value units). */
const DIFFERENTIAL_TYPES: ReadonlySet<string> = new Set(['integer', 'float', 'timestamp']);

/** True when `name` is one of the seven strategy names. */
export function isStrategyName(name: unknown): name is StrategyName {
  return typeof name === 'string' && Object.hasOwn(STRATEGY_PARAM_COUNT, name);
}

/** True when the differential strategies apply to a sensor of this type. */
export function supportsDifferential(sensorType: string): boolean {
  return DIFFERENTIAL_TYPES.has(sensorType);
}

/** The error thrown for a strategy that cannot be used; its message is the reply's reason. */
export function strategyError(reason: string, cause?: unknown): KatcpError {
  return new KatcpError(reason, KatcpErrorCode.InvalidStrategy, cause === undefined ? undefined : { cause });
}

function checkPeriod(shortest: unknown, longest: unknown): void {
  if (typeof longest !== 'number' || Number.isNaN(longest)) throw strategyError('longest period must be a number');
  if (typeof shortest !== 'number' || !Number.isFinite(shortest)) throw strategyError('shortest period must be a finite number');
  if (longest <= 0) throw strategyError('period must be positive');
  if (shortest < 0) throw strategyError('shortest period must not be negative');
  if (shortest > longest) throw strategyError('shortest period must not be longer than the longest period');
}

function checkDifference(difference: unknown, sensorType: string): void {
  if (!supportsDifferential(sensorType)) {
    throw strategyError('differential strategies only valid for integer, float and timestamp sensors');
  }
  if (typeof difference !== 'number' || !Number.isFinite(difference)) throw strategyError('difference must be a finite number');
  if (difference < 0) throw strategyError('difference must not be negative');
  if (sensorType === 'integer' && !Number.isInteger(difference)) throw strategyError('difference must be an integer for an integer sensor');
}

/**
 * Checks that `strategy` is well formed and applies to a sensor of type `sensorType`: a period is
 * finite and positive; `shortest` is finite, not negative and not above `longest`; `longest` is
 * positive (`Infinity` allowed); a difference is finite, not negative, an integer for integer
 * sensors, and only on integer, float and timestamp sensors.
 * @throws KatcpError (code `KATCP_ERR_INVALID_STRATEGY`) whose message is the reason
 */
export function validateStrategy(strategy: SamplingStrategy, sensorType: string): void {
  const s = strategy as Partial<Record<string, unknown>> | null;
  if (typeof s !== 'object' || s === null) throw strategyError('a sampling strategy must be an object');
  const name = s.strategy;
  if (!isStrategyName(name)) throw strategyError(`unknown sampling strategy ${JSON.stringify(name)}`);
  switch (name) {
    case 'none':
    case 'auto':
    case 'event':
      return;
    case 'period':
      if (typeof s.period !== 'number' || !Number.isFinite(s.period)) {
        if (s.period === Infinity) throw strategyError('period must be finite');
        throw strategyError('period must be a finite number');
      }
      checkPeriod(s.period, s.period);
      return;
    case 'differential':
      checkDifference(s.difference, sensorType);
      return;
    case 'event-rate':
      checkPeriod(s.shortest, s.longest);
      return;
    case 'differential-rate':
      checkDifference(s.difference, sensorType);
      checkPeriod(s.shortest, s.longest);
      return;
  }
}
