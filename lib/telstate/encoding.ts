/**
 * The telstate value encoding, byte-compatible with `katsdptelstate.encoding`: a marker byte
 * (`0xff` msgpack; `0x80` and below are Python pickles, which are refused) followed by msgpack
 * with four extension types (tuple, complex128, numpy array as `.npy`, numpy scalar).
 * See `values.ts` for how Python types map to TypeScript.
 * @module
 */
import { DType } from './dtype.js';
import { DecodeError, EncodeError, PickledValueError, TelstateError } from './errors.js';
import { Reader, Writer, pack } from './msgpack.js';
import type { ExtDecoder, ExtEncoder, UnpackOptions } from './msgpack.js';
import { decodeNpy, encodeNpy } from './npy.js';
import { NdArray, NumpyScalar } from './numpy.js';
import { Complex, Tuple } from './values.js';
import type { TelstateValue } from './values.js';
import { bytesRepr } from '../codec/repr.js';

/** Marker byte of msgpack-encoded values (`ENCODING_MSGPACK`, the default). */
export const ENCODING_MSGPACK = 0xff;
/** Marker byte of pickled values (`ENCODING_PICKLE`); any first byte up to this one is a pickle. */
export const ENCODING_PICKLE = 0x80;

/** msgpack extension type codes used by telstate. */
export const MsgpackExt = {
  /** A tuple: the msgpack encoding of its items as a list. */
  Tuple: 1,
  /** A complex number: real and imaginary parts as big-endian float64. */
  Complex128: 2,
  /** A numpy array: a complete `.npy` file. */
  NdArray: 3,
  /** A numpy scalar: msgpack of the dtype descr, then the raw item bytes. */
  NumpyScalar: 4,
} as const;

/** Options for {@link decodeValue}. */
export type DecodeOptions = UnpackOptions;

const extEncoder: ExtEncoder = (v, depth) => {
  if (v instanceof Tuple) {
    const w = new Writer();
    pack(w, v.items, extEncoder, depth);
    return { code: MsgpackExt.Tuple, body: w.finish() };
  }
  if (v instanceof Complex) {
    const body = Buffer.allocUnsafe(16);
    body.writeDoubleBE(v.re, 0);
    body.writeDoubleBE(v.im, 8);
    return { code: MsgpackExt.Complex128, body };
  }
  if (v instanceof NdArray) return { code: MsgpackExt.NdArray, body: encodeNpy(v) };
  if (v instanceof NumpyScalar) {
    const w = new Writer();
    pack(w, v.dtype.descr, extEncoder, depth);
    w.bytes(v.data);
    return { code: MsgpackExt.NumpyScalar, body: w.finish() };
  }
  return undefined;
};

function makeExtDecoder(opts: UnpackOptions): ExtDecoder {
  const decoder: ExtDecoder = (code, body, depth) => {
    switch (code) {
      case MsgpackExt.Tuple: {
        const r = new Reader(body, decoder, opts);
        const items = r.read(depth);
        if (r.remaining !== 0) throw new DecodeError('unpack(b) received extra data.');
        if (!Array.isArray(items)) throw new DecodeError('incorrectly encoded tuple');
        return new Tuple(items);
      }
      case MsgpackExt.Complex128:
        if (body.length !== 16) throw new DecodeError('wrong length for COMPLEX128');
        return new Complex(Buffer.from(body).readDoubleBE(0), Buffer.from(body).readDoubleBE(8));
      case MsgpackExt.NdArray:
        return decodeNpy(body);
      case MsgpackExt.NumpyScalar: {
        // The descr is always decoded with plain floats: it never holds any.
        const r = new Reader(body, makeExtDecoder({}));
        const descr = r.read(depth);
        const raw = r.rest();
        let dtype: DType;
        try {
          dtype = DType.from(descr as string);
        } catch (err) {
          throw new DecodeError(`invalid numpy scalar dtype: ${(err as Error).message}`, { cause: err });
        }
        if (raw.length < dtype.itemsize) throw new DecodeError('buffer is smaller than requested size');
        return new NumpyScalar(dtype, new Uint8Array(raw.subarray(0, dtype.itemsize)));
      }
      default:
        throw new DecodeError(`unknown extension type ${code}`);
    }
  };
  return decoder;
}

const plainExtDecoder = makeExtDecoder({});
const wrappingExtDecoder = makeExtDecoder({ wrapFloats: true });

/**
 * Encode a value as katsdptelstate does (`encode_value(value)`): `0xff` then msgpack.
 * @throws EncodeError for values that have no telstate encoding (e.g. `undefined`, `Set`,
 *   class instances, typed arrays other than Uint8Array, integers beyond 64 bits, non-string map keys)
 */
export function encodeValue(value: unknown): Buffer {
  const w = new Writer();
  w.u8(ENCODING_MSGPACK);
  try {
    pack(w, value, extEncoder);
  } catch (err) {
    if (err instanceof TelstateError) throw err;
    throw new EncodeError(`cannot encode value: ${(err as Error).message}`, { cause: err });
  }
  return w.finish();
}

/**
 * Decode a stored value. Never runs anything: pickles are refused with {@link PickledValueError}.
 * @throws DecodeError (or its subclass PickledValueError) for anything that is not a valid value
 */
export function decodeValue(bytes: Uint8Array, opts: DecodeOptions = {}): TelstateValue {
  if (bytes.length === 0) throw new DecodeError('empty value');
  const marker = bytes[0] ?? 0;
  if (marker === ENCODING_MSGPACK) {
    try {
      const r = new Reader(bytes.subarray(1), opts.wrapFloats === true ? wrappingExtDecoder : plainExtDecoder, opts);
      const value = r.read();
      if (r.remaining !== 0) throw new DecodeError('unpack(b) received extra data.');
      return value;
    } catch (err) {
      if (err instanceof DecodeError) throw err;
      throw new DecodeError(err instanceof Error ? err.message : String(err), { cause: err });
    }
  }
  if (marker <= ENCODING_PICKLE) throw new PickledValueError();
  throw new DecodeError(
    `value starts with unrecognised header byte ${bytesRepr(bytes.subarray(0, 1))} (katsdptelstate may need to be updated)`,
  );
}

/**
 * katsdptelstate's rule for "the same value" (used when re-setting immutables): identical bytes,
 * or both values decode to str/bytes with the same UTF-8 bytes. Nothing else is compared.
 * @throws DecodeError if the bytes differ and one of them cannot be decoded
 */
export function equalEncodedValues(a: Uint8Array, b: Uint8Array): boolean {
  if (Buffer.compare(a, b) === 0) return true;
  const va = decodeValue(a);
  const vb = decodeValue(b);
  const asBytes = (v: TelstateValue): Buffer | undefined =>
    typeof v === 'string' ? Buffer.from(v, 'utf8') : v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : undefined;
  const ba = asBytes(va);
  const bb = asBytes(vb);
  return ba !== undefined && bb !== undefined && ba.equals(bb);
}
