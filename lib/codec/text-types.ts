/**
 * Built-in text-like codecs: `string`, `bytes`, `discrete` (and `discreteType(values)`), `lru`,
 * `address`, `log-level`, `device-status`, `sensor-status`.
 * @module
 */
import { KatcpTypeError } from '../errors.js';
import { Address } from './address.js';
import { describeValue } from './integer.js';
import { LOG_LEVELS, isLogLevel, parseLogLevel } from './log-level.js';
import type { LogLevel } from './log-level.js';
import { bytesRepr } from './repr.js';
import type { TypeCodec } from './type-codec.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const nativeIsWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;
const LONE_SURROGATE = /\p{Cs}/u;

/** True when `s` has no lone UTF-16 surrogate (so it encodes to UTF-8 without loss). */
export function isWellFormedString(s: string): boolean {
  return nativeIsWellFormed !== undefined ? nativeIsWellFormed.call(s) : !LONE_SURROGATE.test(s);
}

/** Decodes strict UTF-8 (a BOM is kept as U+FEFF). @throws KatcpTypeError naming the bytes */
export function decodeUtf8(raw: Uint8Array, typeName = 'string'): string {
  try {
    return strictUtf8.decode(raw);
  } catch (err) {
    throw new KatcpTypeError(typeName, `${bytesRepr(raw)} is not valid UTF-8`, raw, { cause: err });
  }
}

/** Encodes a JS string as UTF-8, refusing lone surrogates (which would otherwise become U+FFFD). */
export function encodeUtf8(value: string, typeName = 'string'): Buffer {
  if (!isWellFormedString(value)) {
    throw new KatcpTypeError(typeName, `${describeValue(value)} contains a lone UTF-16 surrogate and cannot be encoded as UTF-8`);
  }
  return Buffer.from(value, 'utf8');
}

function coerceString(value: unknown, typeName: string): string {
  if (typeof value === 'string') {
    if (!isWellFormedString(value)) {
      throw new KatcpTypeError(typeName, `${describeValue(value)} contains a lone UTF-16 surrogate`);
    }
    return value;
  }
  if (value instanceof Uint8Array) return decodeUtf8(value, typeName);
  throw new KatcpTypeError(typeName, `${describeValue(value)} is not a string`);
}

/** `string`: a JS string, UTF-8 on the wire, strictly decoded. `coerce` also takes UTF-8 bytes. */
export const stringType: TypeCodec<string> = Object.freeze({
  name: 'string',
  wireName: 'string',
  encode: (value: string): Buffer => encodeUtf8(coerceString(value, 'string')),
  decode: (raw: Uint8Array): string => decodeUtf8(raw),
  coerce: (value: unknown): string => coerceString(value, 'string'),
  defaultValue: (): string => '',
});

function coerceBytes(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'string') return encodeUtf8(value, 'bytes');
  throw new KatcpTypeError('bytes', `${describeValue(value)} is not bytes (Buffer, Uint8Array or string)`);
}

/** `bytes`: raw bytes as a Buffer (wire type `string`, no encoding implied). Decode copies. */
export const bytesType: TypeCodec<Buffer> = Object.freeze({
  name: 'bytes',
  wireName: 'string',
  encode: (value: Buffer): Buffer => coerceBytes(value),
  decode: (raw: Uint8Array): Buffer => Buffer.from(raw),
  coerce: coerceBytes,
  defaultValue: (): Buffer => Buffer.alloc(0),
});

/** `discrete` without a value list: any token, as a JS string (UTF-8 on the wire). */
export const discreteAnyType: TypeCodec<string> = Object.freeze({
  name: 'discrete',
  wireName: 'discrete',
  encode: (value: string): Buffer => encodeUtf8(coerceString(value, 'discrete'), 'discrete'),
  decode: (raw: Uint8Array): string => decodeUtf8(raw, 'discrete'),
  coerce: (value: unknown): string => coerceString(value, 'discrete'),
  defaultValue: (): string => '',
});

/** A discrete codec, which also lists its values (for `#sensor-list` parameters). */
export interface DiscreteCodec<V extends string = string> extends TypeCodec<V> {
  /** The allowed values, in order. */
  readonly values: readonly V[];
}

/**
 * A codec whose values are one of a fixed list of strings, matched exactly (case-sensitive), like
 * aiokatcp's enums. `defaultValue()` is the first value.
 * @param values the allowed values, at least one, no duplicates
 * @param name registry name (default `discrete`), wireName (default `discrete`)
 * @throws KatcpTypeError for an empty or duplicated list
 */
