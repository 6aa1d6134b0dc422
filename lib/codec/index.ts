/**
 * The KATCP codec: messages, escaping, parsing and formatting, type codecs. Pure: no I/O, no timers.
 * @module
 */
export { Message, MessageType } from './message.js';
export { LineParser, DEFAULT_MAX_LINE_LENGTH } from './parser.js';
export type { LineParserOptions } from './parser.js';
export { formatMessage, formatMessages } from './format.js';
export type { MessageLike } from './format.js';
export { escapeArgument, unescapeArgument } from './escape.js';
export type { UnescapeOptions } from './escape.js';
