/**
 * Reading Redis RDB structures: lengths, strings (plain, integer-encoded and LZF-compressed),
 * ziplists, listpacks, and the values telstate uses (strings, sorted sets in all four encodings,
 * hashes in all three). Every read is bounds-checked; malformed input raises {@link RdbFormatError}.
 * @module
 */
import { KeyType } from './backend.js';
import type { RawKeyData } from './backend.js';
import { RdbType } from './rdb-encode.js';

/** Malformed RDB data (wrapped into `RdbParseError` by the reader). */
export class RdbFormatError extends Error {
  override name = 'RdbFormatError';
}

/** A bounds-checked read position in a buffer. */
export class RdbCursor {
  readonly buf: Buffer;
  pos: number;

  constructor(buf: Uint8Array, pos = 0) {
    this.buf = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = pos;
  }

  /** Bytes left. */
  get remaining(): number {
    return this.buf.length - this.pos;
  }

  /** The next `n` bytes (a view). */
  take(n: number): Buffer {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.remaining) throw new RdbFormatError(`truncated data: need ${n} bytes at offset ${this.pos}, have ${this.remaining}`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** One byte. */
  u8(): number {
    return this.take(1)[0]!;
  }

  /** An RDB length; `special` is set (0..3) for the encoded-string forms. */
  length(): { value: number; special: number | undefined } {
    const b = this.u8();
    switch (b >> 6) {
      case 0:
        return { value: b & 0x3f, special: undefined };
      case 1:
        return { value: ((b & 0x3f) << 8) | this.u8(), special: undefined };
      case 2:
        if (b === 0x80) return { value: this.take(4).readUInt32BE(0), special: undefined };
        if (b === 0x81) {
          const v = this.take(8).readBigUInt64BE(0);
          if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RdbFormatError('length too large');
          return { value: Number(v), special: undefined };
        }
        throw new RdbFormatError(`invalid length byte 0x${b.toString(16)}`);
      default:
        return { value: 0, special: b & 0x3f };
    }
  }

  /** A plain length (no special forms allowed). */
  count(): number {
    const { value, special } = this.length();
    if (special !== undefined) throw new RdbFormatError('expected a length, found an encoded string');
    return value;
  }

  /** An RDB string in any of its encodings. */
  string(): Buffer {
    const { value, special } = this.length();
    if (special === undefined) return this.take(value);
    if (special === 0) return Buffer.from(String(this.take(1).readInt8(0)));
    if (special === 1) return Buffer.from(String(this.take(2).readInt16LE(0)));
    if (special === 2) return Buffer.from(String(this.take(4).readInt32LE(0)));
    if (special === 3) {
      const clen = this.count();
      const ulen = this.count();
      return lzfDecompress(this.take(clen), ulen);
    }
    throw new RdbFormatError(`unknown string encoding ${special}`);
  }
}

/** Decompress LZF data (Redis's string compression) to exactly `outLen` bytes. */
export function lzfDecompress(input: Uint8Array, outLen: number): Buffer {
  // LZF expands by at most ~88x; refuse lengths no valid input could produce.
  if (outLen > input.length * 100 + 64) throw new RdbFormatError('LZF length is implausible');
  const out = Buffer.alloc(outLen);
  let ip = 0;
  let op = 0;
  while (ip < input.length) {
    const ctrl = input[ip++]!;
    if (ctrl < 32) {
      const n = ctrl + 1;
      if (ip + n > input.length || op + n > outLen) throw new RdbFormatError('corrupt LZF literal');
      out.set(input.subarray(ip, ip + n), op);
      ip += n;
      op += n;
    } else {
      let n = ctrl >> 5;
      if (n === 7) {
        if (ip >= input.length) throw new RdbFormatError('corrupt LZF back-reference');
        n += input[ip++]!;
      }
      if (ip >= input.length) throw new RdbFormatError('corrupt LZF back-reference');
      let ref = op - ((ctrl & 0x1f) << 8) - input[ip++]! - 1;
      n += 2;
      if (ref < 0 || op + n > outLen) throw new RdbFormatError('corrupt LZF back-reference');
      // Byte by byte: the source may overlap the bytes being written.
      while (n-- > 0) out[op++] = out[ref++]!;
    }
  }
  if (op !== outLen) throw new RdbFormatError('LZF data shorter than declared');
  return out;
}

/** The entries of a ziplist (integers as their decimal text). */
export function parseZiplist(zl: Buffer): Buffer[] {
  const c = new RdbCursor(zl);
  const bytes = c.take(4).readUInt32LE(0);
  if (bytes !== zl.length) throw new RdbFormatError('ziplist size mismatch');
  c.take(6); // tail offset and entry count
  const out: Buffer[] = [];
  for (;;) {
    const first = c.u8();
    if (first === 0xff) break;
    if (first === 0xfe) c.take(4); // the previous entry length was 5 bytes
    const e = c.u8();
    const top = e >> 6;
    if (top === 0) out.push(c.take(e & 0x3f));
    else if (top === 1) out.push(c.take(((e & 0x3f) << 8) | c.u8()));
    else if (e === 0x80) out.push(c.take(c.take(4).readUInt32BE(0)));
    else if (e === 0xc0) out.push(Buffer.from(String(c.take(2).readInt16LE(0))));
    else if (e === 0xd0) out.push(Buffer.from(String(c.take(4).readInt32LE(0))));
    else if (e === 0xe0) out.push(Buffer.from(String(c.take(8).readBigInt64LE(0))));
    else if (e === 0xf0) out.push(Buffer.from(String(c.take(3).readIntLE(0, 3))));
    else if (e === 0xfe) out.push(Buffer.from(String(c.take(1).readInt8(0))));
    else if (e >= 0xf1 && e <= 0xfd) out.push(Buffer.from(String((e & 0x0f) - 1)));
    else throw new RdbFormatError(`invalid ziplist entry encoding 0x${e.toString(16)}`);
  }
  return out;
}

/** The entries of a listpack (integers as their decimal text). */
export function parseListpack(lp: Buffer): Buffer[] {
  const c = new RdbCursor(lp);
  if (c.take(4).readUInt32LE(0) !== lp.length) throw new RdbFormatError('listpack size mismatch');
  c.take(2);
  const out: Buffer[] = [];
  for (;;) {
    const start = c.pos;
    const e = c.u8();
    if (e === 0xff) break;
    if ((e & 0x80) === 0) out.push(Buffer.from(String(e & 0x7f)));
    else if ((e & 0xc0) === 0x80) out.push(c.take(e & 0x3f));
    else if ((e & 0xe0) === 0xc0) {
      const v = ((e & 0x1f) << 8) | c.u8();
      out.push(Buffer.from(String(v >= 4096 ? v - 8192 : v)));
    } else if ((e & 0xf0) === 0xe0) out.push(c.take(((e & 0x0f) << 8) | c.u8()));
    else if (e === 0xf0) out.push(c.take(c.take(4).readUInt32LE(0)));
    else if (e === 0xf1) out.push(Buffer.from(String(c.take(2).readInt16LE(0))));
    else if (e === 0xf2) out.push(Buffer.from(String(c.take(3).readIntLE(0, 3))));
    else if (e === 0xf3) out.push(Buffer.from(String(c.take(4).readInt32LE(0))));
    else if (e === 0xf4) out.push(Buffer.from(String(c.take(8).readBigInt64LE(0))));
    else throw new RdbFormatError(`invalid listpack entry encoding 0x${e.toString(16)}`);
    const len = c.pos - start;
    c.take(len < 128 ? 1 : len < 16384 ? 2 : len < 2097152 ? 3 : len < 268435456 ? 4 : 5); // back-length
  }
  return out;
}

function evens(entries: readonly Buffer[]): Buffer[] {
  if (entries.length % 2 !== 0) throw new RdbFormatError('odd number of entries in a sorted set or hash');
  return entries.filter((_, i) => i % 2 === 0);
}

function pairs(entries: readonly Buffer[]): (readonly [Buffer, Buffer])[] {
  if (entries.length % 2 !== 0) throw new RdbFormatError('odd number of entries in a hash');
  const out: (readonly [Buffer, Buffer])[] = [];
  for (let i = 0; i < entries.length; i += 2) out.push([entries[i]!, entries[i + 1]!]);
  return out;
}

/** Read a value of RDB `type` (sorted-set scores are dropped: telstate's are all 0). */
export function readValue(c: RdbCursor, type: number): RawKeyData {
  switch (type) {
    case RdbType.String:
      return { type: KeyType.Immutable, value: c.string() };
    case RdbType.Zset:
    case RdbType.Zset2: {
      const n = c.count();
      const members: Buffer[] = [];
      for (let i = 0; i < n; i++) {
        members.push(c.string());
        if (type === RdbType.Zset2) c.take(8);
        else {
          const len = c.u8();
          if (len < 253) c.take(len); // 253-255 are NaN and ±inf with no text
        }
      }
      return { type: KeyType.Mutable, members };
    }
    case RdbType.Hash: {
      const n = c.count();
      const fields: (readonly [Buffer, Buffer])[] = [];
      for (let i = 0; i < n; i++) fields.push([c.string(), c.string()]);
      return { type: KeyType.Indexed, fields };
    }
    case RdbType.ZsetZiplist:
      return { type: KeyType.Mutable, members: evens(parseZiplist(c.string())) };
    case RdbType.ZsetListpack:
      return { type: KeyType.Mutable, members: evens(parseListpack(c.string())) };
    case RdbType.HashZiplist:
      return { type: KeyType.Indexed, fields: pairs(parseZiplist(c.string())) };
    case RdbType.HashListpack:
      return { type: KeyType.Indexed, fields: pairs(parseListpack(c.string())) };
    default:
      throw new RdbFormatError(`unsupported Redis value type ${type} (telstate uses only strings, sorted sets and hashes)`);
  }
}
