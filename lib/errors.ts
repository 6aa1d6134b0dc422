/**
 * Error classes shared by every layer. Each has a `name`, a stable string `code`
 * (for example `KATCP_ERR_FAIL_REPLY`) and supports `cause` chaining.
 * @module
 */

/**
 * Every `code` a katcp error carries, by name: compare with the constant,
 * `err.code === KatcpErrorCode.FailReply`, rather than with a string literal. The same name is
 * the union type of all codes, so `switch (err.code)` is checked for exhaustiveness.
 */
export const KatcpErrorCode = {
  /** A {@link KatcpError} without a more specific code. */
  Generic: 'KATCP_ERR',
  /** {@link KatcpTypeError}: a value does not encode or decode as its KATCP type. */
  Type: 'KATCP_ERR_TYPE',
  /** {@link KatcpSyntaxError}: a line is not a KATCP message. */
  Syntax: 'KATCP_ERR_SYNTAX',
  /** {@link KatcpRangeError}: an option or argument is out of range (negative or NaN timeout, ...). */
  Range: 'KATCP_ERR_RANGE',
  /** A malformed argument: a spec, a quorum, a wait condition, a sensor filter. */
  Argument: 'KATCP_ERR_ARGUMENT',
  /** A call made in a state that does not allow it (not started, already running, ...). */
  State: 'KATCP_ERR_STATE',
  /** {@link ProtocolVersionError}. */
  ProtocolVersion: 'KATCP_ERR_PROTOCOL_VERSION',
  /** {@link ConnectionClosedError}. */
  ConnectionClosed: 'KATCP_ERR_CONNECTION_CLOSED',
  /** {@link NotConnectedError}. */
  NotConnected: 'KATCP_ERR_NOT_CONNECTED',
  /** {@link KatcpTimeoutError}. */
  Timeout: 'KATCP_ERR_TIMEOUT',
  /** {@link KatcpAbortError}. */
  Aborted: 'KATCP_ERR_ABORTED',
  /** {@link FailReply}. */
  FailReply: 'KATCP_ERR_FAIL_REPLY',
  /** {@link InvalidReply}. */
  InvalidReply: 'KATCP_ERR_INVALID_REPLY',
  /** {@link SyncError}. */
  Sync: 'KATCP_ERR_SYNC',
  /** An inform from the device that does not have the shape its name promises. */
  BadInform: 'KATCP_ERR_BAD_INFORM',
  /** @deprecated no longer produced: every malformed inform is {@link KatcpErrorCode.BadInform} ({@link MalformedInformError}). */
  MalformedInform: 'KATCP_ERR_MALFORMED_INFORM',
  /** A sensor update that could not be applied. */
  SensorUpdate: 'KATCP_ERR_SENSOR_UPDATE',
  /** A sensor type this package cannot decode. */
  UnsupportedType: 'KATCP_ERR_UNSUPPORTED_TYPE',
  /** A sensor reading whose status makes its value invalid. */
  InvalidStatus: 'KATCP_ERR_INVALID_STATUS',
  /** A bad sensor definition (name, type, range, status). */
  InvalidSensor: 'KATCP_ERR_INVALID_SENSOR',
  /** A sampling strategy that does not parse or does not apply. */
  InvalidStrategy: 'KATCP_ERR_INVALID_STRATEGY',
  /** No sensor by that name. */
  UnknownSensor: 'KATCP_ERR_UNKNOWN_SENSOR',
  /** A wait on a sensor that has no sampling strategy. */
  NoStrategy: 'KATCP_ERR_NO_STRATEGY',
  /** A strategy could not be re-applied. */
  Strategy: 'KATCP_ERR_STRATEGY',
  /** A user's listener threw. */
  Listener: 'KATCP_ERR_LISTENER',
  /** A consumer fell too far behind a queue; data was lost. */
  QueueOverflow: 'KATCP_ERR_QUEUE_OVERFLOW',
  /** A resource that is inactive. */
  ResourceInactive: 'KATCP_ERR_RESOURCE_INACTIVE',
  /** A server request that was already replied to. */
  AlreadyReplied: 'KATCP_ERR_ALREADY_REPLIED',
  /** A request cancelled because its server is stopping. */
  ServerStopping: 'KATCP_ERR_SERVER_STOPPING',
  /** adjtimex(2) cannot be loaded on this system. */
  AdjtimexUnavailable: 'KATCP_ERR_ADJTIMEX_UNAVAILABLE',
  /** adjtimex(2) failed. */
  AdjtimexCall: 'KATCP_ERR_ADJTIMEX_CALL',
  /** The demo tour met a device that lacks what it shows. */
  Demo: 'KATCP_ERR_DEMO',
  /** A telescope-state error without a more specific code (`katcp/telstate`). */
  Telstate: 'TELSTATE_ERR',
  /** An immutable telstate key would change. */
  ImmutableKey: 'TELSTATE_ERR_IMMUTABLE_KEY',
  /** A telstate key was not found. */
  KeyNotFound: 'TELSTATE_ERR_KEY_NOT_FOUND',
  /** A telstate timestamp is NaN, infinite or negative. */
  InvalidTimestamp: 'TELSTATE_ERR_INVALID_TIMESTAMP',
  /** Stored telstate bytes could not be decoded. */
  Decode: 'TELSTATE_ERR_DECODE',
  /** A value cannot be encoded in the telstate format. */
  Encode: 'TELSTATE_ERR_ENCODE',
  /** An RDB file could not be parsed. */
  RdbParse: 'TELSTATE_ERR_RDB_PARSE',
  /** The Redis server of a telstate could not be reached. */
  TelstateConnection: 'TELSTATE_ERR_CONNECTION',
  /** The sensor recorder could not write a reading (`katcp/recorder`). */
  RecordWrite: 'TELSTATE_ERR_RECORD_WRITE',
  /** The sensor recorder's `convert` function threw. */
  RecordConvert: 'TELSTATE_ERR_RECORD_CONVERT',
  /** The sensor recorder could not set a sensor's strategy. */
  RecordStrategy: 'TELSTATE_ERR_RECORD_STRATEGY',
  /** The sensor recorder could not read a static sensor. */
  RecordPoll: 'TELSTATE_ERR_RECORD_POLL',
  /** The sensor recorder's `rename` function threw or returned an invalid key. */
  RecordRename: 'TELSTATE_ERR_RECORD_RENAME',
  /** A command line the `katcp` tool cannot run. */
  Usage: 'KATCP_ERR_USAGE',
  /** No request by that name ({@link UnknownItemError}). */
  UnknownRequest: 'KATCP_ERR_UNKNOWN_REQUEST',
  /** {@link PeerTimeoutError}: the peer did not answer the client's heartbeat. */
  PeerTimeout: 'KATCP_ERR_PEER_TIMEOUT',
} as const;
/** One of the {@link KatcpErrorCode} values: the type of every katcp error's `code`. */
export type KatcpErrorCode = (typeof KatcpErrorCode)[keyof typeof KatcpErrorCode];

