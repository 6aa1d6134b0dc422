/**
 * The incremental KATCP line parser: feed it bytes as they arrive, in chunks split anywhere; it
 * returns the complete messages and syntax errors, in stream order, as values.
 * @module
 */
import { KatcpSyntaxError } from '../errors.js';
import { checkInput } from './input.js';
import { createParsedMessage } from './message.js';
import type { Message } from './message.js';
import { ArgStore } from './arg-store.js';
import { ScanResult, ScanStatus, scanLine } from './scan.js';

/** Default maximum line length in bytes, including the line end (16 MiB, as aiokatcp). */
export const DEFAULT_MAX_LINE_LENGTH = 16 * 1024 * 1024;

/**
 * Chunks up to this size are parsed in place: messages read their arguments from the chunk, so
 * keeping a message (or an argument) keeps at most this many bytes alive (socket reads are at
 * most 64 KiB). A larger chunk is copied out first, in runs of whole lines of at most this size
 * (a longer line on its own), so a kept message never pins a huge buffer.
 */
export const VIEW_CHUNK_LIMIT = 64 * 1024;

/**
 * An overlong line's error keeps its first `maxLineLength` bytes as `raw`, but at most this many.
 */
export const OVERLONG_RAW_KEEP = 1024;

/** Options of {@link LineParser}. */
export interface LineParserOptions {
  /** Maximum line length in bytes including the line end; default 16 MiB. */
  maxLineLength?: number;
  /**
   * Accept what devices built on the C library (katcp_devel, tcpborphserver) send: junk before
   * the type character is skipped, unknown escapes pass the character through (`\x` gives
   * `x`), raw NUL/ESC bytes are accepted in arguments, and a name is anything up to a space,
   * tab, `[` or the line end. Everything else is still an error.
   */
  lenient?: boolean;
}

const LF = 0x0a;
const CR = 0x0d;

/** What the parser is doing with the current line: reading it, or discarding an overlong one. */
const State = { Line: 'line', Discard: 'discard' } as const;
type State = (typeof State)[keyof typeof State];

/**
 * Incremental parser. `\n` or `\r` ends a line (so `\r\n` is a line followed by an empty
 * one); blank and whitespace-only lines are ignored. A line longer than `maxLineLength`
 * (counting its line end) is reported once as a `line-too-long` error as soon as it passes the
 * limit, and the rest of it is discarded, unbuffered, up to its line end.
 *
 * `feed` takes ownership of the chunk: parsed messages read their arguments from it (chunks of
 * at most {@link VIEW_CHUNK_LIMIT} bytes), so do not modify a chunk after feeding it.
 */
export class LineParser {
  /** Maximum line length in bytes, including the line end. */
  readonly maxLineLength: number;
  /** Whether lenient (C library) parsing is on. */
  readonly lenient: boolean;
  #state: State = State.Line;
  // The start of a line that has not ended yet (copies, so the caller's chunks are not pinned).
  #parts: Buffer[] = [];
  #partLength = 0;
  readonly #scan = new ScanResult();
  // The store of the messages parsed from the current buffer (the shared arena's owner), until
  // the parser moves to another buffer or returns.
  #store: ArgStore | undefined;
  // The index in the arena's names of the last line's name.
  #nameIndex = 0;
  // How many items the current feed has put in its result (which may be presized, see #feedLarge).
  #count = 0;

  /** @param opts maximum line length (default 16 MiB) and lenient mode (default off) */
  constructor(opts: LineParserOptions = {}) {
    const max = opts.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    if (!(max >= 2)) throw new RangeError(`maxLineLength must be at least 2, not ${max}`);
    this.maxLineLength = max;
    this.lenient = opts.lenient === true;
  }

  /** Bytes of an unfinished line held until its line end arrives. */
  get buffered(): number {
    return this.#partLength;
  }

  /**
   * Parse the next chunk of the stream. Returns the messages and syntax errors completed by
   * this chunk, in stream order. Never throws on any bytes.
   * @throws KatcpTypeError when `chunk` is not a Uint8Array (a string, null...)
   */
  feed(chunk: Uint8Array): (Message | KatcpSyntaxError)[] {
    checkInput(chunk, 'bytes', 'LineParser.feed()', false);
    let out: (Message | KatcpSyntaxError)[] = [];
    this.#count = 0;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const n = buf.length;
    let pos = 0;
    // Next line-end positions at or after pos: -1 none left in the chunk, -2 not searched yet.
    let cr = -2;
    let lf = -2;
    if (this.#state === State.Discard) {
      lf = buf.indexOf(LF);
      cr = buf.indexOf(CR);
      const eol = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
      if (eol < 0) return out;
      this.#state = State.Line;
      pos = eol + 1;
    }
    if (n <= VIEW_CHUNK_LIMIT) this.#scanLines(buf, pos, n, lf, cr, false, out);
    else out = this.#feedLarge(buf, pos, out);
    // The next feed claims the arena again (another parser may have used it meanwhile).
    this.#store = undefined;
    // A presized result loses the slots it did not need.
    out.length = this.#count;
    return out;
  }

