/**
 * msgpack with Python msgpack's exact behaviour as katsdptelstate configures it
 * (`use_bin_type=True, strict_types=True`, `raw=False`, `strict_map_key=True`, lengths capped by
 * the input size). Hand-written because the general-purpose `@msgpack/msgpack` cannot express
 * what byte-for-byte compatibility needs: integral floats that stay floats (`cb`), `-0.0`, maps
 * that keep insertion order with string *and* bytes keys, and rejection of non-string map keys.
 * Extension types are delegated to hooks (see `encoding.ts`).
 * @module
 */
import { DecodeError, EncodeError } from './errors.js';
import { Float64 } from './values.js';
import type { TelstateValue } from './values.js';

/** Encodes an object the core does not know, or returns undefined if nobody can. */
export type ExtEncoder = (value: object, depth: number) => { code: number; body: Uint8Array } | undefined;
/** Decodes an extension body; `depth` is the current nesting depth. */
export type ExtDecoder = (code: number, body: Uint8Array, depth: number) => TelstateValue;

/** Options for decoding. */
export interface UnpackOptions {
  /** Decode every float as a {@link Float64} (so re-encoding is byte-identical); default false: `number`. */
  wrapFloats?: boolean;
}

/** Deepest nesting accepted in either direction (arrays, maps, tuples). */
export const MAX_DEPTH = 512;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A growable output buffer. */
export class Writer {
  #buf = Buffer.allocUnsafe(64);
  #pos = 0;

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#pos + n));
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }

  /** Append one byte. */
  u8(b: number): void {
    this.#ensure(1);
    this.#buf[this.#pos++] = b;
  }

  /** Append a type byte followed by a big-endian unsigned integer of `size` bytes. */
  head(type: number, size: 1 | 2 | 4, n: number): void {
    this.#ensure(1 + size);
    this.#buf[this.#pos++] = type;
    this.#buf.writeUIntBE(n, this.#pos, size);
    this.#pos += size;
  }

  /** Append raw bytes. */
  bytes(b: Uint8Array): void {
    this.#ensure(b.length);
    this.#buf.set(b, this.#pos);
    this.#pos += b.length;
  }

  /** Append a big-endian float64 preceded by `cb`. */
  float64(x: number): void {
    this.#ensure(9);
    this.#buf[this.#pos++] = 0xcb;
    this.#buf.writeDoubleBE(x, this.#pos);
    this.#pos += 8;
  }

  /** Append a UTF-8 string with its msgpack str header. */
  str(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    if (n < 32) this.u8(0xa0 | n);
    else if (n < 0x100) this.head(0xd9, 1, n);
    else if (n < 0x10000) this.head(0xda, 2, n);
    else this.head(0xdb, 4, n);
    this.#ensure(n);
    this.#pos += this.#buf.write(s, this.#pos, 'utf8');
  }

  /** A copy of everything written. */
  finish(): Buffer {
    return Buffer.from(this.#buf.subarray(0, this.#pos));
  }
}

function typeName(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v !== 'object' || v === null) return typeof v;
  return (Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'Object';
}

function packInt(w: Writer, n: number | bigint): void {
  if (typeof n === 'bigint') {
    if (n < INT64_MIN || n > UINT64_MAX) throw new EncodeError(`integer ${n} does not fit in 64 bits`);
    if (n < BigInt(Number.MIN_SAFE_INTEGER) || n > BigInt(Number.MAX_SAFE_INTEGER)) return packInt64(w, n);
    n = Number(n);
  }
  // The smallest form, as Python's msgpack chooses it.
  if (n >= 0) {
    if (n < 0x80) w.u8(n);
    else if (n < 0x100) w.head(0xcc, 1, n);
    else if (n < 0x10000) w.head(0xcd, 2, n);
    else if (n < 0x100000000) w.head(0xce, 4, n);
    else packInt64(w, BigInt(n));
  } else if (n >= -32) w.u8(n & 0xff);
  else if (n >= -0x80) w.head(0xd0, 1, n & 0xff);
  else if (n >= -0x8000) w.head(0xd1, 2, n & 0xffff);
  else if (n >= -0x80000000) w.head(0xd2, 4, n >>> 0);
  else packInt64(w, BigInt(n));
}

