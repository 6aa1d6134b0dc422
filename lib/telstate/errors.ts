/**
 * Errors of the telescope-state store, mirroring `katsdptelstate.errors`. They extend the
 * package-wide {@link KatcpError} (so `name`, `code` and `cause` work as everywhere else) but live
 * here because they belong to the separate `katcp/telstate` entry point.
 * @module
 */
import { KatcpError, KatcpErrorCode } from '../errors.js';
import type { KatcpErrorOptions } from '../errors.js';

/** Base class of every telstate error (Python's `TelstateError`). */
export class TelstateError extends KatcpError {
  constructor(message: string, code: KatcpErrorCode = KatcpErrorCode.Telstate, options?: KatcpErrorOptions) {
    super(message, code, options);
    this.name = 'TelstateError';
  }
}

/**
 * An immutable key (or indexed sub-key) would change value, or a key would change type
 * (e.g. adding a mutable sample to an immutable key).
 */
export class ImmutableKeyError extends TelstateError {
  constructor(message: string, options?: KatcpErrorOptions) {
    super(message, KatcpErrorCode.ImmutableKey, options);
    this.name = 'ImmutableKeyError';
  }
}

/** A key was not found under any prefix of the view (Python raises `KeyError`). */
export class KeyNotFoundError extends TelstateError {
  /** The key as given (without prefix). */
  readonly key: string;

  constructor(key: string, options?: KatcpErrorOptions) {
    super(`${pyRepr(key)} not found`, KatcpErrorCode.KeyNotFound, options);
    this.name = 'KeyNotFoundError';
    this.key = key;
  }
}

/** A timestamp is NaN, infinite or negative where that is not allowed. */
export class InvalidTimestampError extends TelstateError {
  constructor(message: string, options?: KatcpErrorOptions) {
    super(message, KatcpErrorCode.InvalidTimestamp, options);
    this.name = 'InvalidTimestampError';
  }
}

/** Stored bytes could not be decoded (corrupt, unknown format, or a refused pickle). */
export class DecodeError extends TelstateError {
  constructor(message: string, options?: KatcpErrorOptions) {
    super(message, KatcpErrorCode.Decode, options);
    this.name = 'DecodeError';
  }
}

/**
 * The stored value is a Python pickle (the format of MeerKAT data before March 2019). Pickles
 * can run arbitrary code, so this package never loads them.
 */
export class PickledValueError extends DecodeError {
  constructor(options?: KatcpErrorOptions) {
    super(
      'The telescope state contains pickled values. This is a security risk, so this package ' +
        'never loads them. They are needed for MeerKAT data up to March 2019: if you trust the ' +
        'source, read them with Python katsdptelstate and KATSDPTELSTATE_ALLOW_PICKLE=1.',
      options,
    );
    this.name = 'PickledValueError';
  }
}

/** A value cannot be encoded in the telstate format (unsupported type, out-of-range integer, ...). */
export class EncodeError extends TelstateError {
  constructor(message: string, options?: KatcpErrorOptions) {
    super(message, KatcpErrorCode.Encode, options);
    this.name = 'EncodeError';
  }
}

/** An RDB file (or buffer) could not be parsed. */
export class RdbParseError extends TelstateError {
  /** The file name, or undefined for an in-memory buffer. */
  readonly filename: string | undefined;

  constructor(filename: string | undefined, detail: string, options?: KatcpErrorOptions) {
    super(
      `${filename === undefined ? 'Invalid RDB file object' : `Invalid RDB file ${pyRepr(filename)}`}: ${detail}`,
      KatcpErrorCode.RdbParse,
      options,
    );
    this.name = 'RdbParseError';
    this.filename = filename;
  }
}

/** The Redis server could not be reached (first connection attempt failed). */
export class TelstateConnectionError extends TelstateError {
  constructor(message: string, options?: KatcpErrorOptions) {
    super(message, KatcpErrorCode.TelstateConnection, options);
    this.name = 'TelstateConnectionError';
  }
}

/** Quote a string the way Python's `repr` of a str does in the common cases (for messages). */
export function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || (cp >= 0x7f && cp <= 0xa0)) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp >= 0xd800 && cp <= 0xdfff) out += `\\u${cp.toString(16)}`;
    else out += ch;
  }
  return out + quote;
}
