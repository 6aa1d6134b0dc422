/**
 * Zero-copy argument storage. The scanner does not slice arguments out of a line: it records
 * their byte ranges (and the line's type, name and id) in an {@link OffsetArena}, and a parsed
 * `Message` keeps an {@link ArgStore} (the bytes, the range table, the names) plus one index.
 * Arguments become Buffers only when asked for; the typed accessors read the bytes in place.
 * @module
 */
import { UNESCAPE, UNESCAPE_INVALID, UNESCAPE_NOTHING } from './escape.js';

const BACKSLASH = 0x5c;

/** Entries (int32) in the scratch arena: 64 KiB, about a 64 KiB chunk of typical lines. */
export const ARENA_ENTRIES = 16384;

/**
 * Entries before a line's argument ranges: the argument count; the message type (an index in
 * the scanner's type characters) plus 4 × the index of the name in the store's `names`; the
 * message id (0 for none).
 */
export const LINE_HEADER = 3;

/**
 * Where the scanner writes what it found in each line, so a parsed line allocates nothing for its
 * arguments, type, name or id. Per line, {@link LINE_HEADER} int32 entries (count, type, id)
 * are followed by two per argument, `start` and `end` (absolute positions in the scanned buffer);
 * `end` is stored as `~end` (negative) when the argument holds escapes. Lines are written back to
 * back into one scratch table, reused from buffer to buffer: {@link OffsetArena.take} hands out an
 * exact copy of the lines written since the last take, which the messages of those lines then
 * share (through an {@link ArgStore}), so a kept message pins only its own buffer's ranges.
 */
export class OffsetArena {
  /** The scratch table being filled. */
  table: Int32Array = new Int32Array(ARENA_ENTRIES);
  /** Index of the current line's first header entry. */
  base = 0;
  /** Index of the next free entry. */
  pos = 0;

  /** Start a line (its header entries). */
  begin(): void {
    this.base = this.pos;
    if (this.pos + LINE_HEADER > this.table.length) this.#grow();
    this.pos += LINE_HEADER;
  }

  /** Record one argument `[start, end)`; `escaped` when it holds a backslash. */
  push(start: number, end: number, escaped: boolean): void {
    if (this.pos + 2 > this.table.length) this.#grow();
    this.table[this.pos] = start;
    this.table[this.pos + 1] = escaped ? ~end : end;
    this.pos += 2;
  }

  /**
   * End the line: store its argument count, type index and message id (0 for none). The name
   * index is added by {@link OffsetArena.nameLine}.
   */
  finish(type: number, mid: number): void {
    const t = this.table;
    const base = this.base;
    t[base] = (this.pos - base - LINE_HEADER) >> 1;
    t[base + 1] = type;
    t[base + 2] = mid;
  }

  /** Record the index of the current line's name in its store's `names`. */
  nameLine(index: number): void {
    const t = this.table;
    t[this.base + 1] = t[this.base + 1]! | (index << 2);
  }

  /** Forget the current line's entries (it was blank or a syntax error). */
  rewind(): void {
    this.pos = this.base;
  }

  /**
   * An exact copy of every line written since the last take (their indices are unchanged), and
   * an empty arena. A scratch table grown for one huge line is not kept.
   */
  take(): Int32Array {
    const lines = this.table.slice(0, this.pos);
    this.base = 0;
    this.pos = 0;
    if (this.table.length > 4 * ARENA_ENTRIES) this.table = new Int32Array(ARENA_ENTRIES);
    return lines;
  }

  #grow(): void {
    const next = new Int32Array(this.table.length * 2 + LINE_HEADER);
    next.set(this.table.subarray(0, this.pos));
    this.table = next;
  }
}

const NO_LINES = new Int32Array(0);

/**
 * The bytes some lines were scanned from and the table their ranges were written to (see
 * {@link OffsetArena}); the parsed messages of one buffer share one.
 */
export class ArgStore {
  /** The scanned bytes. */
  readonly bytes: Buffer;
  /** The names of the lines, each line's index in its header (a name may be listed twice). */
  readonly names: string[] = [];
  /**
   * The lines' entries. Set once, by the parser when it has scanned all of `bytes` (before any
   * message of the store is handed out), and never changed after.
   */
  table: Int32Array;

  /**
   * @param bytes the scanned bytes
   * @param table the lines' entries, when already known
   */
  constructor(bytes: Buffer, table: Int32Array = NO_LINES) {
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
