/**
 * The single-line KATCP parser shared by `Message.parse` and `LineParser`: it splits one line
 * (without its line end) into type, name, mid and unescaped arguments, or reports the first
 * syntax error with its 1-based byte column. It does not build a `Message` (that would make the
 * codec modules import each other); it fills a reusable {@link ScanResult} instead.
 *
 * Speed: one pass over the bytes with lookup tables. No argument is copied or even sliced: the
 * scanner records each argument's byte range in an {@link OffsetArena} (a shared `Int32Array`),
 * and a `Message` decodes from those ranges only when asked. Escapes are validated here and
 * decoded later (`unescapeRange` in arg-store.ts).
 * @module
 */
import { KatcpSyntaxError } from '../errors.js';
import type { SyntaxErrorKind } from '../errors.js';
import { OffsetArena } from './arg-store.js';
import { UNESCAPE, UNESCAPE_INVALID, describeByte } from './escape.js';

/** The three type characters, as the codec's message type union. */
export type TypeChar = '?' | '!' | '#';

/** Outcome of {@link scanLine}. */
export const ScanStatus = { Message: 0, Blank: 1, Error: 2 } as const;
/** Outcome of {@link scanLine}. */
export type ScanStatus = (typeof ScanStatus)[keyof typeof ScanStatus];

/**
 * The message types by the index the scanner stores for a line (see `LINE_HEADER` in
 * arg-store.ts).
 */
export const TYPE_CHARS: readonly TypeChar[] = ['?', '!', '#'];

/**
 * The one arena every `LineParser` scans into: parsing is synchronous, so a server with many
 * connections holds one table, not one per connection. It holds the lines of the buffer scanned
 * last (its owner), which is where the messages just returned by `feed` are read.
 */
export const sharedArena = new OffsetArena();

/**
 * Reusable output of {@link scanLine}; only the fields matching the status are meaningful. The
 * type, id and arguments of a message line are in `arena.table[arena.base, arena.pos)`.
 */
export class ScanResult {
  name = '';
  error: KatcpSyntaxError | undefined = undefined;
  /** Where the lines are recorded (claimed by the caller for the lines' store). */
  readonly arena: OffsetArena;

  /** @param arena where the lines are recorded; by default the shared one */
  constructor(arena: OffsetArena = sharedArena) {
    this.arena = arena;
  }
}

/** Largest message id allowed by the protocol. */
export const MAX_MID = 0x7fffffff;

const SPACE = 0x20;
const TAB = 0x09;
const BACKSLASH = 0x5c;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

// Argument byte classes: 0 plain, 1 separator, 2 backslash, 3 forbidden raw byte.
const PLAIN = 0;
const SEP = 1;
const ESCAPE = 2;
const FORBIDDEN = 3;

function argClasses(lenient: boolean): Uint8Array {
  const t = new Uint8Array(256);
  t[SPACE] = SEP;
  t[TAB] = SEP;
  t[BACKSLASH] = ESCAPE;
  // CR/LF cannot reach the scanner inside a line; marking them keeps it safe if they do.
  t[0x0a] = FORBIDDEN;
  t[0x0d] = FORBIDDEN;
  if (!lenient) {
    t[0x00] = FORBIDDEN;
    t[0x1b] = FORBIDDEN;
  }
  return t;
}
const ARG_STRICT = argClasses(false);
const ARG_LENIENT = argClasses(true);

// Name bytes: 1 letter, 2 digit or '-'.
const NAME = (() => {
  const t = new Uint8Array(256);
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (let c = 0x30; c <= 0x39; c++) t[c] = 2;
  t[0x2d] = 2;
  return t;
})();

// Type characters to their index in TYPE_CHARS; -1 for any other byte.
const TYPE_OF = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let i = 0; i < TYPE_CHARS.length; i++) t[TYPE_CHARS[i]!.charCodeAt(0)] = i;
  return t;
})();

// Names repeat (sensor-status, log...), so decoded names are cached by a hash of their bytes.
// Each slot keeps the string and a copy of its bytes: comparing typed-array bytes is about twice
// as fast as comparing against the string's char codes (a profile showed the compare at 19 % of
// the scan).
const NAME_CACHE_SLOTS = 1024;
const NAME_CACHE_MAX = 64;
const names: string[] = new Array<string>(NAME_CACHE_SLOTS).fill('');
const nameBytes = new Uint8Array(NAME_CACHE_SLOTS * NAME_CACHE_MAX);

