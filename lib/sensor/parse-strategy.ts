/**
 * Sampling strategies on the wire: {@link parseStrategy} reads the arguments of
 * `?sensor-sampling name strategy [params...]`, {@link formatStrategy} gives those of the reply.
 * @module
 */
import { formatFloat, getType } from '../codec/types.js';
import { KatcpTypeError } from '../errors.js';
import type { Sensor } from './sensor.js';
import { STRATEGY_PARAM_COUNT, isStrategyName, strategyError, supportsDifferential, validateStrategy } from './strategy.js';
import type { SamplingStrategy } from './strategy.js';

function text(arg: Uint8Array | string): string {
  return typeof arg === 'string' ? arg : Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength).toString('utf8');
}

function decode(typeName: 'float' | 'integer', what: string, arg: Uint8Array | string | undefined): number {
  const raw = typeof arg === 'string' ? Buffer.from(arg, 'utf8') : (arg ?? Buffer.alloc(0));
  try {
    return Number(getType(typeName).decode(raw));
  } catch (err) {
    if (err instanceof KatcpTypeError) throw strategyError(`${what}: ${err.message}`, err);
    throw err;
  }
}

/**
 * Parses `strategy [params...]` (the arguments after the sensor name of `?sensor-sampling`) for
 * `sensor`. Times are floats in seconds (`inf` allowed for `longest`); a difference has the
 * sensor's type (an integer for integer sensors). The result is frozen and validated (see
 * `validateStrategy`). `auto` is returned as is: the sampler applies the sensor's `autoStrategy`.
 * @throws KatcpError (code `KATCP_ERR_INVALID_STRATEGY`) whose message is the reason for
 *   `!sensor-sampling fail`, e.g. `period must be positive`, `expected 2 strategy arguments, found 1`
 */
export function parseStrategy(sensor: Sensor, args: readonly (Uint8Array | string)[]): SamplingStrategy {
  if (args.length === 0) throw strategyError('no sampling strategy given');
  const name = text(args[0]!);
  if (!isStrategyName(name)) {
    throw strategyError(`unknown sampling strategy ${JSON.stringify(name)} (expected one of ${Object.keys(STRATEGY_PARAM_COUNT).join(', ')})`);
  }
  const differential = name === 'differential' || name === 'differential-rate';
  if (differential && !supportsDifferential(sensor.type)) {
    throw strategyError('differential strategies only valid for integer, float and timestamp sensors');
  }
  const expected = STRATEGY_PARAM_COUNT[name];
  const params = args.slice(1);
  if (params.length !== expected) throw strategyError(`expected ${expected} strategy arguments, found ${params.length}`);
  const differenceType = sensor.type === 'integer' ? 'integer' : 'float';
  let strategy: SamplingStrategy;
  switch (name) {
    case 'none':
    case 'auto':
    case 'event':
      strategy = { strategy: name };
      break;
    case 'period':
      strategy = { strategy: name, period: decode('float', 'period', params[0]) };
      break;
    case 'differential':
      strategy = { strategy: name, difference: decode(differenceType, 'difference', params[0]) };
      break;
    case 'event-rate':
      strategy = { strategy: name, shortest: decode('float', 'shortest period', params[0]), longest: decode('float', 'longest period', params[1]) };
      break;
    case 'differential-rate':
      strategy = {
        strategy: name,
        difference: decode(differenceType, 'difference', params[0]),
        shortest: decode('float', 'shortest period', params[1]),
        longest: decode('float', 'longest period', params[2]),
      };
      break;
  }
  validateStrategy(strategy, sensor.type);
  return Object.freeze(strategy);
}

/**
 * The reply parameters for a strategy: `['event-rate', '1.0', 'inf']`. Times are Python float
 * reprs; a difference is an integer when `sensor` is an integer sensor, a float repr otherwise
 * (pass the sensor so a differential on an integer sensor echoes `2`, not `2.0`).
 */
export function formatStrategy(s: SamplingStrategy, sensor?: Pick<Sensor, 'type'>): string[] {
  const difference = (d: number): string => (sensor?.type === 'integer' && Number.isInteger(d) ? BigInt(d).toString() : formatFloat(d));
  switch (s.strategy) {
    case 'none':
    case 'auto':
    case 'event':
      return [s.strategy];
    case 'period':
      return [s.strategy, formatFloat(s.period)];
    case 'differential':
      return [s.strategy, difference(s.difference)];
    case 'event-rate':
      return [s.strategy, formatFloat(s.shortest), formatFloat(s.longest)];
    case 'differential-rate':
      return [s.strategy, difference(s.difference), formatFloat(s.shortest), formatFloat(s.longest)];
  }
}
