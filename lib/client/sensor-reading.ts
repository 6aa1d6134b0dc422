/**
 * `sensorReading()` / `sensorValue()`: read one sensor with `?sensor-list` (once, cached) and
 * `?sensor-value`, decoding the value with the sensor's type codec.
 * @module
 */
import type { Message } from '../codec/message.js';
import { getType } from '../codec/types.js';
import type { CodecContext, TypeCodec } from '../codec/types.js';
import { FailReply, KatcpError } from '../errors.js';
import { makeReading, statusIsValid } from '../sensor/index.js';
import type { Reading, SensorTypeName } from '../sensor/index.js';
import type { CallOptions } from '../util/abort.js';
import { parseSensorInform, parseSensorListInform } from './sensor-informs.js';
import type { RemoteSensorInfo } from './sensor-informs.js';

/** Options of `Client.sensorReading()` / `Client.sensorValue()`. */
export interface SensorReadingOptions<T> extends CallOptions {
  /**
   * Decode with this type (a registered type name such as `'bytes'`, or a codec) instead of the
   * type from `?sensor-list`; then only `?sensor-value` is sent.
   */
  type?: string | TypeCodec<T> | undefined;
}

/** What the helpers need from a client (kept structural to avoid an import cycle). */
export interface SensorRequester {
  request(name: string, ...args: unknown[]): Promise<{ reply: Buffer[]; informs: Message[] }>;
  readonly codecContext: CodecContext;
}

/** A sensor type a `#sensor-list` may name: the eight KATCP types (`bytes` is ours only). */
export type WireSensorType = Exclude<SensorTypeName, 'bytes'>;

const WIRE_SENSOR_TYPES: ReadonlySet<string> = new Set<WireSensorType>(['integer', 'float', 'boolean', 'discrete', 'lru', 'string', 'timestamp', 'address']);

/** True when `type` is one of the eight KATCP sensor types. */
export function isWireSensorType(type: string): type is WireSensorType {
  return WIRE_SENSOR_TYPES.has(type);
}

/** Map a `#sensor-list` type to the registered codec used to decode its values. */
export function codecForWireType(info: Pick<RemoteSensorInfo, 'type' | 'name'>): TypeCodec<unknown> {
  if (isWireSensorType(info.type)) return getType(info.type);
  throw new KatcpError(`sensor ${info.name} has unsupported type ${JSON.stringify(info.type)}`, 'KATCP_ERR_UNSUPPORTED_TYPE');
}

/**
 * Read one sensor. `cache` maps sensor names to their `#sensor-list` description; the caller
 * invalidates it when the interface changes.
 * @throws FailReply when the sensor does not exist or several sensors match
 */
export async function readSensor<T>(
  client: SensorRequester,
  cache: Map<string, RemoteSensorInfo>,
  name: string,
  opts: SensorReadingOptions<T> = {},
): Promise<Reading<T>> {
  const callOpts: CallOptions = { timeout: opts.timeout, signal: opts.signal };
  let codec: TypeCodec<unknown>;
  if (opts.type !== undefined) codec = typeof opts.type === 'string' ? getType(opts.type) : opts.type;
  else {
    let info = cache.get(name);
    if (info === undefined) {
      const { informs } = await client.request('sensor-list', name, callOpts);
      if (informs.length !== 1) throw new FailReply(`server listed ${informs.length} sensors for ${JSON.stringify(name)}, but only 1 expected`, { requestName: 'sensor-list' });
      info = parseSensorListInform(informs[0] as Message);
      cache.set(name, info);
    }
    codec = codecForWireType(info);
  }
  const { informs } = await client.request('sensor-value', name, callOpts);
  if (informs.length !== 1) throw new FailReply(`server returned ${informs.length} sensors for ${JSON.stringify(name)}, but only 1 expected`, { requestName: 'sensor-value' });
  const ctx = client.codecContext;
  const body = parseSensorInform(informs[0] as Message, ctx);
  const raw = body.readings[0];
  if (raw === undefined) throw body.errors[0] ?? new KatcpError(`#sensor-value for ${name} carried no reading`, 'KATCP_ERR_BAD_INFORM');
  return makeReading(body.timestamp, raw.status, codec.decode(raw.value, ctx) as T);
}

/** Like {@link readSensor} but returns the value, failing when the status says it is not valid. */
export async function readSensorValue<T>(
  client: SensorRequester,
  cache: Map<string, RemoteSensorInfo>,
  name: string,
  opts: SensorReadingOptions<T> = {},
): Promise<T> {
  const reading = await readSensor<T>(client, cache, name, opts);
  if (!statusIsValid(reading.status)) {
    throw new KatcpError(`sensor ${name} has status ${reading.status}, so its value is not valid`, 'KATCP_ERR_INVALID_STATUS');
  }
  return reading.value;
}
