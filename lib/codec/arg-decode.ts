/**
 * Decoding one argument of a message with a type codec, read in place: the built-in codecs'
 * common values are read straight from the message's bytes by its typed accessors, without a
 * Buffer view, and give exactly what the codec gives for the bytes (anything else, and every
 * refusal, goes through the codec itself, so errors are the codec's own). `Message.argDecode`,
 * the client's sensor values and the server's request arguments all decode through here.
 * @module
 */
import type { Message } from './message.js';
import type { CodecContext, TypeCodec } from './type-codec.js';
import { getType } from './types.js';

const floatCodec = getType('float');
const integerCodec = getType('integer');
const booleanCodec = getType('boolean');
const timestampCodec = getType('timestamp');
const stringCodec = getType('string');
const discreteCodec = getType('discrete');
const BOOLEAN_TEXT: readonly string[] = ['0', '1'];
/** What a lossy UTF-8 decode puts for bytes that are not UTF-8: a text without it was valid UTF-8. */
export const REPLACEMENT = '\uFFFD';

/**
 * Argument `i` of `msg` (which must have it) decoded by `codec` as
 * `codec.decode(msg.argBytes(i), ctx)` would, but read in place, without a Buffer view, for the
 * built-in `float`, `integer`, `boolean`, `timestamp`, `string` and `discrete` codecs, and for a
 * `discreteType(values)` codec when its `values` are given. Any other codec, and any value the
 * fast path does not take (so that errors are the codec's own), is decoded by the codec.
 * @param values the codec's values, when `codec` is `discreteType(values)`
 * @throws KatcpTypeError when the codec refuses the value
 */
export function decodeArgument(msg: Message, i: number, codec: TypeCodec<unknown>, ctx?: CodecContext, values?: readonly string[]): unknown {
  if (codec === floatCodec) return msg.argFloat(i);
  if (codec === integerCodec) return msg.argInteger(i);
  if (codec === booleanCodec) {
    const k = msg.argOneOf(i, BOOLEAN_TEXT);
    if (k >= 0) return k === 1;
  } else if (codec === timestampCodec) {
    let seconds: number | undefined;
    try {
      seconds = msg.argFloat(i);
    } catch {
      // Decoded by the codec below, for its error.
    }
    if (seconds !== undefined) return ctx?.protocolMajor === 4 ? seconds / 1000 : seconds;
  } else if (values !== undefined) {
    // Compared as bytes; only an escaped argument is decoded (lossily: hence the last test).
    const k = msg.argOneOf(i, values);
    if (k >= 0 && !values[k]!.includes(REPLACEMENT)) return values[k];
  } else if (codec === stringCodec || codec === discreteCodec) {
    const text = msg.arg(i);
    if (!text.includes(REPLACEMENT)) return text;
  }
  return codec.decode(msg.argBytes(i)!, ctx);
}
