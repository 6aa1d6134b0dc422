/**
 * The KATCP type registry: look codecs up by name, register your own, encode and decode values,
 * and encode plain JS values as message arguments.
 *
 * ```ts
 * encodeValue('float', 5);                    // <Buffer "5.0">
 * decodeValue('integer', Buffer.from('123')); // 123
 * encodeArgument(1e-5);                       // <Buffer "1e-05">
 * ```
 * @module
 */
import { KatcpTypeError } from '../errors.js';
import { Address } from './address.js';
import { formatFloat } from './float.js';
import { checkInput } from './input.js';
import { describeValue, formatInteger } from './integer.js';
import { booleanType, floatType, integerType, timestampOrNowType, timestampType } from './scalar-types.js';
import {
  addressType,
  bytesType,
  deviceStatusType,
  discreteAnyType,
  encodeUtf8,
  logLevelType,
  lruType,
  sensorStatusType,
  stringType,
} from './text-types.js';
import type { CodecContext, TypeCodec } from './type-codec.js';

export type { CodecContext, TypeCodec } from './type-codec.js';
export type { IntegerValue } from './integer.js';
export type { DiscreteCodec } from './text-types.js';
export { discreteType } from './text-types.js';
export { formatFloat } from './float.js';

const registry = new Map<string, TypeCodec<unknown>>();

/**
 * Adds a codec to the registry under `codec.name`.
 * @throws KatcpTypeError when the name is taken or the codec is malformed
 */
export function registerType(codec: TypeCodec<unknown>): void {
  const name = (codec as { name?: unknown } | null)?.name;
  if (typeof name !== 'string' || name === '') {
    throw new KatcpTypeError(String(name), 'a type codec needs a non-empty string name');
  }
  for (const method of ['encode', 'decode', 'coerce', 'defaultValue'] as const) {
    if (typeof codec[method] !== 'function') throw new KatcpTypeError(name, `type codec ${name} has no ${method}() method`);
  }
  if (typeof codec.wireName !== 'string' || codec.wireName === '') {
    throw new KatcpTypeError(name, `type codec ${name} needs a non-empty wireName`);
  }
  if (registry.has(name)) throw new KatcpTypeError(name, `type ${JSON.stringify(name)} is already registered`);
  registry.set(name, codec);
}

/** The codec registered under `name`. @throws KatcpTypeError for an unknown name */
export function getType(name: string): TypeCodec<unknown> {
  const codec = registry.get(name);
  if (codec === undefined) throw new KatcpTypeError(String(name), `unknown KATCP type ${JSON.stringify(name)}`);
  return codec;
}

/** True when a codec is registered under `name`. */
export function hasType(name: string): boolean {
  return registry.has(name);
}

/** The registered type names, in registration order. */
export function typeNames(): string[] {
  return [...registry.keys()];
}

function resolve(type: string | TypeCodec<unknown>): TypeCodec<unknown> {
  return typeof type === 'string' ? getType(type) : type;
}

/**
 * Encodes `value` as `type` (a registered name or a codec), validating it with `coerce` first.
 * @throws KatcpTypeError for an unknown type or a value the type refuses
 */
export function encodeValue(type: string | TypeCodec<unknown>, value: unknown, ctx?: CodecContext): Buffer {
  const codec = resolve(type);
  return codec.encode(codec.coerce(value), ctx);
}

/**
 * Decodes wire bytes (already unescaped) as `type`; a string is taken as its UTF-8 bytes.
 * @throws KatcpTypeError naming the type and the bytes
 */
export function decodeValue(type: string | TypeCodec<unknown>, raw: Uint8Array | string, ctx?: CodecContext): unknown {
  const codec = resolve(type);
  checkInput(raw, codec.name, 'decodeValue()', true);
  return codec.decode(typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw, ctx);
}

/**
 * Encodes a plain JS value as a message argument, by its runtime type: a Buffer as is (not
 * copied), another Uint8Array as a Buffer view of the same memory, a string as UTF-8, a boolean as
 * `1`/`0`, an integer-valued finite number as an integer (`5`, and `-0` as `0`), any other number
 * as Python's float repr (`5.5`, `1e-05`, `inf`, `nan`), a bigint as an integer, an
 * {@link Address} as its text.
 * @throws KatcpTypeError for null, undefined, plain objects, functions, symbols and strings with
 *   lone surrogates
 */
export function encodeArgument(value: unknown): Buffer {
  switch (typeof value) {
    case 'string':
      return encodeUtf8(value, 'argument');
    case 'number':
      return Buffer.from(Number.isInteger(value) ? formatInteger(value) : formatFloat(value), 'latin1');
    case 'boolean':
      return Buffer.from(value ? '1' : '0', 'latin1');
    case 'bigint':
      return Buffer.from(value.toString(), 'latin1');
    case 'object':
      if (Buffer.isBuffer(value)) return value;
      if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      if (value instanceof Address) return Buffer.from(value.toString(), 'latin1');
      break;
    case 'undefined':
    case 'function':
    case 'symbol':
      break;
  }
  throw new KatcpTypeError('argument', `cannot encode ${describeValue(value)} as a KATCP argument`);
}

for (const codec of [
  integerType,
  floatType,
  booleanType,
  discreteAnyType,
  lruType,
  stringType,
  bytesType,
  timestampType,
  timestampOrNowType,
  addressType,
  logLevelType,
  deviceStatusType,
  sensorStatusType,
] as TypeCodec<unknown>[]) {
  registerType(codec);
}
