/**
 * Formatting messages for the wire: type character, name, `[mid]`, one space before each
 * escaped argument (`\@` for an empty one) and a final `\n`. The exact size is computed first,
 * then the message is written in one pass into one buffer.
 * @module
 */
import { escapedLength, writeEscaped } from './escape.js';

export { escapeArgument, unescapeArgument } from './escape.js';

/** The fields the formatter reads; {@link Message} has them. */
export interface MessageLike {
  readonly mtype: string;
  readonly name: string;
  readonly mid: number | undefined;
  readonly arguments: readonly Uint8Array[];
}

// Escaped argument lengths computed while sizing, reused while writing (formatting is
// synchronous, so one scratch array per module is enough).
let lens = new Int32Array(256);

function ensureLens(n: number): void {
  if (n > lens.length) lens = new Int32Array(Math.max(n, lens.length * 2));
}

/** Size of `msg` on the wire; stores escaped argument lengths at `lens[at...]`. */
function measure(msg: MessageLike, at: number): number {
  const args = msg.arguments;
  const na = args.length;
  ensureLens(at + na);
  // type char + name + '\n'
  let size = msg.name.length + 2;
  const mid = msg.mid;
  if (mid !== undefined) size += digitCount(mid) + 2;
  for (let i = 0; i < na; i++) {
    const len = escapedLength(args[i]!);
    lens[at + i] = len;
    size += len + 1;
  }
  return size;
}

function digitCount(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

/** Write `msg` at `pos` using the lengths stored by {@link measure}; returns the end position. */
function writeInto(out: Buffer, pos: number, msg: MessageLike, at: number): number {
  out[pos++] = msg.mtype.charCodeAt(0);
  const name = msg.name;
  const nl = name.length;
  if (nl <= 32) {
    for (let i = 0; i < nl; i++) out[pos + i] = name.charCodeAt(i);
    pos += nl;
  } else {
    pos += out.write(name, pos, 'latin1');
  }
  const mid = msg.mid;
  if (mid !== undefined) {
    out[pos++] = 0x5b;
    const d = digitCount(mid);
    let v = mid;
    for (let i = pos + d - 1; i >= pos; i--) {
      out[i] = 0x30 + (v % 10);
      v = Math.floor(v / 10);
    }
    pos += d;
    out[pos++] = 0x5d;
  }
  const args = msg.arguments;
  const na = args.length;
  for (let i = 0; i < na; i++) {
    out[pos++] = 0x20;
    pos = writeEscaped(out, pos, args[i]!, lens[at + i]!);
  }
  out[pos++] = 0x0a;
  return pos;
}

/**
 * The wire form of a message, including the final `\n`.
 * The message must be valid (a {@link Message} always is: its constructor checks name and mid).
 */
export function formatMessage(msg: MessageLike): Buffer {
  const size = measure(msg, 0);
  const out = Buffer.allocUnsafe(size);
  writeInto(out, 0, msg, 0);
  return out;
}

/**
 * A message to format, or bytes already in wire form (whole lines, each ending in `\n`), such as
 * a line a server formatted once and sends to many clients.
 */
export type WireItem = MessageLike | Uint8Array;

/**
 * Several messages formatted back to back into one buffer (one socket write). Items that are
 * bytes are taken as already formatted and copied as they are (a lone Buffer is returned as is).
 */
export function formatMessages(msgs: readonly WireItem[]): Buffer {
  const n = msgs.length;
  if (n === 1) {
    const only = msgs[0]!;
    if (!(only instanceof Uint8Array)) return formatMessage(only);
    return Buffer.isBuffer(only) ? only : Buffer.from(only.buffer, only.byteOffset, only.byteLength);
  }
  let size = 0;
  let at = 0;
  for (let i = 0; i < n; i++) {
    const msg = msgs[i]!;
    if (msg instanceof Uint8Array) {
      size += msg.length;
      continue;
    }
    size += measure(msg, at);
    at += msg.arguments.length;
  }
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  at = 0;
  for (let i = 0; i < n; i++) {
    const msg = msgs[i]!;
    if (msg instanceof Uint8Array) {
      out.set(msg, pos);
      pos += msg.length;
      continue;
    }
    pos = writeInto(out, pos, msg, at);
    at += msg.arguments.length;
  }
  return out;
}
