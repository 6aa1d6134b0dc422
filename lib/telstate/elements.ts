/**
 * Reading and writing single numpy items (of a {@link DType}) as JavaScript values:
 * `b` → boolean; `i`/`u`/`M`/`m` → number (bigint beyond 2^53); `f` → number (half, single and
 * double; long double stays raw bytes); `c` → {@link Complex} (`c8`, `c16`; wider stays raw);
 * `U` → string and `S` → Uint8Array (trailing NULs stripped, as numpy does); `V` → Uint8Array;
 * structured → a plain object keyed by field name (sub-array fields as nested arrays).
 * @module
 */
import type { DType } from './dtype.js';
import { EncodeError } from './errors.js';
import { Complex, Float64 } from './values.js';

/** A JavaScript value of one numpy item. */
export type ElementValue =
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Complex
  | ElementValue[]
  | { [field: string]: ElementValue };

/** Read the item at `offset` of `view`. The caller guarantees `itemsize` bytes are there. */
export function readElement(dtype: DType, view: DataView, offset: number): ElementValue {
  if (dtype.fields !== undefined) {
    const record: { [field: string]: ElementValue } = {};
    for (const field of dtype.fields) {
      if (field.name === '') continue; // padding
      record[field.name] = readShaped(field.dtype, field.shape, view, offset + field.offset);
    }
    return record;
  }
  const le = dtype.byteOrder !== '>';
  const size = dtype.itemsize;
  switch (dtype.kind) {
    case 'b':
      return view.getUint8(offset) !== 0;
    case 'i':
    case 'M':
    case 'm':
      if (size === 1) return view.getInt8(offset);
      if (size === 2) return view.getInt16(offset, le);
      if (size === 4) return view.getInt32(offset, le);
      return narrow(view.getBigInt64(offset, le));
    case 'u':
      if (size === 1) return view.getUint8(offset);
      if (size === 2) return view.getUint16(offset, le);
      if (size === 4) return view.getUint32(offset, le);
      return narrow(view.getBigUint64(offset, le));
    case 'f':
      if (size === 2) return halfToNumber(view.getUint16(offset, le));
      if (size === 4) return view.getFloat32(offset, le);
      if (size === 8) return view.getFloat64(offset, le);
      return rawBytes(view, offset, size);
    case 'c':
      if (size === 8) return new Complex(view.getFloat32(offset, le), view.getFloat32(offset + 4, le));
      if (size === 16) return new Complex(view.getFloat64(offset, le), view.getFloat64(offset + 8, le));
      return rawBytes(view, offset, size);
    case 'U': {
      let end = size / 4;
      while (end > 0 && view.getUint32(offset + (end - 1) * 4, le) === 0) end--;
      let s = '';
      for (let k = 0; k < end; k++) {
        const cp = view.getUint32(offset + k * 4, le);
        s += cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff) ? String.fromCodePoint(cp) : '\ufffd';
      }
      return s;
    }
    case 'S': {
      let end = size;
      while (end > 0 && view.getUint8(offset + end - 1) === 0) end--;
      return rawBytes(view, offset, end);
    }
    default:
      return rawBytes(view, offset, size);
  }
}

/** Write `value` as the item at `offset` of `view`. @throws EncodeError if it does not fit the dtype */
export function writeElement(dtype: DType, view: DataView, offset: number, value: unknown): void {
  if (dtype.fields !== undefined) {
    const record = value instanceof Map ? Object.fromEntries(value as Map<string, unknown>) : value;
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw new EncodeError(`a structured item must be an object with fields, not ${describe(value)}`);
    }
    for (const field of dtype.fields) {
      if (field.name === '') continue;
      if (!(field.name in record)) throw new EncodeError(`structured item lacks field '${field.name}'`);
      writeShaped(field.dtype, field.shape, view, offset + field.offset, (record as Record<string, unknown>)[field.name]);
    }
    return;
  }
  const le = dtype.byteOrder !== '>';
  const size = dtype.itemsize;
  const v = value instanceof Float64 ? value.value : value;
  switch (dtype.kind) {
    case 'b':
      if (typeof v !== 'boolean') throw new EncodeError(`a ${dtype.str} item must be a boolean, not ${describe(v)}`);
      view.setUint8(offset, v ? 1 : 0);
      return;
    case 'i':
    case 'u':
    case 'M':
    case 'm':
      writeInteger(dtype, view, offset, v, le);
      return;
    case 'f':
      if (size > 8) return writeRaw(dtype, view, offset, v);
      if (typeof v !== 'number') throw new EncodeError(`a ${dtype.str} item must be a number, not ${describe(v)}`);
      if (size === 2) view.setUint16(offset, numberToHalf(v), le);
      else if (size === 4) view.setFloat32(offset, v, le);
      else view.setFloat64(offset, v, le);
      return;
    case 'c': {
      if (size > 16) return writeRaw(dtype, view, offset, v);
      const c = typeof v === 'number' ? new Complex(v, 0) : v;
      if (!(c instanceof Complex)) throw new EncodeError(`a ${dtype.str} item must be a Complex, not ${describe(v)}`);
      if (size === 8) {
        view.setFloat32(offset, c.re, le);
        view.setFloat32(offset + 4, c.im, le);
      } else {
        view.setFloat64(offset, c.re, le);
        view.setFloat64(offset + 8, c.im, le);
      }
      return;
    }
    case 'U': {
      if (typeof v !== 'string') throw new EncodeError(`a ${dtype.str} item must be a string, not ${describe(v)}`);
      const cps = Array.from(v, (ch) => ch.codePointAt(0) ?? 0);
      if (cps.length > size / 4) throw new EncodeError(`string of ${cps.length} characters does not fit ${dtype.str}`);
      cps.forEach((cp, k) => view.setUint32(offset + k * 4, cp, le));
      return;
    }
    default:
      writeRaw(dtype, view, offset, v);
  }
}

