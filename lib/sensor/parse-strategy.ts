/**
 * Sampling strategies on the wire: {@link parseStrategy} reads the arguments of
 * `?sensor-sampling name strategy [params...]`, {@link formatStrategy} gives those of the reply.
 * @module
 */
import { bytesRepr } from '../codec/repr.js';
import { formatFloat, getType } from '../codec/types.js';
import { KatcpTypeError } from '../errors.js';
import type { Sensor } from './sensor.js';
import { STRATEGY_PARAM_COUNT, isStrategyName, strategyError, supportsDifferential, validateStrategy } from './strategy.js';
import type { SamplingStrategy } from './strategy.js';

function text(arg: Uint8Array | string): string {
  return typeof arg === 'string' ? arg : Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength).toString('utf8');
}

function bytesOf(arg: Uint8Array | string | undefined): Uint8Array {
  return typeof arg === 'string' ? Buffer.from(arg, 'utf8') : (arg ?? Buffer.alloc(0));
}

// The reason is the decoder's own text, exactly as aiokatcp replies it
// (`could not convert string to float: b'x'`).
function decode(typeName: 'float' | 'integer', arg: Uint8Array | string | undefined): number {
  try {
    return Number(getType(typeName).decode(bytesOf(arg)));
  } catch (err) {
    if (err instanceof KatcpTypeError) throw strategyError(err.message, err);
    throw err;
  }
}

/**
 * Parses `strategy [params...]` (the arguments after the sensor name of `?sensor-sampling`) for
 * `sensor`. Times are floats in seconds (`inf` allowed for `longest`); a difference has the
 * sensor's type (an integer for integer sensors). The result is frozen and validated (see
 * `validateStrategy`). `auto` is returned as is: the sampler applies the sensor's `autoStrategy`.
 * @throws KatcpError (code `KATCP_ERR_INVALID_STRATEGY`) whose message is the reason for
 *   `!sensor-sampling fail`, in aiokatcp's words where it has them: `b'carrot' is not a valid
 *   value for Strategy`, `expected 2 strategy arguments, found 1`, `period must be positive`,
 *   `could not convert string to float: b'x'`
 */
export function parseStrategy(sensor: Sensor, args: readonly (Uint8Array | string)[]): SamplingStrategy {
  if (args.length === 0) throw strategyError('no sampling strategy given');
  const name = text(args[0]!);
  if (!isStrategyName(name)) throw strategyError(`${bytesRepr(bytesOf(args[0]))} is not a valid value for Strategy`);
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
      strategy = { strategy: name, period: decode('float', params[0]) };
      break;
    case 'differential':
      strategy = { strategy: name, difference: decode(differenceType, params[0]) };
      break;
    case 'event-rate':
      strategy = { strategy: name, shortest: decode('float', params[0]), longest: decode('float', params[1]) };
      break;
    case 'differential-rate':
      strategy = {
        strategy: name,
        difference: decode(differenceType, params[0]),
        shortest: decode('float', params[1]),
        longest: decode('float', params[2]),
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
