/**
 * The KATCP message value: type, name, optional message id and arguments kept as raw bytes.
 *
 * A parsed message is zero-copy: it keeps the bytes of its line and the argument ranges the
 * scanner recorded, and builds `arguments` (Buffers) only when asked. The typed accessors
 * (`arg`, `argIs`, `argFloat`, `argInteger`, `argOneOf`, `argDecode`, `argCount`) read straight
 * from those bytes, so a consumer that uses them allocates nothing per argument.
 * @module
 */
import { KatcpSyntaxError, KatcpTypeError } from '../errors.js';
import { decodeArgument } from './arg-decode.js';
import { decodeFloat, decodeSimpleDecimal } from './float.js';
import { formatMessage } from './format.js';
import { checkInput } from './input.js';
import { checkMid, checkName, toBuffer } from './message-checks.js';
import { decodePlainInteger, decodeInteger } from './integer.js';
import type { IntegerValue } from './integer.js';
import { ArgStore, LINE_HEADER, argMatches, argSlice, argString } from './arg-store.js';
import { lineArena, scanAlone } from './line-entries.js';
import { TYPE_CHARS } from './scan.js';
import type { CodecContext, TypeCodec } from './type-codec.js';
import { encodeArgument } from './types.js';

/** The three message types, by their wire character. */
export const MessageType = { Request: '?', Reply: '!', Inform: '#' } as const;
/** `'?'` request, `'!'` reply or `'#'` inform. */
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

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

/**
 * Build a parsed message whose type, name, id and arguments are those of the line at byte `at`
 * of `store` (see `lineArena`). The store's bytes must not change once the message is used.
 * @internal
 */
export let createParsedMessage: (store: ArgStore, at: number) => Message;

/**
 * The type, name, id and argument Buffers of a message that was built (or whose `arguments`
 * were asked for): what a parsed message reads from its store instead.
 */
class Parts {
  readonly mtype: MessageType;
  readonly name: string;
  readonly mid: number | undefined;
  readonly args: Buffer[];

  constructor(mtype: MessageType, name: string, mid: number | undefined, args: Buffer[]) {
    this.mtype = mtype;
    this.name = name;
    this.mid = mid;
    this.args = args;
  }
}

// What createParsedMessage hands the constructor before it sets the store (never kept).
const PENDING = new Parts(MessageType.Request, 'pending', undefined, []);

/** The argument Buffers of the line at byte `at` of `store`. */
function argsOf(store: ArgStore, at: number): Buffer[] {
  const t = lineArena(store, at).table;
  const n = t[at]!;
  const args = new Array<Buffer>(n);
  for (let i = 0; i < n; i++) args[i] = argSlice(store.bytes, t, at + LINE_HEADER + 2 * i);
  return args;
}

/** Index in `t` of the start of argument `i` of the line at `at`, or -1 when there is no such argument. */
function entryOf(t: Int32Array, at: number, i: number): number {
  return i >>> 0 === i && i < t[at]! ? at + LINE_HEADER + 2 * i : -1;
}

function noArgument(typeName: string, i: number, count: number): KatcpTypeError {
  return new KatcpTypeError(typeName, `no argument ${i}: the message has ${count}`);
}

/**
 * A KATCP message. Arguments are raw bytes (`Buffer`), already unescaped; decode them with the
 * typed accessors ({@link Message.arg}, {@link Message.argFloat}...) or the type codecs. Treat a
 * message as immutable.
 *
 * A parsed message keeps a reference to the bytes the parser was given (see `LineParser`), and
 * its arguments, once built, may be views into them; copy one (`Buffer.from(arg)`) before
 * keeping it for a long time.
 */
export class Message {
  // For a parsed message, the store of its line and the line's byte position #at (where its
  // type, name index, id and argument ranges are found, see lineArena), until the arguments are
  // asked for as Buffers; then, and for a built message, its Parts. Two fields in all: a kept
  // message is 40 bytes of heap, and the young-generation GC of a million kept messages is much
  // of the time of parsing them (see docs/benchmarks.md). #at is -1 exactly while #data is
  // Parts: the accessors test its sign, which costs far less than `instanceof ArgStore`.
  #data: ArgStore | Parts;
  #at = -1;

