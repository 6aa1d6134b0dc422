/**
 * Zero-copy argument storage. The scanner does not slice arguments out of a line: it records
 * their byte ranges (and the line's type, name and id) in an {@link OffsetArena}, and a parsed
 * `Message` keeps an {@link ArgStore} (the bytes and the parse mode) plus its line's position.
 * Arguments become Buffers only when asked for; the typed accessors read the bytes in place.
 * @module
 */
import { UNESCAPE, UNESCAPE_INVALID, UNESCAPE_NOTHING } from './escape.js';

const BACKSLASH = 0x5c;

/**
 * Entries (int32) in a fresh arena: enough for every line of a 64 KiB buffer (the largest that
 * holds more than one line), since a line's entries fit within its own bytes (see {@link OffsetArena}).
 */
export const ARENA_ENTRIES = 64 * 1024 + 1;

/**
 * Entries before a line's argument ranges: the argument count; the message type (an index in
 * the scanner's type characters) plus 4 × the index of the name in the arena's `names`; the
 * message id (0 for none).
 */
export const LINE_HEADER = 3;

/**
 * Where the scanner writes what it found in a line, so a parsed line allocates nothing for its
 * arguments, type, name or id. A line's entries start at the index equal to the line's byte
 * position in its buffer: {@link LINE_HEADER} int32 entries (count, type and name, id), then two
 * per argument, `start` and `end` (positions in the buffer; `end` is stored as `~end`, negative,
 * when the argument holds escapes). A line of n arguments has at least 2 + 2n bytes plus its line
 * end, so its 3 + 2n entries never reach the next line's, and the lines of a 64 KiB buffer fit
 * in {@link ARENA_ENTRIES}.
 *
 * An arena holds the lines of one {@link ArgStore} at a time, its `owner`: nothing is copied out
 * when the parser moves to the next buffer (the owner changes), so a store costs no memory
 * outside the JavaScript heap, and its messages' entries are read in place while it is the
 * owner. Once it is not, `lineArena` (line-entries.ts) scans a message's line again when it is read.
 */
export class OffsetArena {
  /** The table being filled. */
  table: Int32Array;
  /** Index of the current line's first header entry (its byte position). */
  base = 0;
  /** Index of the next free entry. */
  pos = 0;
  /** The store whose lines the table holds (undefined while none, e.g. during a scan). */
  owner: ArgStore | undefined = undefined;
  /** The names of the owner's lines, each line's index in its header (a name may be listed twice). */
  names: string[] = [];
  readonly #initial: number;

  /** @param entries the table's initial size */
  constructor(entries: number = ARENA_ENTRIES) {
    this.#initial = entries;
    this.table = new Int32Array(entries);
  }

  /**
   * Make the table `store`'s (a new name list); the lines of the previous owner are forgotten.
   * A table grown for one huge line is not kept.
   */
  claim(store: ArgStore | undefined): void {
    this.owner = store;
    // Emptied, not replaced: no message keeps the list (a store that is not the owner has its
    // line scanned again), and a new empty list (run once per buffer, too rarely for V8 to track
    // its element kind) started as a small-integer array on which the parser's optimised push
    // deoptimised ("not a Smi").
    this.names.length = 0;
    this.trim();
  }

  /** Drop a table grown far beyond its initial size (for one huge line). */
  trim(): void {
    if (this.table.length > 4 * this.#initial) this.table = new Int32Array(this.#initial);
  }

  /** Start the line at byte position `start` (its header entries). */
  begin(start: number): void {
    this.base = start;
    this.pos = start + LINE_HEADER;
    if (this.pos > this.table.length) this.#grow();
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

  /** Record the index of the current line's name in `names`. */
  nameLine(index: number): void {
    const t = this.table;
    t[this.base + 1] = t[this.base + 1]! | (index << 2);
  }

  /** Forget the current line's entries (it was blank or a syntax error). */
  rewind(): void {
    this.pos = this.base;
  }

  #grow(): void {
    const next = new Int32Array(Math.max(this.table.length * 2, this.pos + 2));
    next.set(this.table.subarray(0, Math.min(this.pos, this.table.length)));
    this.table = next;
  }
}

/**
 * The bytes some lines were scanned from, and how (strict or lenient); the parsed messages of one
 * buffer share one. Their entries are in the scanner's arena while the store is its owner.
 */
export class ArgStore {
  /** The scanned bytes. */
  readonly bytes: Buffer;
  /** Whether the lines were scanned in lenient mode (so a line is scanned again the same way). */
  readonly lenient: boolean;

