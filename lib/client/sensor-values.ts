/**
 * The one decoder of remote sensor values, used on every client-side path (`Client.sensorValue`,
 * `SensorWatcher`, `InspectingClient`, resources, containers, the recorder).
 *
 * Lossless values: a `string` sensor whose bytes are not UTF-8 still delivers its reading, with
 * status and timestamp, and its value is then a `Buffer` holding the exact bytes (aiokatcp keeps
 * such values as `bytes`). Valid UTF-8 gives a JS `string` as before.
 * @module
 */
import { getType } from '../codec/types.js';
import type { CodecContext, TypeCodec } from '../codec/types.js';
import { decodeUtf8 } from '../codec/text-types.js';
import type { SensorTypeName } from '../sensor/index.js';
import type { SensorInfo } from './sensor-informs.js';

/** A sensor type a `#sensor-list` may name: the eight KATCP types (`bytes` is ours only). */
export type WireSensorType = Exclude<SensorTypeName, 'bytes'>;

const WIRE_SENSOR_TYPES: ReadonlySet<string> = new Set<WireSensorType>(['integer', 'float', 'boolean', 'discrete', 'lru', 'string', 'timestamp', 'address']);

/** True when `type` is one of the eight KATCP sensor types. */
export function isWireSensorType(type: string): type is WireSensorType {
  return WIRE_SENSOR_TYPES.has(type);
}

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
export function sensorValueCodec(info: Pick<SensorInfo, 'type'>): TypeCodec<unknown> {
  return getType(clientSensorType(info.type));
}

/**
 * Decode the raw value of a listed sensor (see the module documentation for non-UTF-8 strings:
 * the value is then a copy of the bytes as a `Buffer`).
 * @throws KatcpTypeError naming the type and the bytes when a non-string value does not decode
 */
export function decodeSensorValue(info: Pick<SensorInfo, 'type'>, raw: Uint8Array, ctx: CodecContext): unknown {
  const type = clientSensorType(info.type);
  if (type === 'string') {
    try {
      return decodeUtf8(raw);
    } catch {
      return Buffer.from(raw);
    }
  }
  return getType(type).decode(raw, ctx);
}
