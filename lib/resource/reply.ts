/**
 * The reply object of `resource.req.<name>(...)`: katcp-python's `KATCPReply`.
 * @module
 */
import { Message } from '../codec/message.js';
import { decodeValue } from '../codec/types.js';
import type { IntegerValue, TypeCodec } from '../codec/types.js';
import { FailReply, InvalidReply, KatcpRangeError, KatcpTypeError } from '../errors.js';

/**
 * A request's reply and its informs. `succeeded` is true only for a reply whose first argument
 * is `ok`. Failures that are not a reply from the device (timeout, not connected, connection
 * lost) are represented like katcp-python does, by a synthesized `!name fail <reason>` reply,
 * with the underlying error in {@link KatcpReply.error}.
 *
 * Typed accessors read the reply's values *after* the status word: for `!add[7] ok 9`,
 * `status` is `ok` and `int(0)` is `9`.
 *
 * ```ts
 * const r = await resource.req.add(3, 6);
 * if (r.succeeded) console.log(r.int(0)); // 9
 * console.log(String(r));                  // "!add[7] ok 9"
 * ```
 */
export class KatcpReply {
  /** The reply message. */
  readonly reply: Message;
  /** The informs that came with the reply, in arrival order. */
  readonly informs: readonly Message[];
  /** Why no real reply was received (timeout, connection), when the reply is synthesized. */
  readonly error: Error | undefined;

  constructor(reply: Message, informs: readonly Message[] = [], error?: Error) {
    this.reply = reply;
    this.informs = Object.freeze([...informs]);
    this.error = error;
  }

  /** A synthesized failure reply for request `name` (see {@link KatcpReply.error}). */
  static failure(name: string, error: Error, mid?: number): KatcpReply {
    return new KatcpReply(new Message('!', name, [Buffer.from('fail'), Buffer.from(error.message, 'utf8')], mid), [], error);
  }

  /** True when the reply is `ok`. */
  get succeeded(): boolean {
    return this.reply.isReplyOk;
  }

  /** The status word: `ok`, `fail`, `invalid` (or whatever the device sent). */
  get status(): string {
    return this.reply.arg(0);
  }

  /** The reason of a failure (the second reply argument), `''` for a success. */
  get reason(): string {
    return this.succeeded ? '' : this.reply.arg(1);
  }

  /** The reply's values after the status word, as raw bytes. */
  get values(): Buffer[] {
    return this.reply.arguments.slice(1);
  }

  /** The reply's values after the status word, as UTF-8 text. */
  get args(): string[] {
    return this.values.map((b) => b.toString('utf8'));
  }

  /** The reply followed by the informs (katcp-python's `messages`). */
  get messages(): Message[] {
    return [this.reply, ...this.informs];
  }

  /** Value `i` (after the status word) as text. @throws KatcpTypeError when absent */
  text(i = 0): string {
    return this.#raw(i, 'string').toString('utf8');
  }

  /**
   * Value `i` decoded as an integer, as a `number` (`reply.int(0) + 1` compiles).
   * @throws KatcpTypeError when absent or not an integer; KatcpRangeError when it does not fit a
   *   double exactly (use {@link bigint})
   */
  int(i = 0): number {
    const v = decodeValue('integer', this.#raw(i, 'integer')) as IntegerValue;
    if (typeof v === 'number') return v;
    throw new KatcpRangeError(`value ${i}`, `reply ${this.reply.toString()}: value ${i} (${v}) does not fit a double exactly; use bigint(${i})`);
  }

  /** Value `i` decoded as an integer, always as a `bigint`. @throws KatcpTypeError when absent or not an integer */
  bigint(i = 0): bigint {
    return BigInt(decodeValue('integer', this.#raw(i, 'integer')) as IntegerValue);
  }

  /** Value `i` decoded as a float. @throws KatcpTypeError when absent or not a float */
  float(i = 0): number {
    return decodeValue('float', this.#raw(i, 'float')) as number;
  }

  /** Value `i` decoded as a boolean (`0`/`1`). @throws KatcpTypeError when absent or not a boolean */
  bool(i = 0): boolean {
    return decodeValue('boolean', this.#raw(i, 'boolean')) as boolean;
  }

  /** Value `i` decoded with any registered type (name or codec). @throws KatcpTypeError */
  decode<T = unknown>(type: string | TypeCodec<T>, i = 0): T {
    return decodeValue(type, this.#raw(i, typeof type === 'string' ? type : type.name)) as T;
  }

  #raw(i: number, typeName: string): Buffer {
    const raw = this.reply.arguments[i + 1];
    if (raw === undefined) throw new KatcpTypeError(typeName, `reply ${this.reply.toString()} has no value ${i}`);
    return raw;
  }

  /**
   * Return this reply when it succeeded; otherwise throw the matching error.
   * @throws FailReply (for `fail` and synthesized failures, with `cause` set) or InvalidReply
   */
  check(): this {
    if (this.succeeded) return this;
    const details = { requestName: this.reply.name, reply: this.reply, cause: this.error };
    if (this.status === 'fail' || this.error !== undefined) throw new FailReply(this.reason, details);
    throw new InvalidReply(this.reason || this.reply.toString(), details);
  }

  /** The messages in wire form (escaped, with message ids), informs first, one per line. */
  toString(): string {
    return [...this.informs, this.reply].map((m) => m.toString()).join('\n');
  }

  /**
   * katcp-python's `repr()`: one line per message, type, name and the unescaped arguments
   * joined by spaces, without message ids (`!help this is a test`), reply first.
   */
  toReadableString(): string {
    return this.messages.map((m) => [`${m.mtype}${m.name}`, ...m.arguments.map((a) => a.toString('utf8'))].join(' ')).join('\n');
  }

  /** Plain data for `JSON.stringify`. */
  toJSON(): { succeeded: boolean; reply: string; informs: string[] } {
    return { succeeded: this.succeeded, reply: this.reply.toString(), informs: this.informs.map((m) => m.toString()) };
  }

  /** `KatcpReply(!add[7] ok 9)` in `console.log`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `KatcpReply(${this.toString().replace(/\n/g, ' | ')})`;
  }
}
