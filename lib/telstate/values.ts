/**
 * Value classes for the Python types JavaScript lacks: a float that stays a float even when it
 * is integral ({@link Float64}), tuples ({@link Tuple}) and complex numbers ({@link Complex}).
 * numpy arrays and scalars are in `numpy.ts`.
 *
 * How telstate values map between Python and TypeScript:
 *
 * | Python | TypeScript (decoded) | TypeScript (accepted when encoding) |
 * |---|---|---|
 * | `None` | `null` | `null` |
 * | `bool` | `boolean` | `boolean` |
 * | `int` | `number` (safe integers), else `bigint` | safe-integer `number`, `bigint` (int64/uint64 range) |
 * | `float` | `number` (or {@link Float64} with `wrapFloats`) | non-integral/-0/NaN/±inf/unsafe `number`, {@link Float64} |
 * | `str` | `string` | `string` (well-formed UTF-16) |
 * | `bytes` | `Uint8Array` | `Uint8Array` / `Buffer` |
 * | `list` | `Array` | `Array` |
 * | `tuple` | {@link Tuple} | {@link Tuple} |
 * | `dict` | `Map` (keys `string` or `Uint8Array`, insertion order kept) | `Map` or a plain object (keys `string`/`Uint8Array`) |
 * | `complex` | {@link Complex} | {@link Complex} |
 * | `numpy.ndarray` | `NdArray` | `NdArray` |
 * | numpy scalar (`np.float64`, `np.int32`, ...) | `NumpyScalar` | `NumpyScalar` |
 * @module
 */
import type { NdArray, NumpyScalar } from './numpy.js';

/** A decoded telstate value (see the module table). */
export type TelstateValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Float64
  | Tuple
  | Complex
  | NdArray
  | NumpyScalar
  | TelstateValue[]
  | Map<TelstateValue, TelstateValue>;

/**
 * A Python `float`, forced: `new Float64(1)` is stored as the float 1.0 (`cb 3ff0...`), where a
 * plain `1` would be stored as the integer 1. Needed for byte-identical values (immutable
 * re-sets, duplicate suppression) with data written by Python.
 */
export class Float64 {
  /** The number. */
  readonly value: number;

  constructor(value: number) {
    this.value = value;
    Object.freeze(this);
  }

  /** The number, so `+f` and arithmetic work. */
  valueOf(): number {
    return this.value;
  }

  /** Python's repr style, e.g. `Float64(1.0)`. */
  toString(): string {
    return Number.isInteger(this.value) && !Object.is(this.value, -0) ? `${this.value}.0` : String(this.value);
  }
}

/** A Python tuple: an immutable sequence stored differently from a list (msgpack ext type 1). */
export class Tuple implements Iterable<TelstateValue> {
  /** The items, in order. */
  readonly items: readonly TelstateValue[];

  /** @param items the tuple's items (copied) */
  constructor(items: Iterable<unknown>) {
    this.items = Object.freeze([...items] as TelstateValue[]);
    Object.freeze(this);
  }

  /** `Tuple.of(1, 'a')` is Python's `(1, 'a')`. */
  static of(...items: unknown[]): Tuple {
    return new Tuple(items);
  }

  /** Number of items. */
  get length(): number {
    return this.items.length;
  }

  /** Item `i` (negative counts from the end), or undefined. */
  at(i: number): TelstateValue | undefined {
    return this.items.at(i);
  }

  [Symbol.iterator](): Iterator<TelstateValue> {
    return this.items[Symbol.iterator]();
  }
}

/** A Python `complex` (two float64 parts; msgpack ext type 2, stored big-endian). */
export class Complex {
  /** Real part. */
  readonly re: number;
  /** Imaginary part. */
  readonly im: number;

  constructor(re: number, im: number) {
    this.re = re;
    this.im = im;
    Object.freeze(this);
  }

  /** True if both parts are identical (NaN equals NaN, like `Object.is`). */
  equals(other: Complex): boolean {
    return Object.is(this.re, other.re) && Object.is(this.im, other.im);
  }

  /** Python-like text, e.g. `(1+2j)`. */
  toString(): string {
    const sign = this.im < 0 || Object.is(this.im, -0) ? '-' : '+';
    return `(${this.re}${sign}${Math.abs(this.im)}j)`;
  }
}
