/**
 * The value of `#version-connect katcp-protocol`: `<major>.<minor>[-<flags>]`, e.g. `5.1-MIB`.
 * Each flag is one character: M multi-client, I message ids, B bulk sensor sampling, T request
 * timeout hints. Unknown flag characters are kept (and written back out) untouched.
 * @module
 */
import { KatcpTypeError } from '../errors.js';
import { checkInput } from './input.js';
import { bytesRepr } from './repr.js';

// Like katcp-python: digits '.' digits, then optionally '-' and one or more flag characters.
const FLAGS_RE = /^(\d{1,9})\.(\d{1,9})(?:-([^\s-]+))?$/;

/**
 * Protocol version and capability flags of a KATCP peer.
 *
 * ```ts
 * const f = ProtocolFlags.parse('5.1-MIB');
 * f.major; f.messageIds;      // 5, true
 * String(new ProtocolFlags(5, 0, 'MI')); // '5.0-MI'
 * ```
 */
export class ProtocolFlags {
  /** Major protocol version (4 or 5 in practice). */
  readonly major: number;
  /** Minor protocol version. */
  readonly minor: number;
  /** The flag characters, in the order given (duplicates dropped). */
  readonly flags: ReadonlySet<string>;

  /**
   * @param major non-negative integer
   * @param minor non-negative integer
   * @param flags flag characters, as a string (`'MIB'`) or an iterable of single characters
   * @throws KatcpTypeError for non-integer versions or flags that are not single non-space characters
   */
  constructor(major: number, minor: number, flags: string | Iterable<string> = '') {
    if (!Number.isSafeInteger(major) || major < 0 || !Number.isSafeInteger(minor) || minor < 0) {
      throw new KatcpTypeError('protocol-flags', `protocol version ${String(major)}.${String(minor)} is not two non-negative integers`);
    }
    const set = new Set<string>();
    for (const flag of typeof flags === 'string' ? [...flags] : flags) {
      if (typeof flag !== 'string' || [...flag].length !== 1 || /[\s-]/.test(flag)) {
        throw new KatcpTypeError('protocol-flags', `protocol flag ${JSON.stringify(flag)} is not a single non-space character`);
      }
      set.add(flag);
    }
    this.major = major;
    this.minor = minor;
    this.flags = set;
    Object.freeze(this);
  }

  /**
   * Parses `5.1-MIB`, `5.0-IM`, `4.9-M`, `5.0` (text or bytes).
   * @throws KatcpTypeError naming the offending bytes
   */
  static parse(text: string | Uint8Array): ProtocolFlags {
    checkInput(text, 'protocol-flags', 'ProtocolFlags.parse()', true);
    const str = typeof text === 'string' ? text : Buffer.from(text).toString('utf8');
    const m = FLAGS_RE.exec(str);
    if (m === null) {
      const raw = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
      throw new KatcpTypeError('protocol-flags', `${bytesRepr(raw)} is not a KATCP protocol version (major.minor[-FLAGS])`, raw);
    }
    return new ProtocolFlags(Number(m[1]), Number(m[2]), m[3] ?? '');
  }

  /** True when the flag character is present. */
  has(flag: string): boolean {
    return this.flags.has(flag);
  }

  /** M: the device serves several clients at once (without it, it is single-client). */
  get multiClient(): boolean {
    return this.flags.has('M');
  }

  /** I: the device supports message ids. */
  get messageIds(): boolean {
    return this.flags.has('I');
  }

  /** B: the device accepts bulk `?sensor-sampling a,b,c strategy` (v5.1). */
  get bulkSetSensorSampling(): boolean {
    return this.flags.has('B');
  }

  /** T: the device answers `?request-timeout-hint` (v5.1). */
  get requestTimeoutHints(): boolean {
    return this.flags.has('T');
  }

  /** `5.1-MIB`, or `5.0` without flags. */
  toString(): string {
    const flags = [...this.flags].join('');
    return `${this.major}.${this.minor}${flags === '' ? '' : '-' + flags}`;
  }

  /** Same version and the same set of flags (order ignored). */
  equals(other: unknown): boolean {
    if (!(other instanceof ProtocolFlags) || other.major !== this.major || other.minor !== this.minor) return false;
    if (other.flags.size !== this.flags.size) return false;
    for (const f of this.flags) if (!other.flags.has(f)) return false;
    return true;
  }
}
