/**
 * Floats on the wire: formatted exactly like Python's `repr(float)` (what aiokatcp and
 * katcp-python send) and parsed with Python's `float()` grammar, which also covers the forms
 * JavaScript's `String(number)` produces (`1e-7`, `Infinity`, `NaN`).
 * @module
 */
import { KatcpTypeError } from '../errors.js';
import { bytesRepr, trimmedLatin1 } from './repr.js';

/**
 * Formats a number like Python's `repr(float)`: the shortest digits that round-trip, in fixed
 * notation with at least one fractional digit when the decimal exponent is in -4..15
 * (`5.0`, `0.0001`, `1700000000.123`), otherwise scientific with a signed exponent of at least two
 * digits (`1e+16`, `1e-05`, `1.5e-07`). Specials are `nan`, `inf`, `-inf`; negative zero is `-0.0`.
 */
export function formatFloat(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const abs = x < 0 ? -x : x;
  if (abs >= 1e-4 && abs < 1e16) {
    // Fast path: in this range String(x) is already fixed notation with the same shortest digits.
    const fixed = String(x);
    return fixed.includes('.') ? fixed : fixed + '.0';
  }
  // Outside [1e-4, 1e16) the decimal exponent is below -4 or above 15, so Python uses scientific
  // notation. toExponential() without an argument yields the shortest round-trip digits (as
  // String(x) does), already split into mantissa and exponent, e.g. "-1.2345e-7".
  const s = x.toExponential();
  const neg = x < 0;
  const ePos = s.indexOf('e');
  const mantissa = s.slice(neg ? 1 : 0, ePos);
  const exp = Number(s.slice(ePos + 1));
  const absExp = exp < 0 ? -exp : exp;
  const out = mantissa + (exp < 0 ? 'e-' : 'e+') + (absExp < 10 ? '0' : '') + String(absExp);
  return neg ? '-' + out : out;
}

// Python float() grammar after whitespace stripping: optional sign, digits with single underscores
// between digits, optional fraction, optional exponent; or inf/infinity/nan in any case.
const FINITE_RE = /^[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;
const SPECIAL_RE = /^([+-]?)(?:(inf|infinity)|nan)$/i;

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * The value of a plain decimal `[-]digits[.digits]` (`0.0`, `-12.5`, `1700000000.25`) in
 * `raw[start, end)`, or undefined for anything else (signs, exponents, underscores, spaces, long
 * mantissas...). With the digits' integer value at most 2^53 and at most 22 fraction digits,
 * `digits / 10^k` is one correctly rounded division of two exact doubles, hence exactly what
 * `Number(text)` gives.
 */
export function decodeSimpleDecimal(raw: Uint8Array, start = 0, end = raw.length): number | undefined {
  const n = end - start;
  if (n <= 0 || n > 40) return undefined;
  const neg = raw[start] === 0x2d;
  const first = neg ? start + 1 : start;
  if (first === end) return undefined;
  let mantissa = 0;
  let dot = -1;
  for (let i = first; i < end; i++) {
    const c = raw[i]!;
    if (c === 0x2e) {
      if (dot >= 0 || i === first || i === end - 1) return undefined;
      dot = i;
    } else if (c < 0x30 || c > 0x39) return undefined;
    else mantissa = mantissa * 10 + (c - 0x30);
  }
  const k = dot < 0 ? 0 : end - dot - 1;
  if (mantissa > Number.MAX_SAFE_INTEGER || k > 22) return undefined;
  const value = k === 0 ? mantissa : mantissa / POW10[k]!;
  return neg ? -value : value;
}

/**
 * Parses a float with Python's `float()` rules: surrounding ASCII whitespace, a leading `+`,
 * `_` digit groups, `.5`, `5.`, exponents, and `inf`/`infinity`/`nan` in any case (so JavaScript's
 * `Infinity`/`NaN` are accepted too). Hex, empty input and junk are refused.
 * @throws KatcpTypeError `could not convert string to float: b'0x10'`
 */
export function decodeFloat(raw: Uint8Array | string, typeName = 'float'): number {
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  // Both bounds given: the defaults' branch, never taken by the per-argument path, would
  // deoptimise its optimised code the first time this path came by.
  const simple = decodeSimpleDecimal(bytes, 0, bytes.length);
  if (simple !== undefined) return simple;
  const text = trimmedLatin1(bytes);
  if (FINITE_RE.test(text)) return Number(text.includes('_') ? text.replaceAll('_', '') : text);
  const m = SPECIAL_RE.exec(text);
  if (m !== null) {
    if (m[2] === undefined) return NaN;
    return m[1] === '-' ? -Infinity : Infinity;
  }
  throw new KatcpTypeError(typeName, `could not convert string to float: ${bytesRepr(bytes)}`, bytes);
}
