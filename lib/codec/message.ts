/**
 * The KATCP message value: type, name, optional message id and arguments kept as raw bytes.
 * @module
 */
import { KatcpSyntaxError, KatcpTypeError } from '../errors.js';
import { formatMessage } from './format.js';
import { checkInput } from './input.js';
import { MAX_MID, ScanResult, ScanStatus, scanLine } from './scan.js';
import { encodeArgument } from './types.js';

/** The three message types, by their wire character. */
export const MessageType = { Request: '?', Reply: '!', Inform: '#' } as const;
/** `'?'` request, `'!'` reply or `'#'` inform. */
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

const NAME_RE = /^[A-Za-z][A-Za-z0-9-]*$/;

// Set only while the parser (or a factory copying an already valid message) constructs a
// message, so that those skip validation they have already done.
let trusted = false;

/**
 * Build a message without validating it. For the codec's own use (the parser has already
 * checked everything, and lenient names would not pass the strict name check).
 * @internal
 */
export function createMessageUnchecked(
  mtype: MessageType,
  name: string,
  args: Buffer[],
  mid: number | undefined,
): Message {
  trusted = true;
  // The constructor cannot throw when trusted, so the flag is always reset.
  const msg = new Message(mtype, name, args, mid);
  trusted = false;
  return msg;
}

function checkMid(mid: number | undefined, raw: string): void {
  if (mid === undefined) return;
  if (!Number.isInteger(mid) || mid < 1) {
    throw new KatcpSyntaxError('bad-mid', `message id must be an integer from 1 to ${MAX_MID}, not ${String(mid)}`, Buffer.from(raw));
  }
  if (mid > MAX_MID) {
    throw new KatcpSyntaxError('mid-overflow', `message id ${mid} exceeds ${MAX_MID}`, Buffer.from(raw));
  }
}

function toBuffer(arg: unknown, i: number): Buffer {
  if (Buffer.isBuffer(arg)) return arg;
  if (arg instanceof Uint8Array) return Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength);
  throw new KatcpTypeError('bytes', `message argument ${i} must be a Buffer or Uint8Array, not ${typeof arg} (use Message.request/inform/reply to encode values)`);
}

const parseResult = new ScanResult();

/**
 * A KATCP message. Arguments are raw bytes (`Buffer`), already unescaped; decode them with
 * {@link Message.arg} or the type codecs. Treat a message as immutable.
 *
 * Arguments of a parsed message may be views into the bytes the parser was given (see
 * `LineParser`); copy one (`Buffer.from(arg)`) before keeping it for a long time.
 */
export class Message {
  /** `'?'` request, `'!'` reply or `'#'` inform. */
  readonly mtype: MessageType;
  /** The message name, e.g. `sensor-value`. */
  readonly name: string;
  /** The message id (1..2^31-1), or undefined. */
  readonly mid: number | undefined;
  /** The unescaped argument bytes. */
  readonly arguments: Buffer[];

  /**
   * @param mtype `'?'`, `'!'` or `'#'`
   * @param name `[A-Za-z][A-Za-z0-9-]*`
   * @param args raw argument bytes (not escaped)
   * @param mid optional message id, 1..2^31-1
   * @throws KatcpSyntaxError (`bad-type`, `bad-name`, `bad-mid`, `mid-overflow`) for an invalid
   *   message, KatcpTypeError when an argument is not bytes
   */
  constructor(mtype: MessageType, name: string, args: Buffer[] = [], mid?: number) {
    if (!trusted) {
      if (mtype !== '?' && mtype !== '!' && mtype !== '#') {
        throw new KatcpSyntaxError('bad-type', `message type must be '?', '!' or '#', not ${JSON.stringify(mtype)}`, Buffer.from(String(mtype)));
      }
      if (typeof name !== 'string' || !NAME_RE.test(name)) {
        throw new KatcpSyntaxError('bad-name', `invalid message name ${JSON.stringify(name)}: must match [A-Za-z][A-Za-z0-9-]*`, Buffer.from(String(name)));
      }
      checkMid(mid, `${mtype}${name}[${String(mid)}]`);
      if (!Array.isArray(args)) throw new KatcpTypeError('bytes', `message arguments must be an array of Buffers, not ${typeof args}`);
      args = args.map(toBuffer);
    }
    this.mtype = mtype;
    this.name = name;
    this.mid = mid;
    this.arguments = args;
  }

  /** A request `?name args...`; each argument is encoded by `encodeArgument` (strings as UTF-8, numbers, booleans, bigints, Address, bytes). */
  static request(name: string, ...args: unknown[]): Message {
    return new Message(MessageType.Request, name, args.map(encodeArgument));
  }

