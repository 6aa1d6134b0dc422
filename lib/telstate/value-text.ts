/**
 * Small helpers of the front end: value rendering for messages, the sub-key hashability rule,
 * and Python's string ordering.
 * @module
 */
import { inspect } from 'node:util';
import { EncodeError } from './errors.js';
import { NdArray } from './numpy.js';
import { Tuple } from './values.js';

/** A short, readable rendering of a value for error messages. */
export const show = (v: unknown): string => inspect(v, { depth: 3, maxArrayLength: 8, maxStringLength: 80, breakLength: Infinity });

/**
 * Python refuses unhashable sub-keys (lists, dicts, arrays), so they could never be looked up.
 * @throws EncodeError for such a sub-key
 */
export function checkHashable(v: unknown): void {
  if (Array.isArray(v) || v instanceof Map || v instanceof NdArray || (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype)) {
    throw new EncodeError(`unhashable sub-key type: ${Array.isArray(v) ? 'list' : v instanceof NdArray ? 'numpy.ndarray' : 'dict'}`);
  }
  if (v instanceof Tuple) v.items.forEach(checkHashable);
}

/** Order strings by code point, as Python sorts str (JavaScript's default sort uses UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done === true || y.done === true) return (x.done === true ? 0 : 1) - (y.done === true ? 0 : 1);
    const d = (x.value.codePointAt(0) ?? 0) - (y.value.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
}
