/**
 * Built-in numeric codecs: `integer`, `float`, `boolean`, `timestamp`, `timestamp-or-now`.
 * @module
 */
import { KatcpTypeError } from '../errors.js';
import { decodeFloat, formatFloat } from './float.js';
import { decodeInteger, describeValue, formatInteger } from './integer.js';
import type { IntegerValue } from './integer.js';
import { bytesRepr } from './repr.js';
import type { CodecContext, TypeCodec } from './type-codec.js';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function coerceInteger(value: unknown): IntegerValue {
  if (typeof value === 'bigint') {
    return value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value;
  }
  if (typeof value === 'number' && Number.isInteger(value)) {
    return Number.isSafeInteger(value) ? value + 0 : BigInt(value);
  }
  throw new KatcpTypeError('integer', `${describeValue(value)} is not an integer`);
}

/** `integer`: `number` when safe, `bigint` beyond 2^53; Python `int()` parsing. */
export const integerType: TypeCodec<IntegerValue> = Object.freeze({
  name: 'integer',
  wireName: 'integer',
  encode: (value: IntegerValue): Buffer => Buffer.from(formatInteger(coerceInteger(value)), 'latin1'),
  decode: (raw: Uint8Array): IntegerValue => decodeInteger(raw),
  coerce: coerceInteger,
  defaultValue: (): IntegerValue => 0,
});

function coerceFloat(value: unknown, typeName = 'float'): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  throw new KatcpTypeError(typeName, `${describeValue(value)} is not a number`);
}

/** `float`: any JS number (including NaN and infinities), formatted as Python's `repr`. */
export const floatType: TypeCodec<number> = Object.freeze({
  name: 'float',
  wireName: 'float',
  encode: (value: number): Buffer => Buffer.from(formatFloat(coerceFloat(value)), 'latin1'),
  decode: (raw: Uint8Array): number => decodeFloat(raw),
  coerce: (value: unknown): number => coerceFloat(value),
  defaultValue: (): number => 0,
});

function coerceBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  throw new KatcpTypeError('boolean', `${describeValue(value)} is not a boolean`);
}

/** `boolean`: exactly `1` or `0` on the wire. */
export const booleanType: TypeCodec<boolean> = Object.freeze({
  name: 'boolean',
  wireName: 'boolean',
  encode: (value: boolean): Buffer => Buffer.from(coerceBoolean(value) ? '1' : '0', 'latin1'),
  decode(raw: Uint8Array): boolean {
    if (raw.length === 1 && (raw[0] === 0x31 || raw[0] === 0x30)) return raw[0] === 0x31;
    throw new KatcpTypeError('boolean', `boolean must be 0 or 1, not ${bytesRepr(raw)}`, raw);
  },
  coerce: coerceBoolean,
  defaultValue: (): boolean => false,
});

function coerceTimestamp(value: unknown, typeName: string): number {
  if (value instanceof Date) return value.getTime() / 1000;
  return coerceFloat(value, typeName);
}

function encodeTimestamp(seconds: number, ctx: CodecContext | undefined): Buffer {
  if (ctx?.protocolMajor === 4 && Number.isFinite(seconds)) {
    // KATCP v4 timestamps are integer milliseconds; sub-millisecond precision cannot be sent.
    return Buffer.from(formatInteger(Math.round(seconds * 1000)), 'latin1');
  }
  return Buffer.from(formatFloat(seconds), 'latin1');
}

function decodeTimestamp(raw: Uint8Array, ctx: CodecContext | undefined, typeName: string): number {
  const value = decodeFloat(raw, typeName);
  return ctx?.protocolMajor === 4 ? value / 1000 : value;
}

/**
 * `timestamp`: seconds since the Unix epoch as a number (a `Date` is accepted by `coerce`).
 * With `ctx.protocolMajor === 4` the wire carries milliseconds (encode rounds to an integer).
 */
export const timestampType: TypeCodec<number> = Object.freeze({
  name: 'timestamp',
  wireName: 'timestamp',
  encode: (value: number, ctx?: CodecContext): Buffer => encodeTimestamp(coerceTimestamp(value, 'timestamp'), ctx),
  decode: (raw: Uint8Array, ctx?: CodecContext): number => decodeTimestamp(raw, ctx, 'timestamp'),
  coerce: (value: unknown): number => coerceTimestamp(value, 'timestamp'),
  defaultValue: (): number => 0,
});

/** A timestamp in seconds, or the literal `now` of timed requests. */
export type TimestampOrNow = number | 'now';

function coerceTimestampOrNow(value: unknown): TimestampOrNow {
  return value === 'now' ? 'now' : coerceTimestamp(value, 'timestamp-or-now');
}

/** `timestamp-or-now`: a timestamp or the literal `now` (exact, lower case). */
export const timestampOrNowType: TypeCodec<TimestampOrNow> = Object.freeze({
  name: 'timestamp-or-now',
  wireName: 'timestamp',
  encode(value: TimestampOrNow, ctx?: CodecContext): Buffer {
    const v = coerceTimestampOrNow(value);
    return v === 'now' ? Buffer.from('now', 'latin1') : encodeTimestamp(v, ctx);
  },
  decode(raw: Uint8Array, ctx?: CodecContext): TimestampOrNow {
    if (raw.length === 3 && raw[0] === 0x6e && raw[1] === 0x6f && raw[2] === 0x77) return 'now';
    try {
      return decodeTimestamp(raw, ctx, 'timestamp-or-now');
    } catch (err) {
      throw new KatcpTypeError('timestamp-or-now', `${bytesRepr(raw)} is neither a timestamp nor 'now'`, raw, { cause: err });
    }
  },
  coerce: coerceTimestampOrNow,
  defaultValue: (): TimestampOrNow => 0,
});