  /**
   * @param bytes the scanned bytes
   * @param lenient the scan mode
   */
  constructor(bytes: Buffer, lenient: boolean) {
    this.bytes = bytes;
    this.lenient = lenient;
  }
}

/**
 * Decode the escaped argument `buf[start, end)` that `scanLine` has checked, into new
 * memory. An escape the strict grammar refuses can only be here in lenient mode, where the
 * character passes through (`\x` gives `x`).
 */
export function unescapeRange(buf: Buffer, start: number, end: number): Buffer {
  const arg = Buffer.allocUnsafe(end - start);
  const n = unescapeInto(buf, start, end, arg);
  return n === arg.length ? arg : arg.subarray(0, n);
}

// Scratch for argString: an escaped argument is unescaped here and decoded from here, so
// reading it as a string allocates only the string. A longer argument gets its own copy, so a
// huge line leaves no large buffer behind.
const SCRATCH_BYTES = 4096;
let scratch: Buffer | undefined;

/**
 * Unescape `buf[start, end)` (as {@link unescapeRange}) into `out` from byte 0, which must hold
 * `end - start` bytes; returns the number of bytes written.
 */
function unescapeInto(buf: Buffer, start: number, end: number, out: Buffer): number {
  let n = 0;
  // Byte loop: runs between escapes are short, and a native copy per run costs more.
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b !== BACKSLASH) {
      out[n++] = b;
      continue;
    }
    const code = buf[++i]!;
    const dec = UNESCAPE[code]!;
    if (dec === UNESCAPE_INVALID) out[n++] = code;
    else if (dec !== UNESCAPE_NOTHING) out[n++] = dec;
  }
  return n;
}

/**
 * The argument of `buf` whose range starts at entry `k` of `table`, decoded as UTF-8 (invalid
 * sequences become U+FFFD, as `Buffer.toString`). An escaped argument is decoded from the scratch
 * buffer it is unescaped into, never from a new Buffer.
 */
export function argString(buf: Buffer, table: Int32Array, k: number): string {
  const s = table[k]!;
  const e = table[k + 1]!;
  if (e >= 0) return buf.toString('utf8', s, e);
  const len = ~e - s;
  if (len > SCRATCH_BYTES) return unescapeRange(buf, s, ~e).toString();
  scratch ??= Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  return scratch.toString('utf8', 0, unescapeInto(buf, s, ~e, scratch));
}

/** The argument of `buf` whose range starts at entry `k` of `table`: a view, or a decoded copy when escaped. */
export function argSlice(buf: Buffer, table: Int32Array, k: number): Buffer {
  const s = table[k]!;
  const e = table[k + 1]!;
  return e >= 0 ? buf.subarray(s, e) : unescapeRange(buf, s, ~e);
}

/** True when the argument of `buf` at entry `k` of `table` (not escaped) has exactly the UTF-8 bytes of `text`. */
export function argMatches(buf: Buffer, table: Int32Array, k: number, text: string): boolean {
  const s = table[k]!;
  const e = table[k + 1]!;
  const n = text.length;
  for (let j = 0; j < n; j++) {
    const c = text.charCodeAt(j);
    // An ASCII prefix is the same in UTF-8; past it, compare encoded bytes.
    if (c >= 0x80) return buf.subarray(s, e).equals(Buffer.from(text));
    if (s + j >= e || buf[s + j] !== c) return false;
  }
  return e - s === n;
}
