/**
 * Integers on the wire. Values are exact at any size: decoding gives a `number` when the value is
 * a safe integer (|v| <= 2^53 - 1) and a `bigint` beyond, so 64-bit counters and v4 millisecond
 * timestamps never lose digits. Parsing follows Python's `int(bytes)` (base 10).
 * @module
 */
import { KatcpTypeError } from '../errors.js';
import { bytesRepr, trimmedLatin1 } from './repr.js';

/** An integer value: `number` when it is a safe integer, `bigint` beyond 2^53. */
export type IntegerValue = number | bigint;

// Python int() base 10 after whitespace stripping: sign, digits with single underscores between
// digits. Leading zeros are allowed in base 10 ("007" is 7).
const INT_RE = /^[+-]?\d(?:_?\d)*$/;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** The most decimal digits an integer may have on the wire (Python's default `int_max_str_digits`). */
export const MAX_INTEGER_DIGITS = 4300;
const MAX_DIGITS = MAX_INTEGER_DIGITS;

/**
 * Parses a base-10 integer with Python's `int()` rules (surrounding whitespace, leading `+`,
 * `_` digit groups). Returns a `number` for safe integers, a `bigint` otherwise; `-0` gives `0`.
 * @throws KatcpTypeError `invalid literal for int() with base 10: b'1.5'`
 */
export function decodeInteger(raw: Uint8Array | string, typeName = 'integer'): IntegerValue {
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  const plain = decodePlainInteger(bytes);
  if (plain !== undefined) return plain;
  let text = trimmedLatin1(bytes);
  if (!INT_RE.test(text)) {
    throw new KatcpTypeError(typeName, `invalid literal for int() with base 10: ${bytesRepr(bytes)}`, bytes);
  }
  if (text.includes('_')) text = text.replaceAll('_', '');
  const digits = text.length - (text.charCodeAt(0) === 0x2b || text.charCodeAt(0) === 0x2d ? 1 : 0);
  if (digits > MAX_DIGITS) {
    // Python's limit too: decimal-to-bigint conversion is quadratic, so a peer could stall us.
    throw new KatcpTypeError(typeName, `Exceeds the limit (${MAX_DIGITS} digits) for integer string conversion: value has ${digits} digits`, bytes);
  }
  // Up to 15 digits (plus a sign) always fits a safe integer; Number() is then exact and fast.
  if (text.length <= 15) return Number(text) + 0;
  const big = BigInt(text);
  return big <= MAX_SAFE && big >= -MAX_SAFE ? Number(big) : big;
}

/**
 * `[-]digits` with at most 15 digits (always a safe integer) in `raw[start, end)`, computed
 * without a string; undefined for anything else (signs, underscores, spaces, longer numbers),
 * which {@link decodeInteger} handles.
 */
export function decodePlainInteger(raw: Uint8Array, start = 0, end = raw.length): number | undefined {
  const neg = end > start && raw[start] === 0x2d;
  const first = neg ? start + 1 : start;
  if (end === first || end - first > 15) return undefined;
  let v = 0;
  for (let i = first; i < end; i++) {
    const d = raw[i]! - 0x30;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
  }
  // `+ 0` turns -0 into 0, as Number('-0') + 0 does.
  return (neg ? -v : v) + 0;
}

/** True when `value` is an integer-valued `number` or a `bigint`. */
export function isIntegerValue(value: unknown): value is IntegerValue {
  return typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value));
}

/**
 * Formats an integer in decimal (`-0` gives `0`; an integer-valued number beyond 2^53 is written
 * with all its digits, like Python's `str(int(1e20))`).
 * @throws KatcpTypeError when `value` is not an integer number or bigint
 */
export function formatInteger(value: IntegerValue, typeName = 'integer'): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new KatcpTypeError(typeName, `${describeValue(value)} is not an integer`);
  }
  return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
}

/** A short description of a JS value for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 60) + '...' : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'undefined') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return value.toString();
  if (Array.isArray(value)) return 'an array';
  const ctor = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof ctor === 'string' && ctor !== 'Object' ? `a ${ctor}` : 'an object';
}