// The last name found in strict mode, and its bytes: a stream mostly repeats one name (a run of
// #sensor-status), which is then recognised in one compare loop, without hashing or the table
// checks (a profile showed the name's two loops at 29 % of the scan).
let lastName = '';
const lastNameBytes = new Uint8Array(NAME_CACHE_MAX);

/** The length of {@link lastName} when the line's name at `p` is the same, else 0. */
function sameNameAs(buf: Buffer, p: number, end: number): number {
  const len = lastName.length;
  if (len === 0 || p + len > end) return 0;
  for (let i = 0; i < len; i++) if (buf[p + i] !== lastNameBytes[i]) return 0;
  if (p + len === end) return len;
  const c = buf[p + len];
  return c === SPACE || c === TAB || c === LBRACKET ? len : 0;
}

function internName(buf: Buffer, s: number, e: number, hash: number): string {
  const len = e - s;
  const slot = hash & (NAME_CACHE_SLOTS - 1);
  const cached = names[slot]!;
  const at = slot * NAME_CACHE_MAX;
  if (cached.length === len) {
    let i = 0;
    while (i < len && nameBytes[at + i] === buf[s + i]) i++;
    if (i === len) return cached;
  }
  const name = buf.toString('latin1', s, e);
  if (len <= NAME_CACHE_MAX) {
    names[slot] = name;
    for (let i = 0; i < len; i++) nameBytes[at + i] = buf[s + i]!;
  }
  return name;
}

function fail(
  out: ScanResult,
  kind: SyntaxErrorKind,
  what: string,
  buf: Buffer,
  start: number,
  end: number,
  at: number,
): ScanStatus {
  const position = at - start + 1;
  out.arena.rewind();
  out.error = new KatcpSyntaxError(kind, `${what} at byte ${position}`, buf.subarray(start, end), position);
  return ScanStatus.Error;
}

function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c !== SPACE && c !== TAB) return false;
  }
  return true;
}

/**
 * Parse the line `buf[start, end)` (line end excluded). Returns `ScanStatus.Message` with the
 * parts in `out`, `ScanStatus.Blank` for an empty or whitespace-only line, or
 * `ScanStatus.Error` with `out.error` set. Never throws.
 *
 * The line's entries are written to `out.arena` from index `start` (see {@link OffsetArena}).
 */