function packInt64(w: Writer, n: bigint): void {
  const b = Buffer.allocUnsafe(9);
  b[0] = n < 0n ? 0xd3 : 0xcf;
  if (n < 0n) b.writeBigInt64BE(n, 1);
  else b.writeBigUInt64BE(n, 1);
  w.bytes(b);
}

/** Append one value. @throws EncodeError for anything Python's encoder would refuse (and a little more, see docs) */
export function pack(w: Writer, v: unknown, ext: ExtEncoder, depth = 0): void {
  if (depth > MAX_DEPTH) throw new EncodeError('value nested too deeply (or cyclic)');
  switch (typeof v) {
    case 'boolean':
      return w.u8(v ? 0xc3 : 0xc2);
    case 'number':
      if (Number.isSafeInteger(v) && !Object.is(v, -0)) return packInt(w, v);
      return w.float64(v);
    case 'bigint':
      return packInt(w, v);
    case 'string':
      if (LONE_SURROGATE.test(v)) throw new EncodeError('string contains a lone surrogate and cannot be encoded as UTF-8');
      return w.str(v);
    case 'object':
      break;
    case 'undefined':
    case 'function':
    case 'symbol':
      throw new EncodeError(`do not know how to encode type ${typeName(v)}`);
  }
  if (v === null) return w.u8(0xc0);
  if (v instanceof Float64) return w.float64(v.value);
  if (v instanceof Uint8Array) {
    const n = v.length;
    if (n < 0x100) w.head(0xc4, 1, n);
    else if (n < 0x10000) w.head(0xc5, 2, n);
    else w.head(0xc6, 4, n);
    return w.bytes(v);
  }
  if (Array.isArray(v)) {
    const n = v.length;
    if (n < 16) w.u8(0x90 | n);
    else if (n < 0x10000) w.head(0xdc, 2, n);
    else w.head(0xdd, 4, n);
    for (const item of v) pack(w, item, ext, depth + 1);
    return;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (v instanceof Map || proto === Object.prototype || proto === null) {
    const entries: [unknown, unknown][] = v instanceof Map ? [...(v as Map<unknown, unknown>)] : Object.entries(v);
    const n = entries.length;
    if (n < 16) w.u8(0x80 | n);
    else if (n < 0x10000) w.head(0xde, 2, n);
    else w.head(0xdf, 4, n);
    for (const [key, value] of entries) {
      // Python can encode other keys but then refuses to decode them (strict_map_key).
      if (typeof key !== 'string' && !(key instanceof Uint8Array)) {
        throw new EncodeError(`map key of type ${typeName(key)} cannot be decoded by katsdptelstate (only str and bytes keys)`);
      }
      pack(w, key, ext, depth + 1);
      pack(w, value, ext, depth + 1);
    }
    return;
  }
  const e = ext(v, depth + 1);
  if (e === undefined) throw new EncodeError(`do not know how to encode type ${typeName(v)}`);
  const n = e.body.length;
  const fix = [1, 2, 4, 8, 16].indexOf(n);
  if (fix >= 0) w.u8(0xd4 + fix);
  else if (n < 0x100) w.head(0xc7, 1, n);
  else if (n < 0x10000) w.head(0xc8, 2, n);
  else w.head(0xc9, 4, n);
  w.u8(e.code & 0xff);
  w.bytes(e.body);
}

/** Reads msgpack values from a byte range. */
export class Reader {
  readonly #b: Buffer;
  #pos = 0;
  readonly #ext: ExtDecoder;
  readonly #wrap: boolean;

  constructor(bytes: Uint8Array, ext: ExtDecoder, opts: UnpackOptions = {}) {
    this.#b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#ext = ext;
    this.#wrap = opts.wrapFloats ?? false;
  }

  /** Bytes not yet read. */
  get remaining(): number {
    return this.#b.length - this.#pos;
  }

  /** The unread bytes. */
  rest(): Buffer {
    return this.#b.subarray(this.#pos);
  }

  #need(n: number, what: string): void {
    if (n > this.#b.length - this.#pos) throw new DecodeError(`${what}: need ${n} bytes but only ${this.#b.length - this.#pos} remain`);
  }

  #uint(size: 1 | 2 | 4): number {
    this.#need(size, 'truncated length');
    const n = this.#b.readUIntBE(this.#pos, size);
    this.#pos += size;
    return n;
  }

  #take(n: number, what: string): Buffer {
    this.#need(n, what);
    const out = this.#b.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }

  #float(x: number): number | Float64 {
    return this.#wrap ? new Float64(x) : x;
  }

  /** Read one value. @throws DecodeError */
  read(depth = 0): TelstateValue {
    if (depth > MAX_DEPTH) throw new DecodeError('value nested too deeply');
    this.#need(1, 'truncated value');
    const t = this.#b[this.#pos++] ?? 0;
    if (t < 0x80) return t;
    if (t >= 0xe0) return t - 0x100;
    if (t < 0x90) return this.#map(t & 0x0f, depth);
    if (t < 0xa0) return this.#array(t & 0x0f, depth);
    if (t < 0xc0) return this.#str(t & 0x1f);
    switch (t) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return new Uint8Array(this.#take(this.#uint(1), 'truncated bin'));
      case 0xc5: return new Uint8Array(this.#take(this.#uint(2), 'truncated bin'));
      case 0xc6: return new Uint8Array(this.#take(this.#uint(4), 'truncated bin'));
      case 0xc7: return this.#extension(this.#uint(1), depth);
      case 0xc8: return this.#extension(this.#uint(2), depth);
      case 0xc9: return this.#extension(this.#uint(4), depth);
      case 0xca: return this.#float(this.#take(4, 'truncated float').readFloatBE(0));
      case 0xcb: return this.#float(this.#take(8, 'truncated float').readDoubleBE(0));
      case 0xcc: return this.#uint(1);
      case 0xcd: return this.#uint(2);
      case 0xce: return this.#uint(4);
      case 0xcf: return narrow(this.#take(8, 'truncated int').readBigUInt64BE(0));
      case 0xd0: return this.#take(1, 'truncated int').readInt8(0);
      case 0xd1: return this.#take(2, 'truncated int').readInt16BE(0);
      case 0xd2: return this.#take(4, 'truncated int').readInt32BE(0);
      case 0xd3: return narrow(this.#take(8, 'truncated int').readBigInt64BE(0));
      case 0xd4: return this.#extension(1, depth);
      case 0xd5: return this.#extension(2, depth);
      case 0xd6: return this.#extension(4, depth);
      case 0xd7: return this.#extension(8, depth);
      case 0xd8: return this.#extension(16, depth);
      case 0xd9: return this.#str(this.#uint(1));
      case 0xda: return this.#str(this.#uint(2));
      case 0xdb: return this.#str(this.#uint(4));
      case 0xdc: return this.#array(this.#uint(2), depth);
      case 0xdd: return this.#array(this.#uint(4), depth);
      case 0xde: return this.#map(this.#uint(2), depth);
      case 0xdf: return this.#map(this.#uint(4), depth);
      default:
        throw new DecodeError(`unpack failed: unused type byte 0x${t.toString(16)}`);
    }
  }

  #str(n: number): string {
    const raw = this.#take(n, 'truncated str');
    if (n < 48) {
      let ascii = true;
      for (let k = 0; k < n; k++) if ((raw[k] ?? 0) >= 0x80) ascii = false;
      if (ascii) return raw.toString('latin1');
    }
    try {
      return utf8.decode(raw);
    } catch {
      throw new DecodeError("'utf-8' codec can't decode a str value: invalid UTF-8");
    }
  }

  #array(n: number, depth: number): TelstateValue[] {
    this.#need(n, 'array length exceeds the input');
    const out = new Array<TelstateValue>(n);
    for (let k = 0; k < n; k++) out[k] = this.read(depth + 1);
    return out;
  }

  #map(n: number, depth: number): Map<TelstateValue, TelstateValue> {
    this.#need(2 * n, 'map length exceeds the input');
    const out = new Map<TelstateValue, TelstateValue>();
    for (let k = 0; k < n; k++) {
      const key = this.read(depth + 1);
      if (typeof key !== 'string' && !(key instanceof Uint8Array)) {
        throw new DecodeError(`${key === null ? 'NoneType' : typeof key} is not allowed for map key when strict_map_key=True`);
      }
      out.set(key, this.read(depth + 1));
    }
    return out;
  }

  #extension(n: number, depth: number): TelstateValue {
    this.#need(1 + n, 'truncated ext');
    const code = this.#take(1, 'truncated ext').readInt8(0);
    const body = this.#take(n, 'truncated ext');
    return this.#ext(code, body, depth + 1);
  }
}

function narrow(x: bigint): number | bigint {
  return x >= BigInt(Number.MIN_SAFE_INTEGER) && x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x;
}