  /**
   * Parse `buf[pos, end)`, where the lines end (a partial line at the end is held). `lf` and
   * `cr` are the next line-end positions already known (-1 none left, -2 not searched yet).
   * With `copyLines`, each line is copied before it is parsed.
   */
  #scanLines(buf: Buffer, pos: number, end: number, lf: number, cr: number, copyLines: boolean, out: (Message | KatcpSyntaxError)[]): void {
    const max = this.maxLineLength;
    while (pos < end) {
      // Each line end is searched for again only once it has been passed, so a chunk without
      // CR is scanned for CR once, not once per line.
      if (lf < pos && lf !== -1) lf = buf.indexOf(LF, pos);
      if (cr < pos && cr !== -1) cr = buf.indexOf(CR, pos);
      if (lf >= end) lf = -1;
      if (cr >= end) cr = -1;
      const eol = lf < 0 ? cr : cr < 0 ? lf : lf < cr ? lf : cr;
      if (eol < 0) {
        this.#keepPartial(buf, pos, end, out);
        break;
      }
      if (this.#partLength > 0) {
        this.#finishPartial(buf, pos, eol, out);
      } else if (eol - pos >= max) {
        out[this.#count++] = this.#tooLong(Buffer.from(buf.subarray(pos, pos + this.#rawKeep)));
      } else if (eol > pos) {
        if (copyLines) {
          const line = Buffer.allocUnsafe(eol - pos);
          buf.copy(line, 0, pos, eol);
          this.#parseLine(line, 0, line.length, out);
        } else {
          this.#parseLine(buf, pos, eol, out);
        }
      }
      pos = eol + 1;
    }
  }

