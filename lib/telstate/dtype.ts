/**
 * numpy data types (dtypes) as they appear in telstate values: simple ones written as numpy's
 * type strings (`'<f8'`, `'|b1'`, `'<U2'`, `'>i4'`, `'<M8[ns]'`) and structured ones written as
 * numpy's `descr` list (`[['x', '<f8'], ['y', '<i2', [3, 3]]]`, a Python list of tuples). The
 * byte layout of structured items is the descr order with no implicit padding (numpy writes
 * explicit `('', '|V4')` padding fields). Object dtypes (`'|O'`) are refused.
 * @module
 */
import { EncodeError, pyRepr } from './errors.js';
import { Tuple } from './values.js';

/** A dtype as accepted by {@link DType.from}. */
export type DTypeSpec = string | DType | readonly FieldSpec[];

/**
 * One field of a structured dtype: `[name, dtype]` or `[name, dtype, shape]`, where the name may
 * be `[title, name]` and the shape a number or a list of numbers. Python tuples ({@link Tuple})
 * are accepted wherever an array is.
 */
export type FieldSpec = readonly unknown[] | Tuple;

/** A field of a structured dtype. */
export interface DTypeField {
  /** Field name. */
  readonly name: string;
  /** Optional title (numpy's `(title, name)` form). */
  readonly title: string | undefined;
  /** Element type of the field. */
  readonly dtype: DType;
  /** Sub-array shape (`[]` for a scalar field). */
  readonly shape: readonly number[];
  /** Byte offset within the item. */
  readonly offset: number;
}

/** Kinds of simple dtype and the item sizes allowed for each. */
const SIZES: Readonly<Record<string, readonly number[] | 'any'>> = {
  b: [1],
  i: [1, 2, 4, 8],
  u: [1, 2, 4, 8],
  f: [2, 4, 8, 12, 16],
  c: [8, 16, 24, 32],
  M: [8],
  m: [8],
  S: 'any',
  U: 'any',
  V: 'any',
};
const SIMPLE = /^([<>|=]?)([a-zA-Z])(\d+)(\[[A-Za-z0-9]+\])?$/;

/** A numpy dtype. Create with {@link DType.from}. */
export class DType {
  /** numpy kind: `b i u f c U S V M m` (`V` for structured dtypes). */
  readonly kind: string;
  /** `<` little-endian, `>` big-endian, `|` not applicable (one byte, strings, void). */
  readonly byteOrder: '<' | '>' | '|';
  /** Bytes per item. */
  readonly itemsize: number;
  /** Time unit of datetime/timedelta dtypes, e.g. `[ns]`; otherwise ''. */
  readonly unit: string;
  /** Fields of a structured dtype, else undefined. */
  readonly fields: readonly DTypeField[] | undefined;

  private constructor(kind: string, byteOrder: '<' | '>' | '|', itemsize: number, unit: string, fields?: DTypeField[]) {
    this.kind = kind;
    this.byteOrder = byteOrder;
    this.itemsize = itemsize;
    this.unit = unit;
    this.fields = fields === undefined ? undefined : Object.freeze(fields);
    Object.freeze(this);
  }

  /**
   * Parse a dtype: a type string such as `'<f8'` or a structured descr list.
   * @throws EncodeError for anything numpy would not write (including object dtypes)
   */
  static from(spec: DTypeSpec): DType {
    if (spec instanceof DType) return spec;
    if (typeof spec === 'string') return parseSimple(spec);
    if (Array.isArray(spec)) return parseStructured(spec as readonly FieldSpec[]);
    throw new EncodeError(`invalid dtype of type ${typeof spec}`);
  }

  /** True for structured (record) dtypes. */
  get isStructured(): boolean {
    return this.fields !== undefined;
  }

  /** numpy's `dtype.str`, e.g. `'<f8'` (`'|V<size>'` for structured dtypes). */
  get str(): string {
    const count = this.kind === 'U' ? this.itemsize / 4 : this.itemsize;
    return `${this.byteOrder}${this.kind}${count}${this.unit}`;
  }

  /** numpy's `dtype_to_descr`: the type string, or for structured dtypes a list of field tuples. */
  get descr(): string | Tuple[] {
    if (this.fields === undefined) return this.str;
    return this.fields.map((f) => {
      const name = f.title === undefined ? f.name : Tuple.of(f.title, f.name);
      return f.shape.length === 0 ? Tuple.of(name, f.dtype.descr) : Tuple.of(name, f.dtype.descr, new Tuple(f.shape));
    });
  }

  /** The descr as Python prints it in an `.npy` header, e.g. `'<i4'` or `[('x', '<f8')]`. */
  descrRepr(): string {
    if (this.fields === undefined) return pyRepr(this.str);
    const parts = this.fields.map((f) => {
      const name = f.title === undefined ? pyRepr(f.name) : `(${pyRepr(f.title)}, ${pyRepr(f.name)})`;
      const shape = f.shape.length === 0 ? '' : `, ${shapeRepr(f.shape)}`;
      return `(${name}, ${f.dtype.descrRepr()}${shape})`;
    });
    return `[${parts.join(', ')}]`;
  }

