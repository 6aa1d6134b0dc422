/**
 * The interface every KATCP type codec implements (built-in ones and those users register).
 * @module
 */

/** Per-connection facts a codec may need. */
export interface CodecContext {
  /** The peer's KATCP major version; 4 means timestamps travel as milliseconds. */
  protocolMajor?: number;
}

/**
 * Converts values of one KATCP type between JS and wire bytes.
 *
 * ```ts
 * const float = getType('float');
 * float.encode(5);                       // <Buffer 35 2e 30>  ("5.0")
 * float.decode(Buffer.from('1e-05'));    // 0.00001
 * ```
 */
export interface TypeCodec<T> {
  /** Registry name, e.g. `float`, `bytes`, `timestamp-or-now`. */
  readonly name: string;
  /** KATCP type name in `#sensor-list`: integer, float, boolean, discrete, lru, string, timestamp, address. */
  readonly wireName: string;
  /** Encodes a value to wire bytes (unescaped). @throws KatcpTypeError */
  encode(value: T, ctx?: CodecContext): Buffer;
  /** Decodes wire bytes (unescaped). @throws KatcpTypeError naming the type and the bytes */
  decode(raw: Uint8Array, ctx?: CodecContext): T;
  /** Validates (and normalises) a JS value for this type. @throws KatcpTypeError */
  coerce(value: unknown): T;
  /** The value used when nothing else is known (`0`, `0.0`, `''`, first discrete value...). */
  defaultValue(): T;
}