/** Options accepted by every katcp error constructor. */
export interface KatcpErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
}

/** Base class of every error this package throws. */
export class KatcpError extends Error {
  /** Stable machine-readable code, e.g. `KATCP_ERR_SYNTAX`: one of {@link KatcpErrorCode}. */
  readonly code: KatcpErrorCode;

  /**
   * @param message human-readable description
   * @param code stable code; subclasses pass their own
   * @param options `cause` of the error
   */
  constructor(message: string, code: KatcpErrorCode = KatcpErrorCode.Generic, options?: KatcpErrorOptions) {
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
    super(message, KatcpErrorCode.Type, options);
    this.name = 'KatcpTypeError';
    this.typeName = typeName;
    this.raw = raw === undefined ? undefined : Buffer.from(raw);
  }
}

/** The peer's protocol version is not supported (e.g. a major version other than 4 or 5). */
export class ProtocolVersionError extends KatcpError {
  constructor(message: string, options?: KatcpErrorOptions) {
    super(message, KatcpErrorCode.ProtocolVersion, options);
    this.name = 'ProtocolVersionError';
  }
}

/** The connection is closed (or was closed while an operation was pending). */
export class ConnectionClosedError extends KatcpError {
  constructor(message = 'connection closed', options?: KatcpErrorOptions) {
    super(message, KatcpErrorCode.ConnectionClosed, options);
    this.name = 'ConnectionClosedError';
  }
}