  /** An inform `#name args...` (arguments encoded as in {@link Message.request}). */
  static inform(name: string, ...args: unknown[]): Message {
    return new Message(MessageType.Inform, name, args.map(encodeArgument));
  }

  /** A reply `!name args...` (arguments encoded as in {@link Message.request}). */
  static reply(name: string, ...args: unknown[]): Message {
    return new Message(MessageType.Reply, name, args.map(encodeArgument));
  }

  /** The reply to `request`: same name and mid. */
  static replyTo(request: Message, ...args: unknown[]): Message {
    return createMessageUnchecked(MessageType.Reply, request.name, args.map(encodeArgument), request.mid);
  }

  /** An inform belonging to the reply to `request`: same name and mid. */
  static informReply(request: Message, ...args: unknown[]): Message {
    return createMessageUnchecked(MessageType.Inform, request.name, args.map(encodeArgument), request.mid);
  }

  /**
   * Parse exactly one line, with or without its line end (`\n`, `\r` or `\r\n`). A string is
   * encoded as UTF-8 first; pass a Buffer for exact bytes. The result does not share memory with
   * `line`.
   * @param opts `lenient`: accept what devices built on the C library send (see `LineParser`)
   * @throws KatcpSyntaxError for an invalid line (`empty` for a blank one, `internal-newline`
   *   when there is more than one line); KatcpTypeError when `line` is neither bytes nor a string
   */
  static parse(line: Buffer | Uint8Array | string, opts?: { lenient?: boolean }): Message {
    checkInput(line, 'message', 'Message.parse()', true);
    const buf = typeof line === 'string' ? Buffer.from(line, 'utf8') : Buffer.from(line);
    let end = buf.length;
    if (end > 0 && buf[end - 1] === 0x0a) end--;
    if (end > 0 && buf[end - 1] === 0x0d) end--;
    const content = buf.subarray(0, end);
    const lf = content.indexOf(0x0a);
    const cr = content.indexOf(0x0d);
    const nl = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
    if (nl >= 0) {
      throw new KatcpSyntaxError('internal-newline', `more than one line: line end at byte ${nl + 1}`, content, nl + 1);
    }
    const status = scanLine(buf, 0, end, opts?.lenient === true, parseResult);
    if (status === ScanStatus.Blank) {
      throw new KatcpSyntaxError('empty', 'no message: the line is empty or holds only whitespace', content, 1);
    }
    if (status === ScanStatus.Error) {
      const err = parseResult.error!;
      parseResult.error = undefined;
      throw err;
    }
    const msg = createMessageUnchecked(parseResult.mtype, parseResult.name, parseResult.args, parseResult.mid);
    parseResult.args = [];
    return msg;
  }

  /** A copy of this message with another message id (undefined removes it). */
  withMid(mid: number | undefined): Message {
    checkMid(mid, `${this.mtype}${this.name}[${String(mid)}]`);
    return createMessageUnchecked(this.mtype, this.name, this.arguments, mid);
  }

  /** The wire form, including the final `\n`. */
  toBytes(): Buffer {
    return formatMessage(this);
  }

  /** The wire form without the final `\n`, one character per byte (latin1), for display and logs. */
  toString(): string {
    const bytes = formatMessage(this);
    return bytes.toString('latin1', 0, bytes.length - 1);
  }

  /** Argument `i` decoded as UTF-8, or `''` when there is no such argument. */
  arg(i: number): string {
    const a = this.arguments[i];
    // toString() without arguments is UTF-8 through Node's shortest path.
    return a === undefined ? '' : a.toString();
  }

  /** True for a reply whose first argument is exactly `ok`. */
  get isReplyOk(): boolean {
    if (this.mtype !== MessageType.Reply) return false;
    const a = this.arguments[0];
    return a !== undefined && a.length === 2 && a[0] === 0x6f && a[1] === 0x6b;
  }

  /** True when type, name, mid and every argument's bytes are equal. */
  equals(other: Message): boolean {
    if (!(other instanceof Message)) return false;
    if (other === this) return true;
    if (this.mtype !== other.mtype || this.name !== other.name || this.mid !== other.mid) return false;
    const a = this.arguments;
    const b = other.arguments;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!a[i]!.equals(b[i]!)) return false;
    return true;
  }

  /** `Message(!fail[234] on\_fire)` in `console.log` and `util.inspect`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Message(${this.toString()})`;
  }
}
