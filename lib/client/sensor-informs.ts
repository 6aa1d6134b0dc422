/**
 * The one parser of the sensor informs every client-side consumer receives (`Client`,
 * `SensorWatcher`, `InspectingClient`, resources): `#sensor-list`, `#sensor-value` and
 * `#sensor-status`. Timestamps are returned in seconds (v4 peers send milliseconds). A
 * malformed inform or entry is a {@link MalformedInformError} (code `KATCP_ERR_BAD_INFORM`);
 * a bad `name status value` entry never hides the good ones next to it.
 *
 * It is also the one decoder of remote sensor values, used on every client-side path
 * (`Client.sensorValue`, `SensorWatcher`, `InspectingClient`, resources, containers, the
 * recorder). Lossless values: a `string` sensor whose bytes are not UTF-8 still delivers its
 * reading, with status and timestamp, and its value is then a `Buffer` holding the exact bytes
 * (aiokatcp keeps such values as `bytes`). Valid UTF-8 gives a JS `string` as before. A reading
 * is received as a {@link RawReading} (the inform and its value's index) and decoded in place
 * (`Message.argDecode`, {@link decodeSensorValueAt}): no Buffer view of the value is made.
 * @module
 */
import { Message } from '../codec/message.js';
import { getType } from '../codec/types.js';
import type { CodecContext, TypeCodec } from '../codec/types.js';
import { decodeUtf8 } from '../codec/text-types.js';
import { REPLACEMENT } from '../codec/arg-decode.js';
import { MalformedInformError } from '../errors.js';
import type { KatcpError } from '../errors.js';
import type { SensorStatus, SensorTypeName } from '../sensor/index.js';

/** The static description of a remote sensor, from one `#sensor-list` inform (frozen). */
export interface SensorInfo {
  /** KATCP sensor name, e.g. `fruit.result`. */
  readonly name: string;
  /** Description (`''` when absent). */
  readonly description: string;
  /** Units (`''` when absent). */
  readonly units: string;
  /** KATCP type name as listed: integer, float, boolean, discrete, lru, string, timestamp, address, or anything else the device sent. */
  readonly type: string;
  /** The remaining arguments (discrete values, `min max` ranges), decoded as UTF-8. */
  readonly params: readonly string[];
}

/** @deprecated the same type as {@link SensorInfo} (its former name on the aiokatcp side). */
export type RemoteSensorInfo = SensorInfo;

/** One `(name, status, value)` triple of a sensor inform; the value is still raw bytes. */
export interface RawSensorReading {
  readonly name: string;
  readonly status: SensorStatus;
  readonly value: Buffer;
}

/**
 * A reading as received: status and timestamp parsed, the value still argument {@link index} of
 * the inform {@link message}, for each consumer to decode in place with its own codec
 * (`Message.argDecode`, {@link decodeSensorValueAt}): no Buffer view is made of it. A kept reading
 * keeps that message, and so the bytes it was parsed from: at most the parser's view limit
 * (`VIEW_CHUNK_LIMIT`, 64 KiB) or one longer line, as a Buffer view of the value did.
 */
export class RawReading {
  /** Seconds. */
  readonly timestamp: number;
  readonly status: SensorStatus;
  /** The inform the value came in. */
  readonly message: Message;
  /** The value's argument index in {@link message}. */
  readonly index: number;

  /**
   * @param timestamp seconds
   * @param status its status
   * @param message the inform holding the value
   * @param index the value's argument index in `message`
   */
  constructor(timestamp: number, status: SensorStatus, message: Message, index: number) {
    this.timestamp = timestamp;
    this.status = status;
    this.message = message;
    this.index = index;
  }

  /** The value's bytes: a view into the message's bytes (a copy when the argument held escapes). */
  get value(): Buffer {
    return this.message.argBytes(this.index) ?? Buffer.alloc(0);
  }

  /** The same reading holding only a copy of its value's bytes (to keep it without keeping the message's bytes). */
  detached(): RawReading {
    return new RawReading(this.timestamp, this.status, Message.inform('value', Buffer.from(this.value)), 0);
  }
}

/** A parsed `#sensor-status` or `#sensor-value` inform. */
export interface SensorInformBody {
  /** Seconds since the epoch. */
  readonly timestamp: number;
  readonly readings: RawSensorReading[];
  /** Triples that could not be parsed (bad status, bad name); the others are still returned. */
  readonly errors: KatcpError[];
}

const timestampCodec = getType('timestamp');

const STATUSES: ReadonlySet<string> = new Set(['unknown', 'nominal', 'warn', 'error', 'failure', 'unreachable', 'inactive']);

/**
 * A {@link MalformedInformError} for `msg`, naming what is wrong (the inform is quoted, cut at
 * 200 characters).
 */
