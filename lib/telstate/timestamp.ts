/**
 * Mutable samples are stored as one byte string each: the timestamp as a big-endian float64
 * (of `abs(t)`, so -0 becomes +0) followed by the encoded value. For non-negative finite times
 * big-endian bytes sort like the numbers, so lexicographic order is (time, value bytes), and
 * Redis `ZRANGEBYLEX` bounds select time ranges.
 * @module
 */

/** Pack a timestamp (seconds) into 8 sortable bytes. */
export function packTimestamp(t: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeDoubleBE(Math.abs(t), 0);
  return b;
}

/** A stored member: packed timestamp then encoded value. */
export function packMember(t: number, value: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(8 + value.length);
  b.writeDoubleBE(Math.abs(t), 0);
  b.set(value, 8);
  return b;
}

/** Split a stored member into its encoded value and timestamp. */
export function splitMember(member: Uint8Array): [value: Buffer, timestamp: number] {
  const b = Buffer.from(member.buffer, member.byteOffset, member.byteLength);
  if (b.length < 8) return [b.subarray(0, 0), NaN];
  return [b.subarray(8), b.readDoubleBE(0)];
}

/**
 * A `ZRANGEBYLEX` bound for time `t` (katsdptelstate's `pack_query_timestamp`): `+` for +inf,
 * `-` for negative times (and 0 unless the end is inclusive), otherwise `[` (start) or `(` (end)
 * and the packed time, bumped to the next double when the end is inclusive. Because every member
 * has at least 9 bytes, `[p` sorts before all samples at time t and `(p` after all before t.
 */
export function packQueryTimestamp(t: number, isEnd: boolean, includeEnd = false): Buffer {
  if (t === Infinity) return Buffer.from('+');
  if (t < 0 || (t === 0 && !includeEnd)) return Buffer.from('-');
  const packed = packTimestamp(t);
  if (includeEnd) packed.writeBigUInt64BE(packed.readBigUInt64BE(0) + 1n, 0);
  return Buffer.concat([Buffer.from(isEnd ? '(' : '['), packed]);
}