  /**
   * A chunk larger than {@link VIEW_CHUNK_LIMIT}: copy runs of whole lines of at most that size
   * and parse each run in place; a line longer than that is copied on its own.
   */
  #feedLarge(buf: Buffer, pos: number, out: (Message | KatcpSyntaxError)[]): (Message | KatcpSyntaxError)[] {
    const n = buf.length;
    let sized = false;
    while (pos < n) {
      let cut = n;
      if (n - pos > VIEW_CHUNK_LIMIT) {
        const window = buf.subarray(pos, pos + VIEW_CHUNK_LIMIT);
        let last = window.lastIndexOf(LF);
        if (last < 0) last = window.lastIndexOf(CR);
        if (last < 0) {
          // One line longer than the window: its own copy (or its error, or the held part).
          const lf = buf.indexOf(LF, pos + VIEW_CHUNK_LIMIT);
          const cr = buf.indexOf(CR, pos + VIEW_CHUNK_LIMIT);
          const eol = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
          const lineEnd = eol < 0 ? n : eol + 1;
          this.#scanLines(buf, pos, lineEnd, lf, cr, true, out);
          pos = lineEnd;
          continue;
        }
        cut = pos + last + 1;
      }
      const run = Buffer.allocUnsafe(cut - pos);
      buf.copy(run, 0, pos, cut);
      this.#scanLines(run, 0, run.length, -2, -2, false, out);
      pos = cut;
      if (!sized && pos < n && this.#count > 0) {
        sized = true;
        out = this.#presized(out, (this.#count * (n - pos)) / run.length);
      }
    }
    return out;
  }

  /**
   * `out` copied into an array with room for about `more` items after its own: the estimate for
   * the rest of a large chunk from its first run. Growing a result of a million items step by
   * step (each growth copies it, and leaves the old copy to the old generation's GC) cost about
   * 10 % of parsing them kept.
   */
  #presized(out: (Message | KatcpSyntaxError)[], more: number): (Message | KatcpSyntaxError)[] {
    const count = this.#count;
    // A few percent over the estimate; capped (V8 makes a larger `new Array` a dictionary).
    const size = Math.min(count + Math.ceil(more * 1.03) + 16, 1 << 24);
    const sized = new Array<Message | KatcpSyntaxError>(size);
    for (let i = 0; i < count; i++) sized[i] = out[i]!;
    return sized;
  }

  /**
   * Signal the end of the stream. Returns a `no-newline` error when an unfinished (non-blank)
   * line is left, which is dropped; the parser is then ready for a new stream.
   */
  end(): KatcpSyntaxError | undefined {
    if (this.#state === State.Discard) {
      this.#state = State.Line;
      return undefined;
    }
    if (this.#partLength === 0) return undefined;
    const raw = Buffer.concat(this.#parts, this.#partLength);
    this.reset();
    for (const b of raw) {
      if (b !== 0x20 && b !== 0x09) {
        return new KatcpSyntaxError(
          'no-newline',
          `incomplete message at the end of the stream: ${raw.length} bytes without a line end`,
          raw,
          raw.length + 1,
        );
      }
    }
    return undefined;
  }

  /** Forget any unfinished line (e.g. when reusing the parser for a new connection). */
  reset(): void {
    this.#state = State.Line;
    this.#parts = [];
    this.#partLength = 0;
  }

  #parseLine(buf: Buffer, start: number, end: number, out: (Message | KatcpSyntaxError)[]): void {
    const r = this.#scan;
    let store = this.#store;
    if (store === undefined || store.bytes !== buf) {
      store = this.#store = new ArgStore(buf, this.lenient);
      r.arena.claim(store);
    }
    const status = scanLine(buf, start, end, this.lenient, r);
    if (status === ScanStatus.Message) {
      r.arena.nameLine(this.#nameOf(r.arena.names, r.name));
      out[this.#count++] = createParsedMessage(store, start);
    } else if (status === ScanStatus.Error) {
      out[this.#count++] = r.error!;
      r.error = undefined;
    }
  }

  /**
   * The index of `name` in `names` (the arena's), added when it is not among the last few (a
   * store's lines mostly share one or two names; a stream of different names only lengthens the
   * list).
   */
  #nameOf(names: string[], name: string): number {
    if (names[this.#nameIndex] === name) return this.#nameIndex;
    const n = names.length;
    for (let i = n - 1; i >= 0 && i >= n - 8; i--) {
      if (names[i] === name) return (this.#nameIndex = i);
    }
    names.push(name);
    return (this.#nameIndex = n);
  }

  #tooLong(raw: Buffer): KatcpSyntaxError {
    const max = this.maxLineLength;
    return new KatcpSyntaxError('line-too-long', `line longer than ${max} bytes: exceeded at byte ${max + 1}`, raw, max + 1);
  }

  /** How much of an overlong line its error keeps: the same however the line was chunked. */
  get #rawKeep(): number {
    return Math.min(this.maxLineLength, OVERLONG_RAW_KEEP);
  }

  /** The first {@link #rawKeep} bytes of the held parts followed by `more`. */
  #head(more: Buffer): Buffer {
    const keep = this.#rawKeep;
    const pieces: Buffer[] = [];
    let len = 0;
    for (const part of [...this.#parts, more]) {
      if (len >= keep) break;
      const piece = part.subarray(0, keep - len);
      pieces.push(piece);
      len += piece.length;
    }
    return Buffer.concat(pieces, len);
  }

  /** Hold `buf[start, end)`, the beginning of a line, unless it already makes the line too long. */
  #keepPartial(buf: Buffer, start: number, end: number, out: (Message | KatcpSyntaxError)[]): void {
    const total = this.#partLength + (end - start);
    if (total >= this.maxLineLength) {
      out[this.#count++] = this.#tooLong(this.#head(buf.subarray(start, end)));
      this.reset();
      this.#state = State.Discard;
      return;
    }
    this.#parts.push(Buffer.from(buf.subarray(start, end)));
    this.#partLength = total;
  }

  /** The held line ends at `buf[eol]`: assemble and parse it. */
  #finishPartial(buf: Buffer, start: number, eol: number, out: (Message | KatcpSyntaxError)[]): void {
    const total = this.#partLength + (eol - start);
    if (total >= this.maxLineLength) {
      out[this.#count++] = this.#tooLong(this.#head(buf.subarray(start, eol)));
    } else {
      this.#parts.push(buf.subarray(start, eol));
      const line = Buffer.concat(this.#parts, total);
      this.#parseLine(line, 0, total, out);
    }
    this.#parts = [];
    this.#partLength = 0;
  }
}
