/**
 * Sampling strategies as users give them (`'period 0.5'`, `['event-rate', 1, 2]`, objects) and
 * as they go on the wire.
 * @module
 */
import { formatFloat } from '../codec/types.js';
import { parseStrategy, formatStrategy } from '../sensor/parse-strategy.js';
import type { Sensor } from '../sensor/sensor.js';
import { strategyError, validateStrategy } from '../sensor/strategy.js';
import type { SamplingStrategy } from '../sensor/strategy.js';

/**
 * A sampling strategy in any accepted form (times in seconds):
 * - an object: `{ strategy: 'period', period: 0.5 }`;
 * - a string: `'period 0.5'`, `'event'`, `'event-rate 1 10'`;
 * - an array: `['period', 0.5]`, `['event-rate', '1.1 1.2']`, `['event-rate', [2.1, 2.2]]`.
 */
export type StrategyInput = SamplingStrategy | string | readonly (string | number | readonly (string | number)[])[];

/** The `none` strategy. */
export const NO_STRATEGY: SamplingStrategy = Object.freeze({ strategy: 'none' });

function token(x: string | number): string[] {
  // A whole number stays whole: an integer sensor's differential refuses '5.0'; floats accept '5'.
  if (typeof x === 'number') return [x === Infinity ? 'inf' : x === -Infinity ? '-inf' : Number.isSafeInteger(x) ? String(x) : formatFloat(x)];
  if (typeof x !== 'string') throw strategyError(`strategy parameters must be strings or numbers, not ${typeof x}`);
  return x.split(/\s+/).filter((t) => t !== '');
}

/**
 * Turn a strategy in any accepted form into a validated, frozen {@link SamplingStrategy} for a
 * sensor of type `sensorType` (differential strategies need integer, float or timestamp).
 * `params` is katcp-python's `set_strategy(strategy, params)` second argument.
 * @throws KatcpError (code `KATCP_ERR_INVALID_STRATEGY`) naming what is wrong
 */
export function normalizeStrategy(input: StrategyInput, sensorType: string, params?: string | number | readonly (string | number)[]): SamplingStrategy {
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    if (params !== undefined) throw strategyError('parameters cannot be combined with a strategy object');
    const s = input as SamplingStrategy;
    validateStrategy(s, sensorType);
    return Object.freeze({ ...s });
  }
  const tokens: string[] = [];
  const add = (x: unknown): void => {
    if (Array.isArray(x)) for (const y of x as unknown[]) add(y);
    else tokens.push(...token(x as string | number));
  };
  add(input);
  if (params !== undefined) add(params);
  // parseStrategy only reads the sensor's type.
  return parseStrategy({ type: sensorType } as unknown as Sensor, tokens);
}

export { strategyWireArgs } from '../client/strategy-wire.js';

/** Same strategy (name and parameters). */
export function sameStrategy(a: SamplingStrategy, b: SamplingStrategy): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && (a as unknown as Record<string, unknown>)[k] === (b as unknown as Record<string, unknown>)[k]);
}

/** A strategy in the `'period 0.5'` form. */
export function formatStrategyText(s: SamplingStrategy): string {
  return formatStrategy(s).join(' ');
}
