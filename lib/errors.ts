/**
 * Error classes shared by every layer. Each has a `name`, a stable string `code`
 * (for example `KATCP_ERR_FAIL_REPLY`) and supports `cause` chaining.
 * @module
 */

/** Options accepted by every katcp error constructor. */
export interface KatcpErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
}

/** Base class of every error this package throws. */
export class KatcpError extends Error {
  /** Stable machine-readable code, e.g. `KATCP_ERR_SYNTAX`. */
  readonly code: string;

  /**
   * @param message human-readable description
   * @param code stable code; subclasses pass their own
   * @param options `cause` of the error
   */
  constructor(message: string, code = 'KATCP_ERR', options?: KatcpErrorOptions) {
    super(message, options);
    this.name = 'KatcpError';
    this.code = code;
  }
}

/** A value could not be encoded or decoded as a KATCP type. */
export class KatcpTypeError extends KatcpError {
  /** The KATCP type name, e.g. `float`. */
  readonly typeName: string;
  /** The offending bytes (on decode) or undefined (on encode). */
  readonly raw: Buffer | undefined;

  /**
   * @param typeName the KATCP type involved
   * @param message what is wrong
   * @param raw the offending bytes when decoding
   */
  constructor(typeName: string, message: string, raw?: Uint8Array, options?: KatcpErrorOptions) {
    super(message, 'KATCP_ERR_TYPE', options);
    this.name = 'KatcpTypeError';
    this.typeName = typeName;
    this.raw = raw === undefined ? undefined : Buffer.from(raw);
  }
}

/** The peer's protocol version is not supported (e.g. a major version other than 4 or 5). */
export class ProtocolVersionError extends KatcpError {
  constructor(message: string, options?: KatcpErrorOptions) {
    super(message, 'KATCP_ERR_PROTOCOL_VERSION', options);
    this.name = 'ProtocolVersionError';
  }
}

/** The connection is closed (or was closed while an operation was pending). */
export class ConnectionClosedError extends KatcpError {
  constructor(message = 'connection closed', options?: KatcpErrorOptions) {
    super(message, 'KATCP_ERR_CONNECTION_CLOSED', options);
    this.name = 'ConnectionClosedError';
  }
}

/** An operation needs a connection but there is none right now. */
export class NotConnectedError extends KatcpError {
  constructor(message = 'not connected', options?: KatcpErrorOptions) {
    super(message, 'KATCP_ERR_NOT_CONNECTED', options);
    this.name = 'NotConnectedError';
  }
}

/** An operation did not finish within its timeout. */
export class KatcpTimeoutError extends KatcpError {
  constructor(message = 'timed out', options?: KatcpErrorOptions) {
    super(message, 'KATCP_ERR_TIMEOUT', options);
    this.name = 'KatcpTimeoutError';
  }
}

/** An operation was cancelled through its `AbortSignal`. */
export class KatcpAbortError extends KatcpError {
  constructor(message = 'aborted', options?: KatcpErrorOptions) {
    super(message, 'KATCP_ERR_ABORTED', options);
    this.name = 'KatcpAbortError';
  }
}

/** Kinds of syntax error reported by the codec. */
export type SyntaxErrorKind =
  | 'empty' // no type character / nothing but the line end
  | 'no-newline' // Message.parse: the line does not end with its EOL where one was required
  | 'internal-newline' // Message.parse: more than one line given
  | 'bad-type' // first byte is not ?, ! or #
  | 'bad-name' // name does not match [A-Za-z][A-Za-z0-9-]*
  | 'bad-mid' // malformed message id ([0], [01], [], [a], unterminated, junk after ])
  | 'mid-overflow' // message id > 2^31-1
  | 'invalid-escape' // backslash followed by a byte that is not one of \ _ 0 n r e t @
  | 'trailing-backslash' // backslash at the end of an argument / line
  | 'unescaped-special' // raw NUL or ESC inside an argument
  | 'line-too-long'; // the line exceeded maxLineLength

/** A line could not be parsed as a KATCP message. Keeps the raw line, the kind and the 1-based byte column. */
export class KatcpSyntaxError extends KatcpError {
  /** The raw line (possibly truncated for overlong lines), without its line end. */
  readonly raw: Buffer;
  /** What is wrong. */
  readonly kind: SyntaxErrorKind;
  /** 1-based byte column where the problem was found (0 when not applicable). */
  readonly position: number;

  constructor(kind: SyntaxErrorKind, message: string, raw: Uint8Array, position = 0, options?: KatcpErrorOptions) {
    super(message, 'KATCP_ERR_SYNTAX', options);
    this.name = 'KatcpSyntaxError';
    this.kind = kind;
    this.raw = Buffer.from(raw);
    this.position = position;
  }
}

/** The structural shape of a reply message, so this module does not depend on the codec. */
export interface ReplyLike {
  readonly mtype: string;
  readonly name: string;
  readonly mid: number | undefined;
  readonly arguments: readonly Buffer[];
}

/**
 * A request failed: the device answered `fail` (client side), or a request handler refused
 * the request (server side: throw `new FailReply('reason')` to answer `!name fail reason`).
 */
export class FailReply extends KatcpError {
  /** The request name, when known (always set on the client side). */
  readonly requestName: string | undefined;
  /** The reply message, on the client side. */
  readonly reply: ReplyLike | undefined;

  constructor(message: string, details: { requestName?: string; reply?: ReplyLike } & KatcpErrorOptions = {}) {
    super(message, 'KATCP_ERR_FAIL_REPLY', details);
    this.name = 'FailReply';
    this.requestName = details.requestName;
    this.reply = details.reply;
  }
}

/**
 * A request was rejected as malformed: the device answered `invalid` (or any code other than
 * `ok`/`fail`), or a server handler throws it to answer `!name invalid reason`.
 */
export class InvalidReply extends KatcpError {
  /** The request name, when known. */
  readonly requestName: string | undefined;
  /** The reply message, on the client side. */
  readonly reply: ReplyLike | undefined;

  constructor(message: string, details: { requestName?: string; reply?: ReplyLike } & KatcpErrorOptions = {}) {
    super(message, 'KATCP_ERR_INVALID_REPLY', details);
    this.name = 'InvalidReply';
    this.requestName = details.requestName;
    this.reply = details.reply;
  }
}

/**
 * The inspecting client could not inspect the device: an error reply to `?help`,
 * `?sensor-list` or `?request-timeout-hint`, the sync timeout budget ran out, or the
 * connection dropped during inspection. `cause` holds the underlying error or reply.
 */
export class SyncError extends KatcpError {
  constructor(message: string, options?: KatcpErrorOptions) {
    super(message, 'KATCP_ERR_SYNC', options);
    this.name = 'SyncError';
  }
}

/**
 * An option or argument is outside its accepted range (a negative or NaN timeout, an id outside
 * 1..2^31-1). Thrown synchronously by the call that received it; `key` names the option.
 */
export class KatcpRangeError extends KatcpError {
  /** The option or argument at fault. */
  readonly key: string;

  constructor(key: string, message: string, options?: KatcpErrorOptions) {
    super(message, 'KATCP_ERR_RANGE', options);
    this.name = 'KatcpRangeError';
    this.key = key;
  }
}
