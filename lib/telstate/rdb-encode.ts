/**
 * Writing Redis RDB structures as katsdptelstate's `rdb_utility` does: RDB length encoding,
 * ziplists, and `DUMP` payloads (RDB version 6, checksum disabled) for strings, sorted sets
 * (all scores 0) and hashes. Small sets and hashes use ziplists, larger ones the plain forms.
 * @module
 */
import { KeyType } from './backend.js';
import type { RawKeyData } from './backend.js';
import { EncodeError } from './errors.js';

/** RDB value type bytes this package reads or writes. */
export const RdbType = {
  String: 0,
  Zset: 3,
  Hash: 4,
  Zset2: 5,
  ZsetZiplist: 12,
  HashZiplist: 13,
  HashListpack: 16,
  ZsetListpack: 17,
} as const;

/** RDB opcodes. */
export const RdbOpcode = {
  ModuleAux: 0xf7,
  Idle: 0xf8,
  Freq: 0xf9,
  Aux: 0xfa,
  ResizeDb: 0xfb,
  ExpireTimeMs: 0xfc,
  ExpireTime: 0xfd,
  SelectDb: 0xfe,
  Eof: 0xff,
} as const;

/** Version 6 and a zero (disabled) checksum: the footer of the DUMP payloads written here. */
export const DUMP_FOOTER = Buffer.from([6, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

/** RDB length encoding: 1 byte below 64, 2 bytes below 16384, else 0x80 + u32 big-endian. */
export function encodeLength(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0 || n > 0xffffffff) throw new EncodeError(`cannot encode RDB length ${n}`);
  if (n < 64) return Buffer.of(n);
  if (n < 16384) return Buffer.of(0x40 | (n >> 8), n & 0xff);
  const b = Buffer.alloc(5);
  b[0] = 0x80;
  b.writeUInt32BE(n, 1);
  return b;
}

/** A length-prefixed RDB string. */
export function encodeRdbString(data: Uint8Array): Buffer {
  return Buffer.concat([encodeLength(data.length), data]);
}

function prevLength(n: number): Buffer {
  if (n < 254) return Buffer.of(n);
  const b = Buffer.alloc(5);
  b[0] = 0xfe;
  b.writeUInt32LE(n, 1);
  return b;
}

/** A ziplist of byte strings and small integers (0..12 use the 4-bit immediate form). */
export function encodeZiplist(entries: Iterable<Uint8Array | number>): Buffer {
  const parts: Buffer[] = [Buffer.alloc(10)];
  let size = 10;
  let last = 10;
  let count = 0;
  const append = (b: Buffer): void => {
    parts.push(b);
    size += b.length;
  };
  for (const entry of entries) {
    const previous = size - last;
    last = size;
    count++;
    append(prevLength(previous));
    if (typeof entry === 'number' && entry >= 0 && entry <= 12) {
      append(Buffer.of(0xf1 + entry));
      continue;
    }
    const bytes = typeof entry === 'number' ? Buffer.from(String(entry)) : Buffer.from(entry.buffer, entry.byteOffset, entry.byteLength);
    append(encodeLength(bytes.length));
    append(bytes);
  }
  append(Buffer.of(0xff));
  const header = parts[0]!;
  header.writeUInt32LE(size, 0);
  header.writeUInt32LE(last, 4);
  header.writeUInt16LE(Math.min(count, 0xffff), 8);
  return Buffer.concat(parts);
}

const TWO_GIB = 2 ** 31;

/** The Redis `DUMP` payload of a key (as katsdptelstate's MemoryBackend produces it). */
export function dumpPayload(data: RawKeyData): Buffer {
  switch (data.type) {
    case KeyType.Immutable:
      return Buffer.concat([Buffer.of(RdbType.String), encodeRdbString(data.value), DUMP_FOOTER]);
    case KeyType.Mutable: {
      const total = data.members.reduce((a, m) => a + m.length, 0);
      if (2 * data.members.length > 127 || total >= TWO_GIB) {
        // Redis counts the members here, not members + scores; every score is the string "0".
        const parts: Buffer[] = [Buffer.of(RdbType.Zset), encodeLength(data.members.length)];
        for (const m of data.members) parts.push(encodeRdbString(m), Buffer.of(1, 0x30));
        parts.push(DUMP_FOOTER);
        return Buffer.concat(parts);
      }
      const zl = encodeZiplist(data.members.flatMap((m) => [m, 0]));
      return Buffer.concat([Buffer.of(RdbType.ZsetZiplist), encodeRdbString(zl), DUMP_FOOTER]);
    }
    case KeyType.Indexed: {
      const total = data.fields.reduce((a, [f, v]) => a + f.length + v.length, 0);
      if (2 * data.fields.length > 512 || total >= TWO_GIB) {
        const parts: Buffer[] = [Buffer.of(RdbType.Hash), encodeLength(data.fields.length)];
        for (const [f, v] of data.fields) parts.push(encodeRdbString(f), encodeRdbString(v));
        parts.push(DUMP_FOOTER);
        return Buffer.concat(parts);
      }
      const zl = encodeZiplist(data.fields.flatMap(([f, v]) => [f, v]));
      return Buffer.concat([Buffer.of(RdbType.HashZiplist), encodeRdbString(zl), DUMP_FOOTER]);
    }
  }
}
