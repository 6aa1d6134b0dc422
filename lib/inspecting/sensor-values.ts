/**
 * Decoding of remote sensor values, and the default sensor and request factories.
 * @module
 */
import { isWireSensorType } from '../client/sensor-reading.js';
import type { WireSensorType } from '../client/sensor-reading.js';
import { getType } from '../codec/types.js';
import type { TypeCodec } from '../codec/types.js';
import { Sensor } from '../sensor/sensor.js';
import { makeReading } from '../sensor/status.js';
import type { Reading } from '../sensor/status.js';
import type { RequestInfo, SensorInfo } from './model.js';
import type { SensorUpdate } from './parse.js';

/**
 * The sensor type used on the client side for a listed wire type: the listed type when it is one
 * of the eight KATCP types, else `string` (katcp-python refuses unknown types, and its resync
 * loop then retries forever).
 */
export function clientSensorType(wireType: string): WireSensorType {
  return isWireSensorType(wireType) ? wireType : 'string';
}

/**
 * The codec that decodes values of a listed sensor. Discrete values are decoded as any token (not
 * checked against the listed values), so a device that reports a value it did not list is not
 * silently dropped.
 */
export function sensorValueCodec(info: SensorInfo): TypeCodec<unknown> {
  return getType(clientSensorType(info.type));
}

/**
 * Decode one `#sensor-status` / `#sensor-value` triple into a reading.
 * @throws KatcpTypeError naming the type and the bytes when the value does not decode
 */
export function decodeUpdate(info: SensorInfo, update: SensorUpdate, protocolMajor: number | undefined): Reading<unknown> {
  const value = sensorValueCodec(info).decode(update.raw, { protocolMajor });
  return makeReading(update.timestamp, update.status, value);
}

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
