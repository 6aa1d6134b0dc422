/**
 * katcp: a KATCP toolkit for Node.js. Public API, explicit named exports only.
 * @module
 */
export {
  KatcpError,
  KatcpTypeError,
  KatcpSyntaxError,
  FailReply,
  InvalidReply,
  ProtocolVersionError,
  ConnectionClosedError,
  NotConnectedError,
  KatcpTimeoutError,
  KatcpAbortError,
} from './errors.js';
export type { KatcpErrorOptions, SyntaxErrorKind, ReplyLike } from './errors.js';
export type { Clock, TimerHandle } from './util/clock.js';
export { systemClock } from './util/clock.js';
export type { CallOptions } from './util/abort.js';