  static {
    createParsedMessage = (store, at) => {
      trusted = true;
      const msg = new Message(MessageType.Request, PENDING.name, PENDING.args);
      trusted = false;
      msg.#data = store;
      msg.#at = at;
      return msg;
    };
  }

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
      checkName(name);
      checkMid(mid, `${mtype}${name}[${String(mid)}]`);
      if (!Array.isArray(args)) throw new KatcpTypeError('bytes', `message arguments must be an array of Buffers, not ${typeof args}`);
      args = args.map(toBuffer);
    }
    this.#data = args === PENDING.args ? PENDING : new Parts(mtype, name, mid, args);
  }

  /** `'?'` request, `'!'` reply or `'#'` inform. */
  get mtype(): MessageType {
    const at = this.#at;
    return at >= 0 ? TYPE_CHARS[lineArena(this.#data as ArgStore, at).table[at + 1]! & 3]! : (this.#data as Parts).mtype;
  }

  /** The message name, e.g. `sensor-value`. */
  get name(): string {
    const at = this.#at;
    if (at < 0) return (this.#data as Parts).name;
    const lines = lineArena(this.#data as ArgStore, at);
    return lines.names[lines.table[at + 1]! >> 2]!;
  }

  /** The message id (1..2^31-1), or undefined. */
  get mid(): number | undefined {
    const at = this.#at;
    if (at < 0) return (this.#data as Parts).mid;
    const mid = lineArena(this.#data as ArgStore, at).table[at + 2]!;
    return mid === 0 ? undefined : mid;
  }

  /** The unescaped argument bytes (built on first use for a parsed message, then the same array). */
  get arguments(): Buffer[] {
    if (this.#at < 0) return (this.#data as Parts).args;
    const args = argsOf(this.#data as ArgStore, this.#at);
    this.#data = new Parts(this.mtype, this.name, this.mid, args);
    this.#at = -1;
    return args;
  }

  /** The number of arguments. */
  get argCount(): number {
    const at = this.#at;
    return at >= 0 ? lineArena(this.#data as ArgStore, at).table[at]! : (this.#data as Parts).args.length;
  }

  /** A request `?name args...`; each argument is encoded by `encodeArgument` (strings as UTF-8, numbers, booleans, bigints, Address, bytes). */
  static request(name: string, ...args: unknown[]): Message {
    // encodeArgument always gives a Buffer: only the name needs checking.
    checkName(name);
    return createMessageUnchecked(MessageType.Request, name, args.map(encodeArgument), undefined);
  }

  /** An inform `#name args...` (arguments encoded as in {@link Message.request}). */
  static inform(name: string, ...args: unknown[]): Message {
    checkName(name);
    return createMessageUnchecked(MessageType.Inform, name, args.map(encodeArgument), undefined);
  }

  /** A reply `!name args...` (arguments encoded as in {@link Message.request}). */
  static reply(name: string, ...args: unknown[]): Message {
    checkName(name);
    return createMessageUnchecked(MessageType.Reply, name, args.map(encodeArgument), undefined);
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
    const store = new ArgStore(buf, opts?.lenient === true);
    if (!scanAlone(store, 0, end)) {
      throw new KatcpSyntaxError('empty', 'no message: the line is empty or holds only whitespace', content, 1);
    }
    return createParsedMessage(store, 0);
  }

  /** A copy of this message with another message id (undefined removes it). */
  withMid(mid: number | undefined): Message {
    checkMid(mid, `${this.mtype}${this.name}[${String(mid)}]`);
    // A parsed message's id is in the shared table: the copy gets its own Parts (views of the
    // same bytes, as `arguments` would give).
    const args = this.#at >= 0 ? argsOf(this.#data as ArgStore, this.#at) : (this.#data as Parts).args;
    return createMessageUnchecked(this.mtype, this.name, args, mid);
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
    if (this.#at < 0) {
      const a = (this.#data as Parts).args[i];
      // toString() without arguments is UTF-8 through Node's shortest path.
      return a === undefined ? '' : a.toString();
    }
    const data = this.#data as ArgStore;
    const t = lineArena(data, this.#at).table;
    const k = entryOf(t, this.#at, i);
    return k < 0 ? '' : argString(data.bytes, t, k);
  }

  /**
   * Argument `i` as bytes (unescaped), or undefined when there is no such argument. For a parsed
   * message this is a view into the received bytes (a copy when the argument held escapes).
   */
  argBytes(i: number): Buffer | undefined {
    if (this.#at < 0) return (this.#data as Parts).args[i];
    const data = this.#data as ArgStore;
    const t = lineArena(data, this.#at).table;
    const k = entryOf(t, this.#at, i);
    return k < 0 ? undefined : argSlice(data.bytes, t, k);
  }

  /**
   * True when argument `i` is exactly `text` (compared as UTF-8 bytes, without decoding the
   * argument): `reply.argIs(0, 'fail')`. An absent argument is not equal to anything.
   */
  argIs(i: number, text: string): boolean {
    if (this.#at >= 0) {
      const data = this.#data as ArgStore;
      const t = lineArena(data, this.#at).table;
      const k = entryOf(t, this.#at, i);
      // An escaped argument (negative end) is decoded below.
      if (k >= 0 && t[k + 1]! >= 0) return argMatches(data.bytes, t, k, text);
    }
    const a = this.argBytes(i);
    return a !== undefined && a.equals(Buffer.from(text));
  }

  /**
   * The index in `choices` of the string argument `i` is exactly equal to, or -1 (also when
   * there is no such argument): `msg.argOneOf(3, ['nominal', 'warn', 'error'])`. Nothing is
   * decoded or allocated for an argument without escapes.
   */
  argOneOf(i: number, choices: readonly string[]): number {
    if (this.#at >= 0) {
      const data = this.#data as ArgStore;
      const t = lineArena(data, this.#at).table;
      const k = entryOf(t, this.#at, i);
      if (k >= 0 && t[k + 1]! >= 0) {
        for (let c = 0; c < choices.length; c++) if (argMatches(data.bytes, t, k, choices[c]!)) return c;
        return -1;
      }
    }
    return this.argBytes(i) === undefined ? -1 : choices.indexOf(this.arg(i));
  }

  /**
   * Argument `i` as a float, with Python's `float()` rules (as the `float` codec).
   * @throws KatcpTypeError when the argument is absent or not a float
   */
  argFloat(i: number): number {
    if (this.#at >= 0) {
      const data = this.#data as ArgStore;
      const t = lineArena(data, this.#at).table;
      const k = entryOf(t, this.#at, i);
      // An escaped argument (negative end) is decoded below.
      if (k >= 0 && t[k + 1]! >= 0) {
        const fast = decodeSimpleDecimal(data.bytes, t[k], t[k + 1]);
        if (fast !== undefined) return fast;
      }
    }
    const a = this.argBytes(i);
    if (a === undefined) throw noArgument('float', i, this.argCount);
    return decodeFloat(a);
  }

  /**
   * Argument `i` as an integer, with Python's `int()` rules (as the `integer` codec): a `number`
   * when it is safe, a `bigint` beyond 2^53.
   * @throws KatcpTypeError when the argument is absent or not an integer
   */
  argInteger(i: number): IntegerValue {
    if (this.#at >= 0) {
      const data = this.#data as ArgStore;
      const t = lineArena(data, this.#at).table;
      const k = entryOf(t, this.#at, i);
      // An escaped argument (negative end) is decoded below.
      if (k >= 0 && t[k + 1]! >= 0) {
        const fast = decodePlainInteger(data.bytes, t[k], t[k + 1]);
        if (fast !== undefined) return fast;
      }
    }
    const a = this.argBytes(i);
    if (a === undefined) throw noArgument('integer', i, this.argCount);
    return decodeInteger(a);
  }

  /**
   * Argument `i` decoded by a type codec, in place (`decodeArgument`): `msg.argDecode(2, boolean)`.
   * @throws KatcpTypeError when the argument is absent or the codec refuses it
   */
  argDecode<T>(i: number, codec: TypeCodec<T>, ctx?: CodecContext): T {
    if (i >>> 0 !== i || i >= this.argCount) throw noArgument(codec.name, i, this.argCount);
    return decodeArgument(this, i, codec, ctx) as T;
  }

  /** True for a reply whose first argument is exactly `ok`. */
  get isReplyOk(): boolean {
    return this.mtype === MessageType.Reply && this.argIs(0, 'ok');
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

  /**
   * `{"mtype":"!","name":"fail","mid":234}` in `JSON.stringify` (type, name and id are accessors,
   * not own properties).
   */
  toJSON(): { mtype: MessageType; name: string; mid: number | undefined } {
    return { mtype: this.mtype, name: this.name, mid: this.mid };
  }

  /** `Message(!fail[234] on\_fire)` in `console.log` and `util.inspect`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Message(${this.toString()})`;
  }
}