export function malformedInform(msg: Message, why: string, cause?: unknown): MalformedInformError {
  const text = msg.toString();
  const shown = text.length > 200 ? `${text.slice(0, 200)}...` : text;
  return new MalformedInformError(msg.name, `malformed #${msg.name} inform (${why}): ${shown}`, cause === undefined ? undefined : { cause });
}

const NO_PARAMS: readonly string[] = Object.freeze([]);

/** Argument `i` as a string: `known` itself when the bytes spell it (no new string), else decoded. */
function argOr(msg: Message, i: number, known: string | undefined): string {
  return known !== undefined && known !== '' && msg.argIs(i, known) ? known : msg.arg(i);
}

/**
 * Parse `#sensor-list name description units type params...`. With `like` (typically the
 * previous description of the same list), its units, type and params are reused when the inform
 * has the same, so that a list of many sensors of one kind makes no strings and arrays for them.
 * @throws MalformedInformError when malformed
 */
export function parseSensorListInform(msg: Message, like?: SensorInfo): SensorInfo {
  const count = msg.argCount;
  const name = msg.arg(0);
  if (name === '') throw malformedInform(msg, 'no sensor name');
  if (count < 4) throw malformedInform(msg, 'needs name, description, units and type');
  let params = NO_PARAMS;
  if (count > 4) {
    const same = like?.params;
    let i = 4;
    if (same !== undefined && same.length === count - 4) while (i < count && msg.argIs(i, same[i - 4]!)) i++;
    if (i === count) params = same!;
    else {
      const fresh: string[] = [];
      for (let j = 4; j < count; j++) fresh.push(msg.arg(j));
      params = Object.freeze(fresh);
    }
  }
  return Object.freeze({ name, description: msg.arg(1), units: argOr(msg, 2, like?.units), type: argOr(msg, 3, like?.type), params });
}

/**
 * The sensor description of one `#sensor-list` inform; undefined for another inform, or for a
 * malformed one, which is reported to `warn`.
 */
export function sensorListInfo(msg: Message, warn: (err: Error) => void): SensorInfo | undefined {
  if (msg.name !== 'sensor-list') return undefined;
  try {
    return parseSensorListInform(msg);
  } catch (err) {
    warn(err as Error);
    return undefined;
  }
}

/**
 * Sensor descriptions from `#sensor-list` informs (other informs are ignored); malformed ones are
 * reported to `warn` and skipped.
 */
export function parseSensorListInforms(informs: readonly Message[], warn: (err: Error) => void): SensorInfo[] {
  const out: SensorInfo[] = [];
  for (const msg of informs) {
    const info = sensorListInfo(msg, warn);
    if (info !== undefined) out.push(info);
  }
  return out;
}

/** True when two sensor descriptions are identical. */
export function sameSensorInfo(a: SensorInfo, b: SensorInfo): boolean {
  if (a === b) return true;
  if (a.name !== b.name || a.description !== b.description || a.units !== b.units || a.type !== b.type) return false;
  if (a.params.length !== b.params.length) return false;
  for (let i = 0; i < a.params.length; i++) if (a.params[i] !== b.params[i]) return false;
  return true;
}

// Status bytes -> status, keyed by length and first byte so no string is made per update.
const STATUS_BY_SHAPE = new Map<number, [Buffer, SensorStatus]>();
for (const st of STATUSES) STATUS_BY_SHAPE.set(st.length * 256 + st.charCodeAt(0), [Buffer.from(st, 'latin1'), st as SensorStatus]);

/** The status named by `raw` (exact lower case, or any case as a fallback), or undefined. */
export function statusFromBytes(raw: Buffer): SensorStatus | undefined {
  const n = raw.length;
  const hit = n > 0 ? STATUS_BY_SHAPE.get(n * 256 + (raw[0] as number)) : undefined;
  if (hit !== undefined) {
    const expect = hit[0];
    let i = 1;
    while (i < n && expect[i] === raw[i]) i++;
    if (i === n) return hit[1];
  }
  const lower = raw.toString('latin1').toLowerCase();
  return STATUSES.has(lower) ? (lower as SensorStatus) : undefined;
}

