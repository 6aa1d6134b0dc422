/**
 * Guards for the codec's public entry points, so a JavaScript caller passing the wrong kind of
 * value (a number, null, a string where bytes are needed) gets a {@link KatcpTypeError} saying
 * what was expected rather than an obscure `TypeError` from deep inside.
 * @module
 */
import { KatcpTypeError } from '../errors.js';
import { describeValue } from './integer.js';

/**
 * Throws unless `value` is a Uint8Array (a Buffer is one) or, when `allowString`, a string.
 * @param typeName the KATCP type named by the error
 * @param what the entry point, e.g. `Message.parse()`
 * @throws KatcpTypeError `Message.parse() takes a Buffer, Uint8Array or string, not 123`
 */
export function checkInput(value: unknown, typeName: string, what: string, allowString: boolean): asserts value is Uint8Array | string {
  if (value instanceof Uint8Array || (allowString && typeof value === 'string')) return;
  const expected = allowString ? 'a Buffer, Uint8Array or string' : 'a Buffer or Uint8Array';
  throw new KatcpTypeError(typeName, `${what} takes ${expected}, not ${describeValue(value)}`);
}