export function scanLine(buf: Buffer, start: number, end: number, lenient: boolean, out: ScanResult): ScanStatus {
  out.arena.begin(start);
  let p = start;
  let mtype = p < end ? TYPE_OF[buf[p]!]! : -1;
  if (mtype < 0) {
    if (isBlank(buf, start, end)) {
      out.arena.rewind();
      return ScanStatus.Blank;
    }
    if (!lenient) {
      return fail(out, 'bad-type', `expected '?', '!' or '#' but found ${describeByte(buf[p]!)}`, buf, start, end, p);
    }
    // The C library skips anything before the type character.
    while (p < end && (mtype = TYPE_OF[buf[p]!]!) < 0) p++;
    if (mtype < 0) {
      return fail(out, 'bad-type', "no '?', '!' or '#' in the line", buf, start, end, start);
    }
  }
  p++;

  const nameStart = p;
  let hash = 0;
  let c = 0;
  const same = sameNameAs(buf, p, end);
  if (same > 0) {
    // A name found valid before (in strict mode, so valid in both) ends here too.
    p += same;
    out.name = lastName;
  } else if (lenient) {
    while (p < end && (c = buf[p]!) !== SPACE && c !== TAB && c !== LBRACKET) {
      hash = (Math.imul(hash, 31) + c) | 0;
      p++;
    }
  } else {
    if (p < end && NAME[buf[p]!] !== 1) {
      return fail(out, 'bad-name', `message name must start with a letter, not ${describeByte(buf[p]!)}`, buf, start, end, p);
    }
    while (p < end && NAME[(c = buf[p]!)] !== 0) {
      hash = (Math.imul(hash, 31) + c) | 0;
      p++;
    }
    if (p < end && c !== SPACE && c !== TAB && c !== LBRACKET) {
      return fail(out, 'bad-name', `invalid character ${describeByte(c)} in message name`, buf, start, end, p);
    }
  }
  if (same === 0) {
    if (p === nameStart) return fail(out, 'bad-name', 'missing message name', buf, start, end, p);
    const name = (out.name = internName(buf, nameStart, p, hash));
    if (!lenient && name.length <= NAME_CACHE_MAX) {
      lastName = name;
      for (let i = 0; i < name.length; i++) lastNameBytes[i] = buf[nameStart + i]!;
    }
  }

  // 0 for no message id (ids start at 1).
  let mid = 0;
  if (p < end && buf[p] === LBRACKET) {
    p++;
    const digits = p;
    while (p < end && (c = buf[p]!) >= 0x30 && c <= 0x39) {
      if (p === digits && c === 0x30) return fail(out, 'bad-mid', 'message id starts with 0', buf, start, end, p);
      mid = mid * 10 + (c - 0x30);
      if (mid > MAX_MID) return fail(out, 'mid-overflow', `message id exceeds ${MAX_MID}`, buf, start, end, p);
      p++;
    }
    if (p === end) return fail(out, 'bad-mid', "unterminated message id (no ']')", buf, start, end, p);
    if (p === digits) return fail(out, 'bad-mid', `expected a digit 1-9 in message id, found ${describeByte(c)}`, buf, start, end, p);
    if (c !== RBRACKET) return fail(out, 'bad-mid', `expected ']' after message id, found ${describeByte(c)}`, buf, start, end, p);
    p++;
    if (p < end && (c = buf[p]!) !== SPACE && c !== TAB) {
      return fail(out, 'bad-mid', `expected a space after ']', found ${describeByte(c)}`, buf, start, end, p);
    }
  }

  const cls = lenient ? ARG_LENIENT : ARG_STRICT;
  const arena = out.arena;
  for (;;) {
    while (p < end && ((c = buf[p]!) === SPACE || c === TAB)) p++;
    if (p >= end) break;
    const s = p;
    let k = 0;
    // Every byte above space except the backslash is plain: one compare instead of a table
    // load for nearly every byte (the table decides the control bytes).
    while (p < end && ((c = buf[p]!) > SPACE ? c !== BACKSLASH : (k = cls[c]!) === PLAIN)) p++;
    if (p < end && c > SPACE) k = ESCAPE;
    if (p === end || k === SEP) {
      arena.push(s, p, false);
      // Past the separator just read (at the end, past `end`: the loop stops).
      p++;
      continue;
    }
    if (k === FORBIDDEN) {
      return fail(out, 'unescaped-special', `unescaped ${describeByte(buf[p]!)} in argument`, buf, start, end, p);
    }
    p = checkEscaped(buf, p, end, start, cls, lenient, out);
    if (p < 0) return ScanStatus.Error;
    arena.push(s, p, true);
  }
  arena.finish(mtype, mid);
  return ScanStatus.Message;
}

/**
 * Check the rest of an argument whose first escape is at `p`; return the position after the
 * argument, or -1 with `out.error` set.
 */
function checkEscaped(
  buf: Buffer,
  p: number,
  end: number,
  lineStart: number,
  cls: Uint8Array,
  lenient: boolean,
  out: ScanResult,
): number {
  let q = p;
  let k = 0;
  while (q < end && (k = cls[buf[q]!]!) !== SEP) {
    if (k === ESCAPE) {
      if (q + 1 === end) {
        fail(out, 'trailing-backslash', 'backslash at the end of the line', buf, lineStart, end, q);
        return -1;
      }
      const code = buf[q + 1]!;
      if (!lenient && UNESCAPE[code] === UNESCAPE_INVALID) {
        fail(out, 'invalid-escape', `invalid escape '\\${code === SPACE ? ' ' : describeByte(code)}'`, buf, lineStart, end, q);
        return -1;
      }
      q += 2;
    } else if (k === FORBIDDEN) {
      fail(out, 'unescaped-special', `unescaped ${describeByte(buf[q]!)} in argument`, buf, lineStart, end, q);
      return -1;
    } else {
      q++;
    }
  }
  return q;
}