/** Digits only, at most 9 of them (a reading count); -1 for anything else. */
function smallCount(raw: Buffer): number {
  const len = raw.length;
  if (len === 0 || len > 9) return -1;
  let n = 0;
  for (let i = 0; i < len; i++) {
    const d = (raw[i] as number) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

// The count as the device writes it for the triples that follow, for the counts seen most.
const COUNT_TEXT: readonly string[] = Array.from({ length: 64 }, (_, i) => String(i));

/**
 * The reading count in argument 1 (as {@link smallCount}): the count the argument count implies
 * is compared as bytes first, so the common inform makes no Buffer view for its count.
 */
function readingCount(msg: Message, count: number): number {
  const implied = (count - 2) / 3;
  if (implied < COUNT_TEXT.length && implied === (implied | 0) && msg.argIs(1, COUNT_TEXT[implied]!)) return implied;
  return smallCount(msg.argBytes(1) as Buffer);
}

// Status names in the order of argOneOf's answer: the most frequent first (argOneOf tries them in turn).
const STATUS_LIST: readonly SensorStatus[] = ['nominal', 'warn', 'error', 'unknown', 'failure', 'unreachable', 'inactive'];

/** The status in argument `i` (exact lower case without decoding, any case as a fallback), or undefined. */
function statusArg(msg: Message, i: number): SensorStatus | undefined {
  const k = msg.argOneOf(i, STATUS_LIST);
  if (k >= 0) return STATUS_LIST[k];
  const lower = msg.arg(i).toLowerCase();
  return STATUSES.has(lower) ? (lower as SensorStatus) : undefined;
}

/** Argument 0 as a timestamp in seconds (v4 peers send milliseconds), read in place. */
function timestampArg(msg: Message, ctx: CodecContext): number {
  return msg.argDecode(0, timestampCodec, ctx) as number;
}

/**
 * Walk `#sensor-status <timestamp> <n> (<name> <status> <value>)*n` (also `#sensor-value`)
 * without building intermediate objects: `onReading` gets each valid triple as the index of its
 * name argument (the value is at `at + 2`; the name is not decoded here, so that a consumer that
 * can compare the bytes need not), its status and the inform's timestamp in seconds; `onError`
 * gets each bad one (the others are still delivered). Returns the timestamp in seconds.
 * @throws MalformedInformError when the timestamp or the count is malformed (nothing is delivered then)
 */
export function forEachSensorReading(
  msg: Message,
  ctx: CodecContext,
  onReading: (msg: Message, at: number, status: SensorStatus, timestamp: number) => void,
  onError?: (err: KatcpError) => void,
): number {
  const count = msg.argCount;
  if (count < 2) throw malformedInform(msg, 'no timestamp and count');
  let timestamp: number;
  try {
    timestamp = timestampArg(msg, ctx);
  } catch (e) {
    throw malformedInform(msg, 'bad timestamp', e);
  }
  const n = readingCount(msg, count);
  if (n < 0 || count !== 2 + 3 * n) {
    throw malformedInform(msg, `count ${JSON.stringify(msg.arg(1))} does not match ${count - 2} arguments`);
  }
  for (let base = 2; base < count; base += 3) {
    const status = statusArg(msg, base + 1);
    if (status === undefined) {
      onError?.(malformedInform(msg, `sensor ${JSON.stringify(msg.arg(base))} has unknown status ${JSON.stringify(msg.arg(base + 1))}`));
      continue;
    }
    onReading(msg, base, status, timestamp);
  }
  return timestamp;
}

/**
 * Parse `#sensor-status <timestamp> <n> (<name> <status> <value>)*n` (also `#sensor-value`).
 * @throws MalformedInformError when the timestamp or the count is malformed (nothing usable then)
 */
export function parseSensorInform(msg: Message, ctx: CodecContext): SensorInformBody {
  const readings: RawSensorReading[] = [];
  const errors: KatcpError[] = [];
  const timestamp = forEachSensorReading(
    msg,
    ctx,
    (m, at, status) => readings.push({ name: m.arg(at), status, value: m.argBytes(at + 2) as Buffer }),
    (err) => errors.push(err),
  );
  return { timestamp, readings, errors };
}

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
  if (type === 'string') return decodeLossless(raw);
  return getType(type).decode(raw, ctx);
}

/** Strict UTF-8, else a copy of the bytes (the lossless rule of the module documentation). */
function decodeLossless(raw: Uint8Array): string | Buffer {
  try {
    return decodeUtf8(raw);
  } catch {
    return Buffer.from(raw);
  }
}

/**
 * Argument `i` of `msg`, the value of a listed sensor, decoded as {@link decodeSensorValue}
 * decodes its bytes, but read in place (see `Message.argDecode`).
 * @throws KatcpTypeError as decodeSensorValue
 */
export function decodeSensorValueAt(info: Pick<SensorInfo, 'type'>, msg: Message, i: number, ctx: CodecContext): unknown {
  const type = clientSensorType(info.type);
  if (type !== 'string') return msg.argDecode(i, getType(type), ctx);
  const text = msg.arg(i);
  return text.includes(REPLACEMENT) ? decodeLossless(msg.argBytes(i)!) : text;
}
