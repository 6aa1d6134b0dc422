/**
 * Checks for sensor definitions that katcp-python clients cannot handle. katcp-python builds a
 * local sensor from every `#sensor-list` line and gives up on the whole device (disconnecting and
 * retrying forever) when that fails.
 * @module
 */
import type { Sensor } from './sensor.js';

/**
 * Reasons why katcp-python clients would reject this sensor's `#sensor-list` line, as sentences
 * for a log (empty when there are none): a timestamp sensor with units, a discrete sensor
 * without values. The server logs these; the sensor still works for other clients.
 */
export function compatibilityWarnings(sensor: Sensor): string[] {
  const warnings: string[] = [];
  if (sensor.type === 'timestamp' && sensor.units !== '') {
    warnings.push(
      `sensor ${sensor.name}: katcp-python clients reject timestamp sensors with units (${JSON.stringify(sensor.units)}); leave the units empty`,
    );
  }
  if (sensor.type === 'discrete' && (sensor.values === undefined || sensor.values.length === 0)) {
    warnings.push(`sensor ${sensor.name}: katcp-python clients reject discrete sensors without values; give the sensor its values`);
  }
  return warnings;
}
