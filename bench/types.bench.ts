/**
 * Type codec throughput: formatFloat (Python repr), float and integer decoding, encodeArgument.
 * Prints operations per second; never asserts on speed.
 */
import { decodeFloat, formatFloat } from '../lib/codec/float.js';
import { decodeInteger } from '../lib/codec/integer.js';
import { encodeArgument } from '../lib/codec/types.js';

function measure(label: string, n: number, fn: (i: number) => unknown): void {
  let sink: unknown;
  for (let i = 0; i < Math.min(n, 50_000); i++) sink = fn(i); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink = fn(i);
  const ns = Number(process.hrtime.bigint() - start);
  void sink;
  console.log(`${label.padEnd(44)} ${((n / ns) * 1e9 / 1e6).toFixed(2).padStart(7)} M ops/s`);
}

/** Runs the type codec benchmarks. */
export async function run(): Promise<void> {
  const N = 1_000_000;
  const values = Array.from({ length: 1024 }, (_, i) => (i % 4 === 0 ? 1700000000 + i * 0.123 : (i % 4 === 1 ? 3.14 * i : i % 4 === 2 ? 1e-5 * i : 1e20 / (i + 1))));
  const texts = values.map((x) => Buffer.from(formatFloat(x)));
  const ints = Array.from({ length: 1024 }, (_, i) => Buffer.from(String(i * 7919)));
  const bigInts = Array.from({ length: 1024 }, (_, i) => Buffer.from(String(2n ** 60n + BigInt(i))));
  measure('formatFloat (mixed magnitudes)', N, (i) => formatFloat(values[i & 1023]!));
  measure('String(number) for comparison', N, (i) => String(values[i & 1023]!));
  measure('decodeFloat (bytes)', N, (i) => decodeFloat(texts[i & 1023]!));
  measure('decodeInteger (bytes, safe)', N, (i) => decodeInteger(ints[i & 1023]!));
  measure('decodeInteger (bytes, > 2^53 -> bigint)', N, (i) => decodeInteger(bigInts[i & 1023]!));
  measure('encodeArgument (float)', N, (i) => encodeArgument(values[i & 1023]!));
  measure('encodeArgument (integer)', N, (i) => encodeArgument(i));
  measure('encodeArgument (string)', N, () => encodeArgument('nominal'));
  await Promise.resolve();
}
