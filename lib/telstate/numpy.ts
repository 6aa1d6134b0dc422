/**
 * numpy arrays and scalars as telstate values: {@link NdArray} (msgpack ext type 3, an `.npy`
 * file) and {@link NumpyScalar} (ext type 4, dtype descr then the raw item). Both keep numpy's
 * raw bytes (`data`) plus a {@link DType}, so they round-trip byte for byte; `toArray()`,
 * `typed()` and `value` turn them into JavaScript values.
 * @module
 */
import { DType } from './dtype.js';
import type { DTypeSpec } from './dtype.js';
import type { ElementValue } from './elements.js';
import { readElement, halfToNumber, writeElement } from './elements.js';
import { EncodeError, TelstateError } from './errors.js';
import { Complex } from './values.js';

/** The typed arrays {@link NdArray.from} and {@link NdArray.typed} use. */
export type TypedArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

type TypedCtor = { new (n: number): TypedArray; readonly BYTES_PER_ELEMENT: number };

const TYPED_DTYPES: readonly [TypedCtor, string][] = [
  [Int8Array, '|i1'],
  [Uint8Array, '|u1'],
  [Int16Array, '<i2'],
  [Uint16Array, '<u2'],
  [Int32Array, '<i4'],
  [Uint32Array, '<u4'],
  [Float32Array, '<f4'],
  [Float64Array, '<f8'],
  [BigInt64Array, '<i8'],
  [BigUint64Array, '<u8'],
];

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A numpy `ndarray`: dtype, shape and the raw item bytes in C (or Fortran) order. */
export class NdArray {
  /** Element type. */
  readonly dtype: DType;
  /** Dimensions (`[]` for a 0-d array). */
  readonly shape: readonly number[];
  /** Raw item bytes, `size * dtype.itemsize` long. */
  readonly data: Uint8Array;
  /** True if `data` is in Fortran (column-major) order, as numpy writes non-C-contiguous arrays. */
  readonly fortranOrder: boolean;

  /**
   * @param dtype element type
   * @param shape dimensions
   * @param data raw bytes (not copied)
   * @throws EncodeError if the data length does not match the shape and dtype
   */
  constructor(dtype: DTypeSpec, shape: readonly number[], data: Uint8Array, opts: { fortranOrder?: boolean } = {}) {
    this.dtype = DType.from(dtype);
    if (!shape.every((n) => Number.isSafeInteger(n) && n >= 0)) throw new EncodeError('array shape must be non-negative integers');
    this.shape = Object.freeze([...shape]);
    const expected = product(shape) * this.dtype.itemsize;
    if (data.length !== expected) {
      throw new EncodeError(`array data has ${data.length} bytes but shape and dtype need ${expected}`);
    }
    this.data = data;
    this.fortranOrder = opts.fortranOrder ?? false;
    Object.freeze(this);
  }

  /**
   * Build an array from a typed array (dtype from its type, 1-D unless `shape` is given) or from
   * nested JavaScript arrays (shape from the nesting; dtype inferred as numpy would for booleans,
   * integers `<i8`, numbers `<f8`, bigints `<i8`, Complex `<c16` and strings `<U<n>`).
   */
  static from(values: TypedArray | readonly unknown[], opts: { dtype?: DTypeSpec; shape?: readonly number[] } = {}): NdArray {
    if (ArrayBuffer.isView(values) && opts.dtype === undefined) {
      const entry = TYPED_DTYPES.find(([ctor]) => values instanceof ctor);
      if (entry === undefined) throw new EncodeError('unsupported typed array');
      const shape = opts.shape ?? [values.length];
      if (product(shape) !== values.length) throw new EncodeError(`shape [${shape.join(', ')}] does not match ${values.length} items`);
      const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
      if (hostBigEndian) swapInPlace(bytes, entry[0].BYTES_PER_ELEMENT);
      return new NdArray(entry[1], shape, bytes);
    }
    const flat: unknown[] = [];
    const inferred = ArrayBuffer.isView(values) ? [values.length] : inferShape(values, flat);
    if (ArrayBuffer.isView(values)) flat.push(...(values as unknown as Iterable<unknown>));
    const shape = opts.shape ?? inferred;
    if (product(shape) !== flat.length) throw new EncodeError(`shape [${shape.join(', ')}] does not match ${flat.length} items`);
    const dtype = DType.from(opts.dtype ?? inferDType(flat));
    const data = new Uint8Array(flat.length * dtype.itemsize);
    const view = new DataView(data.buffer);
    flat.forEach((v, k) => writeElement(dtype, view, k * dtype.itemsize, v));
    return new NdArray(dtype, shape, data);
  }

