/**
 * `katcp/codec`: the KATCP codec — messages, escaping, parsing and formatting, type codecs. Pure: no I/O, no timers.
 * @module
 */
export { Message, MessageType } from './message.js';
export { LineParser, DEFAULT_MAX_LINE_LENGTH } from './parser.js';
export type { LineParserOptions } from './parser.js';
export { formatMessage, formatMessages } from './format.js';
export type { MessageLike, WireItem } from './format.js';
export { escapeArgument, unescapeArgument } from './escape.js';
export type { UnescapeOptions } from './escape.js';
export {
  registerType,
  getType,
  hasType,
  typeNames,
  encodeValue,
  decodeValue,
  encodeArgument,
  discreteType,
  formatFloat,
} from './types.js';
export type { CodecContext, TypeCodec, IntegerValue, DiscreteCodec } from './types.js';
export { DeviceStatus } from './text-types.js';
export type { TimestampOrNow } from './scalar-types.js';
export { Address } from './address.js';
export { ProtocolFlags } from './protocol-flags.js';
export {
  LogLevel,
  LOG_LEVELS,
  isLogLevel,
  parseLogLevel,
  logLevelSeverity,
  compareLogLevels,
  logLevelEnabled,
  logLevelFromSeverity,
} from './log-level.js';