  /** True if both describe the same layout (same descr). */
  equals(other: DType): boolean {
    return this.descrRepr() === other.descrRepr();
  }

  /** The descr repr. */
  toString(): string {
    return this.descrRepr();
  }

  /** @internal constructor access for the parsers below. */
  static create(kind: string, order: '<' | '>' | '|', itemsize: number, unit: string, fields?: DTypeField[]): DType {
    return new DType(kind, order, itemsize, unit, fields);
  }
}

/** Python's repr of a shape tuple: `()`, `(3,)`, `(1, 2)`. */
export function shapeRepr(shape: readonly number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

function parseSimple(spec: string): DType {
  const m = SIMPLE.exec(spec);
  if (m === null) {
    if (/^[<>|=]?O\d*$/.test(spec)) throw new EncodeError(`cannot use dtype ${pyRepr(spec)} as it contains objects`);
    throw new EncodeError(`unsupported dtype ${pyRepr(spec)}`);
  }
  const [, orderChar = '', kind = '', digits = '', unit = ''] = m;
  const sizes = SIZES[kind];
  if (sizes === undefined) {
    if (kind === 'O') throw new EncodeError(`cannot use dtype ${pyRepr(spec)} as it contains objects`);
    throw new EncodeError(`unsupported dtype kind ${pyRepr(kind)} in ${pyRepr(spec)}`);
  }
  const count = Number(digits);
  const itemsize = kind === 'U' ? count * 4 : count;
  if (!Number.isSafeInteger(itemsize) || (sizes !== 'any' && !sizes.includes(itemsize))) {
    throw new EncodeError(`invalid item size in dtype ${pyRepr(spec)}`);
  }
  if ((unit !== '') !== (kind === 'M' || kind === 'm')) throw new EncodeError(`invalid dtype ${pyRepr(spec)}`);
  let order: '<' | '>' | '|';
  if (kind === 'S' || kind === 'V' || kind === 'b' || (itemsize === 1 && kind !== 'U')) order = '|';
  else if (orderChar === '>') order = '>';
  else if (orderChar === '|' && itemsize > 1) throw new EncodeError(`dtype ${pyRepr(spec)} needs a byte order`);
  else order = '<'; // '<', '=' and none: this package assumes a little-endian host, as numpy writes
  return DType.create(kind, order, itemsize, unit);
}

function asList(x: unknown): readonly unknown[] | undefined {
  if (x instanceof Tuple) return x.items;
  if (Array.isArray(x)) return x as unknown[];
  return undefined;
}

function parseStructured(spec: readonly FieldSpec[]): DType {
  const fields: DTypeField[] = [];
  const names = new Set<string>();
  let offset = 0;
  for (const entry of spec) {
    const parts = asList(entry);
    if (parts === undefined || parts.length < 2 || parts.length > 3) {
      throw new EncodeError('a structured dtype field must be [name, dtype] or [name, dtype, shape]');
    }
    const [rawName, rawType, rawShape] = parts;
    let name: string;
    let title: string | undefined;
    const nameParts = asList(rawName);
    if (typeof rawName === 'string') name = rawName;
    else if (nameParts?.length === 2 && typeof nameParts[0] === 'string' && typeof nameParts[1] === 'string') {
      [title, name] = nameParts as [string, string];
    } else throw new EncodeError('a structured dtype field name must be a string or [title, name]');
    // numpy writes padding as fields named '' and renames them on load, so they may repeat.
    if (name !== '' && names.has(name)) throw new EncodeError(`duplicate field name ${pyRepr(name)} in dtype`);
    names.add(name);
    const typeList = asList(rawType);
    const dtype = typeof rawType === 'string' ? parseSimple(rawType) : typeList !== undefined ? parseStructured(typeList as FieldSpec[]) : undefined;
    if (dtype === undefined) throw new EncodeError(`invalid dtype for field ${pyRepr(name)}`);
    const shape = parseShape(rawShape);
    fields.push({ name, title, dtype, shape, offset });
    offset += dtype.itemsize * shape.reduce((a, b) => a * b, 1);
  }
  if (fields.length === 0) throw new EncodeError('a structured dtype needs at least one field');
  return DType.create('V', '|', offset, '', fields);
}

function parseShape(raw: unknown): number[] {
  if (raw === undefined) return [];
  if (typeof raw === 'number') raw = [raw];
  const list = asList(raw);
  if (list === undefined || !list.every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0)) {
    throw new EncodeError('a sub-array shape must be a list of non-negative integers');
  }
  return list as number[];
}