  /** Number of items. */
  get size(): number {
    return product(this.shape);
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** The item at a flat index in storage order. */
  item(flatIndex: number): ElementValue {
    if (!Number.isInteger(flatIndex) || flatIndex < 0 || flatIndex >= this.size) throw new RangeError(`index ${flatIndex} out of range`);
    return readElement(this.dtype, new DataView(this.data.buffer, this.data.byteOffset, this.data.byteLength), flatIndex * this.dtype.itemsize);
  }

  /** Nested JavaScript arrays in logical (C) index order; a 0-d array gives its single item. */
  toArray(): ElementValue {
    const view = new DataView(this.data.buffer, this.data.byteOffset, this.data.byteLength);
    const { shape, dtype } = this;
    const strides = new Array<number>(shape.length);
    let stride = dtype.itemsize;
    const order = this.fortranOrder ? shape.map((_, k) => k) : shape.map((_, k) => shape.length - 1 - k);
    for (const axis of order) {
      strides[axis] = stride;
      stride *= shape[axis] ?? 1;
    }
    const build = (axis: number, offset: number): ElementValue => {
      if (axis === shape.length) return readElement(dtype, view, offset);
      return Array.from({ length: shape[axis] ?? 0 }, (_, k) => build(axis + 1, offset + k * (strides[axis] ?? 0)));
    };
    return build(0, 0);
  }

  /**
   * The items (storage order) as a native typed array: integers and floats by size, booleans as
   * Uint8Array, half floats as Float32Array, datetimes as BigInt64Array, complex as interleaved
   * (re, im) Float32Array/Float64Array.
   * @throws TelstateError for dtypes with no typed-array form (strings, void, structured)
   */
  typed(): TypedArray {
    const { dtype } = this;
    const le = dtype.byteOrder !== '>';
    const view = new DataView(this.data.buffer, this.data.byteOffset, this.data.byteLength);
    const n = this.size;
    const fill = <T extends TypedArray>(out: T, width: number, get: (off: number) => number | bigint): T => {
      for (let k = 0; k < out.length; k++) (out as unknown as (number | bigint)[])[k] = get(k * width);
      return out;
    };
    const s = dtype.itemsize;
    switch (`${dtype.kind}${s}`) {
      case 'b1':
      case 'u1':
        return this.data.slice();
      case 'i1':
        return new Int8Array(this.data.slice().buffer);
      case 'i2':
        return fill(new Int16Array(n), 2, (o) => view.getInt16(o, le));
      case 'u2':
        return fill(new Uint16Array(n), 2, (o) => view.getUint16(o, le));
      case 'i4':
        return fill(new Int32Array(n), 4, (o) => view.getInt32(o, le));
      case 'u4':
        return fill(new Uint32Array(n), 4, (o) => view.getUint32(o, le));
      case 'i8':
      case 'M8':
      case 'm8':
        return fill(new BigInt64Array(n), 8, (o) => view.getBigInt64(o, le));
      case 'u8':
        return fill(new BigUint64Array(n), 8, (o) => view.getBigUint64(o, le));
      case 'f2':
        return fill(new Float32Array(n), 2, (o) => halfToNumber(view.getUint16(o, le)));
      case 'f4':
        return fill(new Float32Array(n), 4, (o) => view.getFloat32(o, le));
      case 'f8':
        return fill(new Float64Array(n), 8, (o) => view.getFloat64(o, le));
      case 'c8':
        return fill(new Float32Array(2 * n), 4, (o) => view.getFloat32(o, le));
      case 'c16':
        return fill(new Float64Array(2 * n), 8, (o) => view.getFloat64(o, le));
      default:
        throw new TelstateError(`dtype ${dtype.descrRepr()} has no typed-array form`);
    }
  }

  /** True if dtype, shape, order and bytes are all identical. */
  equals(other: NdArray): boolean {
    return (
      this.dtype.equals(other.dtype) &&
      this.fortranOrder === other.fortranOrder &&
      this.shape.length === other.shape.length &&
      this.shape.every((n, k) => n === other.shape[k]) &&
      Buffer.compare(this.data, other.data) === 0
    );
  }
}

/** A numpy scalar (`np.float64(5.5)`, `np.int32(7)`, `np.bool_(True)`, ...): dtype plus one raw item. */
export class NumpyScalar {
  /** The scalar's dtype. */
  readonly dtype: DType;
  /** The raw item bytes (`dtype.itemsize` long). */
  readonly data: Uint8Array;

