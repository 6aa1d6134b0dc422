/**
 * Sensor selection for `listSensors()` and `setSamplingStrategies()`.
 * @module
 */
import { KatcpError } from '../errors.js';
import type { SensorStatus } from '../sensor/status.js';
import type { CallOptions } from '../util/abort.js';
import type { ResourceSensor } from './resource-sensor.js';

/**
 * Which sensors: a regular expression *searched* in the name (`'temp'` matches
 * `rack_temperature`; use `^...$` for an exact match), as a string or RegExp, or a predicate.
 * `''` selects everything.
 */
export type SensorFilter = string | RegExp | ((sensor: ResourceSensor) => boolean);

/** Options of `listSensors()`. */
export interface ListSensorsOptions extends CallOptions {
  /** Only sensors with a sampling strategy other than `none`. */
  strategy?: boolean;
  /** Only sensors with this status (or one of these); katcp-python tested a substring instead. */
  status?: SensorStatus | readonly SensorStatus[];
  /** Fetch every selected sensor's reading from the device first (`?sensor-value`). */
  refresh?: boolean;
  /** Match the filter against escaped names (default true) or KATCP names (false). */
  useIdentifiers?: boolean;
}

/** Compile a filter. @throws KatcpError for an invalid regular expression */
export function compileFilter(filter: SensorFilter, name: (s: ResourceSensor) => string): (s: ResourceSensor) => boolean {
  if (typeof filter === 'function') return filter;
  let re: RegExp;
  try {
    re = typeof filter === 'string' ? new RegExp(filter) : new RegExp(filter.source, filter.flags.replace(/[gy]/g, ''));
  } catch (err) {
    throw new KatcpError(`invalid sensor filter ${JSON.stringify(String(filter))}: ${(err as Error).message}`, 'KATCP_ERR_ARGUMENT', { cause: err });
  }
  return (s) => re.test(name(s));
}

/** Select, refresh and sort sensors (by escaped name). */
export async function selectSensors(sensors: Iterable<ResourceSensor>, filter: SensorFilter, opts: ListSensorsOptions): Promise<ResourceSensor[]> {
  const match = compileFilter(filter, opts.useIdentifiers === false ? (s) => s.name : (s) => s.identifier);
  let out = [...sensors].filter(match);
  if (opts.strategy === true) out = out.filter((s) => s.samplingStrategy.strategy !== 'none');
  if (opts.refresh === true) await Promise.all(out.map((s) => s.getReading({ timeout: opts.timeout, signal: opts.signal })));
  if (opts.status !== undefined) {
    const wanted: readonly SensorStatus[] = typeof opts.status === 'string' ? [opts.status] : opts.status;
    out = out.filter((s) => wanted.includes(s.status));
  }
  return out.sort((a, b) => (a.identifier < b.identifier ? -1 : a.identifier > b.identifier ? 1 : a.name < b.name ? -1 : 1));
}