/** Read a (possibly sub-array) field: nested arrays of items in C order. */
export function readShaped(dtype: DType, shape: readonly number[], view: DataView, offset: number): ElementValue {
  if (shape.length === 0) return readElement(dtype, view, offset);
  const [n = 0, ...rest] = shape;
  const stride = dtype.itemsize * rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, k) => readShaped(dtype, rest, view, offset + k * stride));
}

function writeShaped(dtype: DType, shape: readonly number[], view: DataView, offset: number, value: unknown): void {
  if (shape.length === 0) return writeElement(dtype, view, offset, value);
  const [n = 0, ...rest] = shape;
  if (!Array.isArray(value) || value.length !== n) throw new EncodeError(`sub-array field needs an array of length ${n}`);
  const stride = dtype.itemsize * rest.reduce((a, b) => a * b, 1);
  value.forEach((item, k) => writeShaped(dtype, rest, view, offset + k * stride, item));
}

function writeInteger(dtype: DType, view: DataView, offset: number, v: unknown, le: boolean): void {
  if (!(typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v)))) {
    throw new EncodeError(`a ${dtype.str} item must be an integer, not ${describe(v)}`);
  }
  const big = BigInt(v);
  const bits = BigInt(dtype.itemsize * 8);
  const signed = dtype.kind !== 'u';
  const lo = signed ? -(1n << (bits - 1n)) : 0n;
  const hi = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  if (big < lo || big > hi) throw new EncodeError(`integer ${big} out of range for ${dtype.str}`);
  const size = dtype.itemsize;
  if (size === 8) {
    if (signed) view.setBigInt64(offset, big, le);
    else view.setBigUint64(offset, big, le);
  } else {
    const n = Number(big);
    if (size === 1) view.setUint8(offset, n & 0xff);
    else if (size === 2) view.setUint16(offset, n & 0xffff, le);
    else view.setUint32(offset, n >>> 0, le);
  }
}

function writeRaw(dtype: DType, view: DataView, offset: number, v: unknown): void {
  const bytes = typeof v === 'string' && dtype.kind === 'S' && /^[\p{ASCII}]*$/u.test(v) ? Buffer.from(v, 'latin1') : v;
  if (!(bytes instanceof Uint8Array)) throw new EncodeError(`a ${dtype.str} item must be a Uint8Array, not ${describe(v)}`);
  if (bytes.length > dtype.itemsize) throw new EncodeError(`${bytes.length} bytes do not fit ${dtype.str}`);
  new Uint8Array(view.buffer, view.byteOffset + offset, bytes.length).set(bytes);
}

function rawBytes(view: DataView, offset: number, size: number): Uint8Array {
  return new Uint8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + size));
}

function narrow(x: bigint): number | bigint {
  return x >= BigInt(Number.MIN_SAFE_INTEGER) && x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'object';
  return typeof v;
}

/** IEEE half-precision bits to a number. */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** A number to IEEE half-precision bits, rounding to nearest even (as numpy does). */
export function numberToHalf(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) return sign | roundHalfEven(a * 2 ** 24); // subnormal (may carry into the smallest normal)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--; // log2 can be off by one ulp near powers of two
  else if (2 ** (e + 1) <= a) e++;
  let m = roundHalfEven((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e++;
  }
  if (e + 15 >= 31) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | m;
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const diff = v - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
