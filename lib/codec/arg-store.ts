/**
 * Zero-copy argument storage. The scanner does not slice arguments out of a line: it records
 * their byte ranges in an {@link OffsetArena}, and a parsed `Message` keeps an {@link ArgStore}
 * (the bytes and the range table) plus one index. Arguments become Buffers only when asked for;
 * the typed accessors read the bytes in place.
 * @module
 */
import { UNESCAPE, UNESCAPE_INVALID, UNESCAPE_NOTHING } from './escape.js';

const BACKSLASH = 0x5c;

/** Entries (int32) in a fresh arena: 16 KiB, a few hundred typical lines. */
export const ARENA_ENTRIES = 4096;

/**
 * Where the scanner writes argument ranges. Per line, one int32 entry holds the number of
 * arguments, followed by two per argument, `start` and `end` (absolute positions in the scanned
 * buffer); `end` is stored as `~end` (negative) when the argument holds escapes. Lines are written
 * back to back into one table, and a message keeps the table (through an {@link ArgStore}) plus
 * the index of its count entry, so a parsed line allocates nothing for its arguments. A full table
 * is never reallocated in place (messages hold it): a new one is started and the current line's
 * entries move there.
 */
export class OffsetArena {
  /** The table being filled. */
  table: Int32Array = new Int32Array(0);
  /** Index of the current line's count entry. */
  base = 0;
  /** Index of the next free entry. */
  pos = 0;

  /** Start a line (its count entry). */
  begin(): void {
    this.base = this.pos;
    if (this.pos === this.table.length) this.#grow();
    this.table[this.pos++] = 0;
  }

  /** Record one argument `[start, end)`; `escaped` when it holds a backslash. */
  push(start: number, end: number, escaped: boolean): void {
    if (this.pos + 2 > this.table.length) this.#grow();
    this.table[this.pos] = start;
    this.table[this.pos + 1] = escaped ? ~end : end;
    this.pos += 2;
  }

  /** End the line: store its argument count. */
  finish(): void {
    this.table[this.base] = (this.pos - this.base - 1) >> 1;
  }

  /** Forget the current line's entries (it was blank or a syntax error). */
  rewind(): void {
    this.pos = this.base;
  }

  #grow(): void {
    const used = this.pos - this.base;
    const next = new Int32Array(Math.max(ARENA_ENTRIES, used * 2 + 3));
    next.set(this.table.subarray(this.base, this.pos));
    this.table = next;
    this.base = 0;
    this.pos = used;
  }
}

/**
 * The bytes some lines were scanned from and the table their argument ranges were written to
 * (see {@link OffsetArena}); parsed messages share one per chunk.
 */
export class ArgStore {
  /** The scanned bytes. */
  readonly bytes: Buffer;
  /** The argument ranges. */
  readonly table: Int32Array;

  /**
   * @param bytes the scanned bytes
   * @param table the argument ranges
   */
  constructor(bytes: Buffer, table: Int32Array) {
    this.bytes = bytes;
    this.table = table;
  }
}

/**
 * Decode the escaped argument `buf[start, end)` that `scanLine` has checked, into new
 * memory. An escape the strict grammar refuses can only be here in lenient mode, where the
 * character passes through (`\x` gives `x`).
 */
export function unescapeRange(buf: Buffer, start: number, end: number): Buffer {
  const arg = Buffer.allocUnsafe(end - start);
  let n = 0;
  // Byte loop: runs between escapes are short, and a native copy per run costs more.
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b !== BACKSLASH) {
      arg[n++] = b;
      continue;
    }
    const code = buf[++i]!;
    const dec = UNESCAPE[code]!;
    if (dec === UNESCAPE_INVALID) arg[n++] = code;
    else if (dec !== UNESCAPE_NOTHING) arg[n++] = dec;
  }
  return n === arg.length ? arg : arg.subarray(0, n);
}

/** The argument whose range starts at table entry `k`: a view, or a decoded copy when escaped. */
export function argSlice(store: ArgStore, k: number): Buffer {
  const s = store.table[k]!;
  const e = store.table[k + 1]!;
  return e >= 0 ? store.bytes.subarray(s, e) : unescapeRange(store.bytes, s, ~e);
}

/** True when the unescaped argument at table entry `k` has exactly the UTF-8 bytes of `text`. */
export function argMatches(store: ArgStore, k: number, text: string): boolean {
  const buf = store.bytes;
  const s = store.table[k]!;
  const e = store.table[k + 1]!;
  const n = text.length;
  for (let j = 0; j < n; j++) {
    const c = text.charCodeAt(j);
    // An ASCII prefix is the same in UTF-8; past it, compare encoded bytes.
    if (c >= 0x80) return buf.subarray(s, e).equals(Buffer.from(text));
    if (s + j >= e || buf[s + j] !== c) return false;
  }
  return e - s === n;
}
