/**
 * The `.npy` file format (the body of msgpack ext type 3). Writing copies numpy 1.24's header
 * byte for byte (so arrays written here equal arrays written by Python); reading accepts format
 * versions 1, 2 and 3 with any padding.
 * @module
 */
import { DType, shapeRepr } from './dtype.js';
import { DecodeError } from './errors.js';
import { NdArray } from './numpy.js';
import { parsePyLiteral } from './py-literal.js';
import { Tuple } from './values.js';

const MAGIC = Buffer.from('\x93NUMPY', 'latin1');
const ALIGN = 64;
/** numpy ≥ 1.21 leaves room for the growth axis to reach this many digits. */
const GROWTH_AXIS_MAX_DIGITS = 21;

/** Serialise an array exactly as `np.save(fp, arr, allow_pickle=False)` does in numpy 1.24. */
export function encodeNpy(arr: NdArray): Buffer {
  const fortran = arr.fortranOrder;
  let header = `{'descr': ${arr.dtype.descrRepr()}, 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeRepr(arr.shape)}, }`;
  if (arr.shape.length > 0) {
    const growth = fortran ? arr.shape[arr.shape.length - 1] : arr.shape[0];
    header += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(growth).length));
  }
  // eslint-disable-next-line no-control-regex -- latin-1 range check
  const latin1 = /^[\x00-\xff]*$/.test(header);
  const prefix = latin1 ? wrapHeader(header, 1) ?? wrapHeader(header, 2) : wrapHeader(header, 3);
  if (prefix === undefined) throw new DecodeError('array header too long');
  return Buffer.concat([prefix, arr.data]);
}

function wrapHeader(header: string, major: 1 | 2 | 3): Buffer | undefined {
  const bytes = Buffer.from(header, major === 3 ? 'utf8' : 'latin1');
  const sizeLen = major === 1 ? 2 : 4;
  const hlen = bytes.length + 1;
  const padlen = ALIGN - ((MAGIC.length + 2 + sizeLen + hlen) % ALIGN);
  const total = hlen + padlen;
  if (major === 1 && total > 0xffff) return undefined;
  const lenBytes = Buffer.alloc(sizeLen);
  if (sizeLen === 2) lenBytes.writeUInt16LE(total);
  else lenBytes.writeUInt32LE(total);
  return Buffer.concat([MAGIC, Buffer.of(major, 0), lenBytes, bytes, Buffer.alloc(padlen, 0x20), Buffer.of(0x0a)]);
}

/** Parse an `.npy` file. @throws DecodeError on anything malformed or truncated */
export function decodeNpy(bytes: Uint8Array): NdArray {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw new DecodeError('the magic string is not correct; expected "\\x93NUMPY"');
  const major = buf[6] ?? 0;
  const minor = buf[7] ?? 0;
  if (major < 1 || major > 3 || minor !== 0) throw new DecodeError(`we only support format version (1,0), (2,0) and (3,0), not (${major}, ${minor})`);
  const sizeLen = major === 1 ? 2 : 4;
  if (buf.length < 8 + sizeLen) throw new DecodeError('EOF: reading array header length');
  const hlen = sizeLen === 2 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = 8 + sizeLen;
  if (buf.length < start + hlen) throw new DecodeError('EOF: reading array header');
  const rawHeader = buf.subarray(start, start + hlen);
  let text: string;
  try {
    text = major === 3 ? new TextDecoder('utf-8', { fatal: true }).decode(rawHeader) : rawHeader.toString('latin1');
  } catch {
    throw new DecodeError('array header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = parsePyLiteral(text);
  } catch (err) {
    throw new DecodeError(`cannot parse header: ${text.trim().slice(0, 200)}`, { cause: err });
  }
  if (!(header instanceof Map) || header.size !== 3 || !header.has('descr') || !header.has('fortran_order') || !header.has('shape')) {
    throw new DecodeError(`header does not contain exactly the keys descr, fortran_order and shape: ${text.trim().slice(0, 200)}`);
  }
  const shapeRaw: unknown = header.get('shape');
  const fortran: unknown = header.get('fortran_order');
  if (!(shapeRaw instanceof Tuple) || !shapeRaw.items.every((n) => typeof n === 'number' && n >= 0)) {
    throw new DecodeError('shape is not a valid shape tuple');
  }
  if (typeof fortran !== 'boolean') throw new DecodeError('fortran_order is not a valid bool');
  let dtype: DType;
  try {
    dtype = DType.from(header.get('descr') as string);
  } catch (err) {
    throw new DecodeError(`descr is not a valid dtype descriptor: ${String((err as Error).message)}`, { cause: err });
  }
  const shape = shapeRaw.items as number[];
  const data = buf.subarray(start + hlen);
  // Check the size without overflowing: every dimension must fit in what is actually there.
  let count = 1;
  for (const n of shape) {
    count *= n;
    if (dtype.itemsize > 0 && count * dtype.itemsize > data.length) break;
  }
  const need = count * dtype.itemsize;
  if (need > data.length) throw new DecodeError(`EOF: reading array data, expected ${need} bytes got ${data.length}`);
  return new NdArray(dtype, shape, new Uint8Array(data.subarray(0, need)), { fortranOrder: fortran });
}
