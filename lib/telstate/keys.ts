/**
 * Key names. Telstate keys are byte strings; the API also takes JavaScript strings, converted
 * the way Python does it (UTF-8 with `surrogateescape`), so a key holding bytes that are not
 * UTF-8 comes back from `keys()` as a string with lone surrogates U+DC80..U+DCFF and still
 * names the same bytes when passed back in.
 * @module
 */
import { EncodeError, pyRepr } from './errors.js';

/** A key as accepted by the API: a string (see module docs) or raw bytes. */
export type Key = string | Uint8Array;

/** Separator between the parts of hierarchical names (`SEPARATOR` in Python). */
export const SEPARATOR = '_';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const HAS_SURROGATE = /[\uD800-\uDFFF]/;

/** Join name parts with {@link SEPARATOR} (Python's `TelescopeState.join`). */
export function join(...names: string[]): string {
  return names.join(SEPARATOR);
}

/** The bytes of a key: UTF-8, with lone surrogates U+DC80..U+DCFF standing for raw bytes. */
export function keyBytes(key: Key): Buffer {
  if (typeof key !== 'string') return Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  if (!HAS_SURROGATE.test(key)) return Buffer.from(key, 'utf8');
  const parts: Buffer[] = [];
  let run = '';
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = key.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        run += key.slice(i, i + 2);
        i++;
        continue;
      }
    } else if (c >= 0xdc80 && c <= 0xdcff) {
      parts.push(Buffer.from(run, 'utf8'), Buffer.of(c - 0xdc00));
      run = '';
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      throw new EncodeError(`key ${pyRepr(key)} contains a lone surrogate that stands for no byte`);
    }
    run += key[i];
  }
  parts.push(Buffer.from(run, 'utf8'));
  return Buffer.concat(parts);
}

/** The string form of key bytes: UTF-8, with each undecodable byte as U+DC00 + byte. */
export function keyString(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return surrogateEscapeDecode(bytes);
  }
}

/** A key for messages: Python's repr of its string form, e.g. `'ns_key'`. */
export function displayKey(bytes: Uint8Array): string {
  return pyRepr(keyString(bytes));
}

/** Concatenate a prefix and a key. */
export function concatKey(prefix: Uint8Array, key: Uint8Array): Buffer {
  return Buffer.concat([prefix, key]);
}

function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** True if bytes[i..i+n) is one well-formed UTF-8 sequence (no overlongs, surrogates or > U+10FFFF). */
function validSequence(bytes: Uint8Array, i: number, n: number): boolean {
  if (i + n > bytes.length) return false;
  for (let k = 1; k < n; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return false;
  const lead = bytes[i] ?? 0;
  const second = bytes[i + 1] ?? 0;
  if (lead === 0xe0 && second < 0xa0) return false;
  if (lead === 0xed && second > 0x9f) return false;
  if (lead === 0xf0 && second < 0x90) return false;
  if (lead === 0xf4 && second > 0x8f) return false;
  return true;
}

function surrogateEscapeDecode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const n = sequenceLength(bytes[i] ?? 0);
    if (n > 0 && validSequence(bytes, i, n)) {
      out += strictUtf8.decode(bytes.subarray(i, i + n));
      i += n;
    } else {
      // Each byte of an invalid sequence is escaped on its own, as Python's handler does.
      out += String.fromCharCode(0xdc00 + (bytes[i] ?? 0));
      i++;
    }
  }
  return out;
}
