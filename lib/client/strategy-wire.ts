/**
 * The one formatter of sampling strategies for `?sensor-sampling`, used by the sensor monitor
 * (SensorWatcher) and by resources alike.
 * @module
 */
import { formatStrategy } from '../sensor/parse-strategy.js';
import type { Sensor } from '../sensor/sensor.js';
import type { SamplingStrategy } from '../sensor/strategy.js';

/**
 * The `?sensor-sampling` arguments after the sensor name. Times are seconds, except for KATCP v4
 * devices, which take integer milliseconds for every strategy with a time (`period`, the two
 * periods of `event-rate` and of `differential-rate`); katcp-python sends seconds unchanged, so
 * `period 0.5` means 0.5 ms to a v4 device there.
 */
export function strategyWireArgs(s: SamplingStrategy, sensorType: string, protocolMajor: number | undefined): string[] {
  const sensor = { type: sensorType as Sensor['type'] };
  if (protocolMajor === undefined || protocolMajor >= 5) return formatStrategy(s, sensor);
  const ms = (x: number): string => (x === Infinity ? 'inf' : String(Math.round(x * 1000)));
  const [name, ...rest] = formatStrategy(s, sensor);
  switch (s.strategy) {
    case 'period':
      return ['period', ms(s.period)];
    case 'event-rate':
      return ['event-rate', ms(s.shortest), ms(s.longest)];
    case 'differential-rate':
      return ['differential-rate', rest[0]!, ms(s.shortest), ms(s.longest)];
    case 'none':
    case 'auto':
    case 'event':
    case 'differential':
      return [name!, ...rest];
  }
}