  /** @throws EncodeError if `data` is not exactly one item */
  constructor(dtype: DTypeSpec, data: Uint8Array) {
    this.dtype = DType.from(dtype);
    if (data.length !== this.dtype.itemsize) throw new EncodeError(`a ${this.dtype.descrRepr()} scalar needs ${this.dtype.itemsize} bytes, not ${data.length}`);
    this.data = data;
    Object.freeze(this);
  }

  /** A scalar of `dtype` holding `value` (see `elements.ts` for the accepted JavaScript values). */
  static from(dtype: DTypeSpec, value: unknown): NumpyScalar {
    const dt = DType.from(dtype);
    const data = new Uint8Array(dt.itemsize);
    writeElement(dt, new DataView(data.buffer), 0, value);
    return new NumpyScalar(dt, data);
  }

  /** `np.float64(x)`. */
  static float64(x: number): NumpyScalar {
    return NumpyScalar.from('<f8', x);
  }

  /** `np.float32(x)`. */
  static float32(x: number): NumpyScalar {
    return NumpyScalar.from('<f4', x);
  }

  /** `np.int64(x)`. */
  static int64(x: number | bigint): NumpyScalar {
    return NumpyScalar.from('<i8', x);
  }

  /** `np.int32(x)`. */
  static int32(x: number): NumpyScalar {
    return NumpyScalar.from('<i4', x);
  }

  /** `np.bool_(x)`. */
  static bool(x: boolean): NumpyScalar {
    return NumpyScalar.from('|b1', x);
  }

  /** `np.complex128(c)`. */
  static complex128(c: Complex): NumpyScalar {
    return NumpyScalar.from('<c16', c);
  }

  /** The item as a JavaScript value. */
  get value(): ElementValue {
    return readElement(this.dtype, new DataView(this.data.buffer, this.data.byteOffset, this.data.byteLength), 0);
  }

  /** The numeric value, so `+scalar` works for numeric dtypes (NaN otherwise). */
  valueOf(): number {
    const v = this.value;
    return typeof v === 'number' ? v : typeof v === 'bigint' || typeof v === 'boolean' ? Number(v) : NaN;
  }

  /** True if dtype and bytes are identical. */
  equals(other: NumpyScalar): boolean {
    return this.dtype.equals(other.dtype) && Buffer.compare(this.data, other.data) === 0;
  }
}

const hostBigEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;

function swapInPlace(bytes: Uint8Array, width: number): void {
  if (width === 1) return;
  for (let o = 0; o < bytes.length; o += width) bytes.subarray(o, o + width).reverse();
}

function inferShape(values: readonly unknown[], flat: unknown[]): number[] {
  const shape = [values.length];
  const first = values[0];
  if (Array.isArray(first)) {
    let inner: number[] | undefined;
    for (const v of values) {
      if (!Array.isArray(v)) throw new EncodeError('nested arrays must be rectangular');
      const s = inferShape(v, flat);
      if (inner !== undefined && (s.length !== inner.length || s.some((n, k) => n !== inner?.[k]))) {
        throw new EncodeError('nested arrays must be rectangular');
      }
      inner = s;
    }
    shape.push(...(inner ?? []));
  } else {
    for (const v of values) {
      if (Array.isArray(v)) throw new EncodeError('nested arrays must be rectangular');
      flat.push(v);
    }
  }
  return shape;
}

function inferDType(flat: readonly unknown[]): string {
  if (flat.length === 0) return '<f8';
  if (flat.every((v) => typeof v === 'boolean')) return '|b1';
  if (flat.every((v) => typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v) && !Object.is(v, -0)))) return '<i8';
  if (flat.every((v) => typeof v === 'number')) return '<f8';
  if (flat.every((v) => v instanceof Complex || typeof v === 'number')) return '<c16';
  if (flat.every((v) => typeof v === 'string')) return `<U${Math.max(1, ...flat.map((s) => [...s].length))}`;
  throw new EncodeError('cannot infer a dtype for these values; pass opts.dtype');
}
