/**
 * How the command line shows messages and values: readable (escapes undone), raw wire lines,
 * hex, JSON. Pure functions.
 * @module
 */
import { isUtf8 } from 'node:buffer';
import type { Message } from '../codec/message.js';
import { KatcpUsageError } from '../errors.js';

/** How arguments are shown: as text, always as hex, or as hex only when not printable. */
export type ArgMode = 'text' | 'hex' | 'auto-hex';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The argument as UTF-8 text, or undefined when it is not valid UTF-8. */
function utf8(arg: Uint8Array): string | undefined {
  try {
    return decoder.decode(arg);
  } catch {
    return undefined;
  }
}

// C0 and C1 controls and DEL: never written raw to a terminal.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/u;
// eslint-disable-next-line no-control-regex
const CONTROL_ALL = /[\u0000-\u001f\u007f-\u009f]/gu;

/** True when the argument is UTF-8 text without control characters (tab and newline excepted). */
export function isPrintable(arg: Uint8Array): boolean {
  const text = utf8(arg);
  return text !== undefined && !CONTROL.test(text);
}

/** `0x` followed by the bytes in lower-case hex. */
export function toHex(arg: Uint8Array): string {
  return `0x${Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength).toString('hex')}`;
}

/**
 * One argument for a human: unescaped text; bytes that are not printable as `\xNN` (text mode)
 * or the whole argument as hex (`hex`, or `auto-hex` when it is not printable).
 */
export function showArg(arg: Uint8Array, mode: ArgMode): string {
  if (mode === 'hex') return toHex(arg);
  if (mode === 'auto-hex') return isPrintable(arg) ? Buffer.from(arg).toString() : toHex(arg);
  const text = utf8(arg);
  if (text !== undefined) return text.replace(CONTROL_ALL, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
  let out = '';
  for (const byte of arg) out += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  return out;
}

/** `#name arg arg` / `!name ok arg` with the arguments shown by {@link showArg} (message ids left out). */
export function readableMessage(msg: Message, mode: ArgMode = 'text'): string {
  const head = `${msg.mtype}${msg.name}`;
  if (msg.arguments.length === 0) return head;
  return `${head} ${msg.arguments.map((a) => showArg(a, mode)).join(' ')}`;
}

/** A message as JSON-ready data: name, optional mid, and the arguments as text (or hex). */
export interface JsonMessage {
  name: string;
  mid?: number;
  arguments: string[];
}

/** Argument text for JSON: UTF-8 text (U+FFFD for invalid bytes) or hex per `mode`. */
export function jsonArg(arg: Uint8Array, mode: ArgMode): string {
  if (mode === 'hex' || (mode === 'auto-hex' && !isPrintable(arg))) return toHex(arg);
  return Buffer.from(arg).toString();
}

/** {@link JsonMessage} for `msg`. */
export function jsonMessage(msg: Message, mode: ArgMode = 'text'): JsonMessage {
  const out: JsonMessage = { name: msg.name, arguments: msg.arguments.map((a) => jsonArg(a, mode)) };
  if (msg.mid !== undefined) out.mid = msg.mid;
  return out;
}

/** Arguments typed on the command line: in hex modes `0x...` arguments are sent as those bytes (as kcpcmd does). */
export function requestArgument(text: string, mode: ArgMode): string | Buffer {
  if (mode !== 'text' && /^0x(?:[0-9a-fA-F]{2})*$/.test(text)) return Buffer.from(text.slice(2), 'hex');
  return text;
}

/** A sensor value for display (Buffers as text, numbers as they print, addresses by their text form). */
export function showValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Buffer.isBuffer(value)) return showArg(value, 'text');
  if (typeof value === 'string') return showArg(Buffer.from(value), 'text');
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'object' && 'toString' in value && typeof value.toString === 'function') return (value as { toString(): string }).toString();
  return JSON.stringify(value);
}

/**
 * A sensor value as JSON-ready data: bigints that do not fit a double become strings, and bytes
 * that are not UTF-8 become `{"hex": "..."}` so no byte is lost.
 */
export function jsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  // Text stays text; bytes that are not UTF-8 keep every byte, as hex (U+FFFD would lose them).
  if (Buffer.isBuffer(value)) return isUtf8(value) ? value.toString() : { hex: value.toString('hex') };
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (value !== null && typeof value === 'object') return showValue(value);
  return value;
}

/** A timestamp in seconds as ISO 8601 (UTC, milliseconds). */
export function isoTime(seconds: number): string {
  if (!Number.isFinite(seconds)) return '-';
  return new Date(seconds * 1000).toISOString();
}

/** Split a typed line into words; "double" or 'single' quotes keep spaces, \ escapes one character. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word += line[++i] as string;
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + (line[++i] as string);
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (quote !== undefined) throw new KatcpUsageError(`unterminated ${quote} quote`);
  if (word !== undefined) words.push(word);
  return words;
}