export function discreteType<const V extends string>(
  values: readonly V[],
  name = 'discrete',
  wireName = 'discrete',
): DiscreteCodec<V> {
  const given: unknown = values;
  if (!Array.isArray(given) || given.length === 0) {
    throw new KatcpTypeError(name, 'a discrete type needs at least one value');
  }
  const allowed = new Set<string>();
  for (const v of values) {
    if (typeof v !== 'string' || !isWellFormedString(v)) throw new KatcpTypeError(name, `${describeValue(v)} is not a valid discrete value`);
    if (allowed.has(v)) throw new KatcpTypeError(name, `discrete value ${JSON.stringify(v)} is listed twice`);
    allowed.add(v);
  }
  const list = Object.freeze([...values]);
  const what = `${name} (${list.join(', ')})`;
  const isAllowed = (v: unknown): v is V => typeof v === 'string' && allowed.has(v);
  const coerce = (value: unknown): V => {
    if (isAllowed(value)) return value;
    throw new KatcpTypeError(name, `${describeValue(value)} is not a valid value for ${what}`);
  };
  return Object.freeze({
    name,
    wireName,
    values: list,
    encode: (value: V): Buffer => Buffer.from(coerce(value), 'utf8'),
    decode(raw: Uint8Array): V {
      let text: string | undefined;
      try {
        text = strictUtf8.decode(raw);
      } catch {
        text = undefined;
      }
      if (isAllowed(text)) return text;
      throw new KatcpTypeError(name, `${bytesRepr(raw)} is not a valid value for ${what}`, raw);
    },
    coerce,
    defaultValue: (): V => list[0]!,
  });
}

/** `lru` (deprecated in v5): `nominal` or `error`. */
export const lruType: DiscreteCodec<'nominal' | 'error'> = discreteType(['nominal', 'error'], 'lru', 'lru');

/** Device health, the value of the conventional `device-status` sensor. */
export const DeviceStatus = { Ok: 'ok', Degraded: 'degraded', Fail: 'fail' } as const;
/** One of `ok`, `degraded`, `fail`. */
export type DeviceStatus = (typeof DeviceStatus)[keyof typeof DeviceStatus];

/** `device-status`: discrete `ok`/`degraded`/`fail`. */
export const deviceStatusType: DiscreteCodec<DeviceStatus> = discreteType(['ok', 'degraded', 'fail'], 'device-status');

/** The seven sensor statuses of KATCP v5 as they appear on the wire. */
export type SensorStatusName = 'unknown' | 'nominal' | 'warn' | 'error' | 'failure' | 'unreachable' | 'inactive';

/** `sensor-status`: one of the seven statuses (`unknown` ... `inactive`), exact lower case. */
export const sensorStatusType: DiscreteCodec<SensorStatusName> = discreteType(
  ['unknown', 'nominal', 'warn', 'error', 'failure', 'unreachable', 'inactive'],
  'sensor-status',
);

function coerceAddress(value: unknown): Address {
  if (value instanceof Address) return value;
  if (typeof value === 'string') return Address.parse(value);
  throw new KatcpTypeError('address', `${describeValue(value)} is not an Address`);
}

/** `address`: an {@link Address}; `coerce` also parses address text. Default `0.0.0.0`. */
export const addressType: TypeCodec<Address> = Object.freeze({
  name: 'address',
  wireName: 'address',
  encode: (value: Address): Buffer => Buffer.from(coerceAddress(value).toString(), 'latin1'),
  decode: (raw: Uint8Array): Address => Address.parse(raw),
  coerce: coerceAddress,
  defaultValue: (): Address => new Address('0.0.0.0'),
});

function coerceLogLevel(value: unknown): LogLevel {
  if (isLogLevel(value)) return value;
  if (typeof value === 'string') return parseLogLevel(value);
  throw new KatcpTypeError('log-level', `${describeValue(value)} is not a log level (${LOG_LEVELS.join(', ')})`);
}

/** `log-level`: a {@link LogLevel}, case-insensitive on input, lower case on output. Default `all`. */
export const logLevelType: TypeCodec<LogLevel> = Object.freeze({
  name: 'log-level',
  wireName: 'discrete',
  encode: (value: LogLevel): Buffer => Buffer.from(coerceLogLevel(value), 'latin1'),
  decode: (raw: Uint8Array): LogLevel => parseLogLevel(raw),
  coerce: coerceLogLevel,
  defaultValue: (): LogLevel => 'all',
});
