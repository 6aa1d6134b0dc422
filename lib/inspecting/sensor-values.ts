/**
 * The default sensor and request factories of the inspecting client. Values are decoded by the
 * client layer's one decoder (client/sensor-informs.ts).
 * @module
 */
import { clientSensorType } from '../client/sensor-informs.js';
import { Sensor } from '../sensor/sensor.js';
import type { RequestInfo, SensorInfo } from './model.js';

/**
 * The default sensor factory: a {@link Sensor} of the listed type (unknown types become
 * `string`), discrete values from the parameters, status `unknown` until the first update.
 * Integer and float ranges are not enforced (they stay in {@link SensorInfo.params}).
 * @throws KatcpError when the name is not a valid sensor name
 */
export function defaultSensorFactory(info: SensorInfo): Sensor {
  const type = clientSensorType(info.type);
  if (type === 'discrete' && info.params.length > 0) {
    // A discrete sensor whose listed values do not form a valid list (duplicates) keeps any token.
    try {
      return new Sensor({ type, name: info.name, description: info.description, units: info.units, values: info.params });
    } catch {
      /* fall through to an unrestricted discrete sensor */
    }
  }
  return new Sensor({ type, name: info.name, description: info.description, units: info.units });
}

/** The default request factory: the request description itself. */
export function defaultRequestFactory(info: RequestInfo): RequestInfo {
  return info;
}
