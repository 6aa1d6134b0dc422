/**
 * `sensorReading()` / `sensorValue()`: read one sensor with `?sensor-list` (once, cached) and
 * `?sensor-value`, decoding the value with the sensor's type codec.
 * @module
 */
import type { Message } from '../codec/message.js';
import { getType } from '../codec/types.js';
import type { CodecContext, TypeCodec } from '../codec/types.js';
import { FailReply, KatcpError } from '../errors.js';
import { makeReading, statusIsValid } from '../sensor/status.js';
import type { Reading, SensorStatus } from '../sensor/status.js';
import type { CallOptions } from '../util/abort.js';
import { decodeSensorValueAt, forEachSensorReading, malformedInform, parseSensorListInform } from './sensor-informs.js';
import type { SensorInfo } from './sensor-informs.js';

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

export { isWireSensorType } from './sensor-informs.js';
export type { WireSensorType } from './sensor-informs.js';

/**
 * Read one sensor. `cache` maps sensor names to their `#sensor-list` description; the caller
 * invalidates it when the interface changes.
 * @throws FailReply when the sensor does not exist or several sensors match
 */
export async function readSensor<T>(
  client: SensorRequester,
  cache: Map<string, SensorInfo>,
  name: string,
  opts: SensorReadingOptions<T> = {},
): Promise<Reading<T>> {
  const callOpts: CallOptions = { timeout: opts.timeout, signal: opts.signal };
  let codec: TypeCodec<unknown> | undefined;
  let info: SensorInfo | undefined;
  if (opts.type !== undefined) codec = typeof opts.type === 'string' ? getType(opts.type) : opts.type;
  else {
    info = cache.get(name);
    if (info === undefined) {
      const { informs } = await client.request('sensor-list', name, callOpts);
      if (informs.length !== 1) throw new FailReply(`server listed ${informs.length} sensors for ${JSON.stringify(name)}, but only 1 expected`, { requestName: 'sensor-list' });
      info = parseSensorListInform(informs[0] as Message);
      cache.set(name, info);
    }
  }
  const { informs } = await client.request('sensor-value', name, callOpts);
  if (informs.length !== 1) throw new FailReply(`server returned ${informs.length} sensors for ${JSON.stringify(name)}, but only 1 expected`, { requestName: 'sensor-value' });
  const ctx = client.codecContext;
  const inform = informs[0] as Message;
  // The first good triple, read in place (no readings array, no name string).
  let at = -1;
  let status: SensorStatus = 'unknown';
  let error: KatcpError | undefined;
  const timestamp = forEachSensorReading(
    inform,
    ctx,
    (_m, i, st) => {
      if (at >= 0) return;
      at = i;
      status = st;
    },
    (err) => (error ??= err),
  );
  if (at < 0) throw error ?? malformedInform(inform, `no reading for ${name}`);
  const value = codec !== undefined ? inform.argDecode(at + 2, codec, ctx) : decodeSensorValueAt(info as SensorInfo, inform, at + 2, ctx);
  return makeReading(timestamp, status, value as T);
}

/** Like {@link readSensor} but returns the value, failing when the status says it is not valid. */
export async function readSensorValue<T>(
  client: SensorRequester,
  cache: Map<string, SensorInfo>,
  name: string,
  opts: SensorReadingOptions<T> = {},
): Promise<T> {
  const reading = await readSensor<T>(client, cache, name, opts);
  if (!statusIsValid(reading.status)) {
    throw new KatcpError(`sensor ${name} has status ${reading.status}, so its value is not valid`, 'KATCP_ERR_INVALID_STATUS');
  }
  return reading.value;
}