/** An operation needs a connection but there is none right now. */
export class NotConnectedError extends KatcpError {
  constructor(message = 'not connected', options?: KatcpErrorOptions) {
    super(message, KatcpErrorCode.NotConnected, options);
    this.name = 'NotConnectedError';
  }
}

/** An operation did not finish within its timeout. */
export class KatcpTimeoutError extends KatcpError {
  constructor(message = 'timed out', options?: KatcpErrorOptions) {
    super(message, KatcpErrorCode.Timeout, options);
    this.name = 'KatcpTimeoutError';
  }
}

/** An operation was cancelled through its `AbortSignal`. */
export class KatcpAbortError extends KatcpError {
  constructor(message = 'aborted', options?: KatcpErrorOptions) {
    super(message, KatcpErrorCode.Aborted, options);
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
    super(message, KatcpErrorCode.Syntax, options);
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
    super(message, KatcpErrorCode.FailReply, details);
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
    super(message, KatcpErrorCode.InvalidReply, details);
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
    super(message, KatcpErrorCode.Sync, options);
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
    super(message, KatcpErrorCode.Range, options);
    this.name = 'KatcpRangeError';
    this.key = key;
  }
}

/** A command line the `katcp` tool cannot run (unknown option, bad address or duration); exit code 64. */
export class KatcpUsageError extends KatcpError {
  constructor(message: string, options?: KatcpErrorOptions) {
    super(message, KatcpErrorCode.Usage, options);
    this.name = 'KatcpUsageError';
  }
}

/**
 * A device sent an inform this library cannot read (`#sensor-list` without a type,
 * `#sensor-status` whose count does not match, an unknown status, a bad timestamp or timeout
 * hint...). Every inform parser reports this one class and code; the message names the inform.
 */
export class MalformedInformError extends KatcpError {
  /** The inform name, without `#`. */
  readonly informName: string;

  constructor(informName: string, message: string, options?: KatcpErrorOptions) {
    super(message, KatcpErrorCode.BadInform, options);
    this.name = 'MalformedInformError';
    this.informName = informName;
  }
}

/**
 * A resource was asked for a request or sensor it does not have (`dev.call('ad')`,
 * `dev.getSensor('tmep')`). Code `KATCP_ERR_UNKNOWN_REQUEST` or `KATCP_ERR_UNKNOWN_SENSOR`; the
 * message names the resource, the item and the nearest known names.
 */
export class UnknownItemError extends KatcpError {
  /** The resource asked. */
  readonly resource: string;
  /** `request` or `sensor`. */
  readonly kind: 'request' | 'sensor';
  /** The name asked for. */
  readonly item: string;
  /** Known names close to it (best first; may be empty). */
  readonly suggestions: readonly string[];

  constructor(resource: string, kind: 'request' | 'sensor', item: string, suggestions: readonly string[], options?: KatcpErrorOptions) {
    const hint = suggestions.length > 0 ? ` (did you mean ${suggestions.join(', ')}?)` : '';
    super(`resource ${resource} has no ${kind} ${JSON.stringify(item)}${hint}`, kind === 'request' ? KatcpErrorCode.UnknownRequest : KatcpErrorCode.UnknownSensor, options);
    this.name = 'UnknownItemError';
    this.resource = resource;
    this.kind = kind;
    this.item = item;
    this.suggestions = Object.freeze([...suggestions]);
  }
}

/**
 * The peer stopped answering: no reply to the client's heartbeat `?watchdog` in time (a device
 * that lost power or its cable leaves a half-open connection the OS may not report for hours).
 * A {@link ConnectionClosedError}: the client aborts the connection with it as the cause of
 * `disconnected`, and pending requests fail with one.
 */
export class PeerTimeoutError extends ConnectionClosedError {
  constructor(message: string, options?: KatcpErrorOptions) {
    super(message, options);
    this.name = 'PeerTimeoutError';
    (this as { code: KatcpErrorCode }).code = KatcpErrorCode.PeerTimeout;
  }
}
