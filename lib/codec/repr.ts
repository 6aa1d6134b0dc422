/**
 * Python-style `repr()` of bytes, used in error messages so they read exactly like aiokatcp's
 * (`could not convert string to float: b'0x10'`).
 * @module
 */

const HEX = '0123456789abcdef';

/**
 * Formats bytes the way Python's `repr(bytes)` does: `b'abc'`, `b'caf\xc3\xa9'`, `b"it's"`.
 * Long inputs are cut at `limit` bytes (with `...` after the closing quote) so an error message
 * never carries a 16 MiB argument.
 */
export function bytesRepr(raw: Uint8Array, limit = 200): string {
  const n = Math.min(raw.length, limit);
  let hasSingle = false;
  let hasDouble = false;
  for (let i = 0; i < n; i++) {
    if (raw[i] === 0x27) hasSingle = true;
    else if (raw[i] === 0x22) hasDouble = true;
  }
  const quote = hasSingle && !hasDouble ? 0x22 : 0x27;
  let out = quote === 0x22 ? 'b"' : "b'";
  for (let i = 0; i < n; i++) {
    const b = raw[i]!;
    if (b === quote || b === 0x5c) out += '\\' + String.fromCharCode(b);
    else if (b === 0x09) out += '\\t';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b < 0x20 || b >= 0x7f) out += '\\x' + HEX[b >> 4]! + HEX[b & 15]!;
    else out += String.fromCharCode(b);
  }
  out += quote === 0x22 ? '"' : "'";
  return raw.length > limit ? out + '...' : out;
}

/** True for the bytes Python's `bytes.strip()` / `float()` / `int()` treat as whitespace. */
export function isAsciiSpace(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d);
}

/**
 * Decodes bytes as latin1 text after trimming ASCII whitespace (Python's `float()`/`int()` strip
 * it). Non-ASCII bytes survive as code points >= 0x80, which every numeric grammar then rejects.
 */
export function trimmedLatin1(raw: Uint8Array): string {
  let start = 0;
  let end = raw.length;
  while (start < end && isAsciiSpace(raw[start]!)) start++;
  while (end > start && isAsciiSpace(raw[end - 1]!)) end--;
  return Buffer.from(raw.buffer, raw.byteOffset + start, end - start).toString('latin1');
}
