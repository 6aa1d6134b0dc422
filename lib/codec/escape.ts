/**
 * KATCP argument escaping: the eight escapes of the v5.1 grammar and the byte lookup tables
 * the parser and the formatter share.
 *
 * | escape | byte |  | escape | byte |
 * |---|---|---|---|---|
 * | `\\` | backslash | | `\n` | LF |
 * | `\_` | space | | `\r` | CR |
 * | `\0` | NUL | | `\e` | ESC (0x1b) |
 * | `\t` | TAB | | `\@` | nothing (empty argument) |
 * @module
 */
import { KatcpSyntaxError } from '../errors.js';

const BACKSLASH = 0x5c;
const AT = 0x40;

/**
 * For each byte, the letter written after a backslash when formatting, or 0 when the byte is
 * written as is. Exactly the seven bytes the grammar forbids raw are escaped.
 */
export const ESCAPE_LETTER: Uint8Array = (() => {
  const t = new Uint8Array(256);
  t[BACKSLASH] = BACKSLASH;
  t[0x20] = 0x5f; // space -> \_
  t[0x00] = 0x30; // NUL -> \0
  t[0x0a] = 0x6e; // LF -> \n
  t[0x0d] = 0x72; // CR -> \r
  t[0x1b] = 0x65; // ESC -> \e
  t[0x09] = 0x74; // TAB -> \t
  return t;
})();

/** Marker in {@link UNESCAPE} for `\@`, which decodes to nothing. */
export const UNESCAPE_NOTHING = 256;
/** Marker in {@link UNESCAPE} for a byte that is not a valid escape code. */
export const UNESCAPE_INVALID = -1;

/**
 * For each byte following a backslash: the decoded byte, {@link UNESCAPE_NOTHING} for `@`, or
 * {@link UNESCAPE_INVALID}.
 */
export const UNESCAPE: Int16Array = (() => {
  const t = new Int16Array(256).fill(UNESCAPE_INVALID);
  for (let b = 0; b < 256; b++) {
    const letter = ESCAPE_LETTER[b] ?? 0;
    if (letter !== 0) t[letter] = b;
  }
  t[AT] = UNESCAPE_NOTHING;
  return t;
})();

/** Display a byte for an error message: printable ASCII as is, anything else as `\xNN`. */
export function describeByte(b: number): string {
  if (b > 0x20 && b < 0x7f) return String.fromCharCode(b);
  if (b === 0x20) return 'space';
  return `\\x${b.toString(16).padStart(2, '0')}`;
}

/** Number of bytes `arg` takes on the wire once escaped (an empty argument is `\@`, 2 bytes). */
export function escapedLength(arg: Uint8Array): number {
  const n = arg.length;
  if (n === 0) return 2;
  let extra = 0;
  for (let i = 0; i < n; i++) if (ESCAPE_LETTER[arg[i]!] !== 0) extra++;
  return n + extra;
}

/**
 * Write `arg` escaped into `out` at `pos` (which must have room for {@link escapedLength}
 * bytes) and return the position after it. An argument without special bytes is copied in one
 * go (long) or by a byte loop (short: cheaper than a native call); so is one with escapes, whose
 * runs between escapes are typically short.
 */
export function writeEscaped(out: Buffer, pos: number, arg: Uint8Array, escLen: number): number {
  const n = arg.length;
  if (n === 0) {
    out[pos] = BACKSLASH;
    out[pos + 1] = AT;
    return pos + 2;
  }
  if (escLen === n) {
    if (n > 24) {
      out.set(arg, pos);
      return pos + n;
    }
    for (let i = 0; i < n; i++) out[pos + i] = arg[i]!;
    return pos + n;
  }
  for (let i = 0; i < n; i++) {
    const b = arg[i]!;
    const letter = ESCAPE_LETTER[b]!;
    if (letter === 0) {
      out[pos++] = b;
    } else {
      out[pos++] = BACKSLASH;
      out[pos++] = letter;
    }
  }
  return pos;
}

/** Escape one argument for the wire: `escapeArgument(Buffer.from('a b'))` is `a\_b`; empty gives `\@`. */
export function escapeArgument(arg: Uint8Array): Buffer {
  const len = escapedLength(arg);
  const out = Buffer.allocUnsafe(len);
  writeEscaped(out, 0, arg, len);
  return out;
}

/** Options of {@link unescapeArgument}. */
export interface UnescapeOptions {
  /** Pass unknown escapes through (`\x` gives `x`) and accept raw NUL/ESC, as the C library does. */
  lenient?: boolean;
}

/**
 * Decode one escaped argument (the bytes between separators). `\@` may appear anywhere and
 * contributes nothing.
 * @throws KatcpSyntaxError `invalid-escape`, `trailing-backslash`, or `unescaped-special` for a raw
 *   space, tab, CR, LF, NUL or ESC (NUL/ESC are accepted when lenient).
 */
export function unescapeArgument(arg: Uint8Array, opts?: UnescapeOptions): Buffer {
  const lenient = opts?.lenient === true;
  const n = arg.length;
  const out = Buffer.allocUnsafe(n);
  let len = 0;
  for (let i = 0; i < n; i++) {
    const b = arg[i]!;
    if (b === BACKSLASH) {
      if (i + 1 === n) {
        throw new KatcpSyntaxError('trailing-backslash', `argument ends with a backslash at byte ${i + 1}`, arg, i + 1);
      }
      const code = arg[++i]!;
      const dec = UNESCAPE[code]!;
      if (dec === UNESCAPE_NOTHING) continue;
      if (dec === UNESCAPE_INVALID) {
        if (!lenient) {
          throw new KatcpSyntaxError('invalid-escape', `invalid escape '\\${code === 0x20 ? ' ' : describeByte(code)}' at byte ${i}`, arg, i);
        }
        out[len++] = code;
      } else {
        out[len++] = dec;
      }
    } else {
      const letter = ESCAPE_LETTER[b]!;
      if (letter !== 0 && !(lenient && (b === 0 || b === 0x1b))) {
        throw new KatcpSyntaxError('unescaped-special', `unescaped ${describeByte(b)} at byte ${i + 1}`, arg, i + 1);
      }
      out[len++] = b;
    }
  }
  return len === n ? out : out.subarray(0, len);
}
