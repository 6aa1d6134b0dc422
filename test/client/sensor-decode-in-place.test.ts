import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Message } from '../../lib/codec/message.js';
import { discreteType, getType } from '../../lib/codec/types.js';
import type { CodecContext, TypeCodec } from '../../lib/codec/types.js';
import { decodeArgument } from '../../lib/codec/arg-decode.js';
import { decodeSensorValue, decodeSensorValueAt, RawReading } from '../../lib/client/sensor-informs.js';

const colours = discreteType(['red', 'gr\u00fcn', '\uFFFD']);
const CODECS: [TypeCodec<unknown>, (readonly string[])?][] = [
  [getType('float')],
  [getType('integer')],
  [getType('boolean')],
  [getType('timestamp')],
  [getType('string')],
  [getType('discrete')],
  [colours, colours.values],
  [getType('lru')],
  [getType('address')],
  [getType('bytes')],
];
const SAMPLES = ['1', '0', '-3', '2.5', '1e3', ' 1', '1.', 'nan', '12345678901234567890', 'red', 'gr\u00fcn', '\uFFFD', 'hello world', '', 'a\\b', '127.0.0.1:7147', 'error'];
const CTX: CodecContext[] = [{ protocolMajor: 5 }, { protocolMajor: 4 }];

/** The outcome of a decode: its value, or its error's class, code and message. */
function outcome(f: () => unknown): unknown {
  try {
    return { value: f() };
  } catch (err) {
    const e = err as Error & { code?: string };
    return { error: [e.constructor.name, e.code, e.message] };
  }
}

/** The value as argument 4 of a built inform, and of the same inform parsed from its wire form (escapes and all). */
function informs(value: Buffer): Message[] {
  const built = Message.inform('sensor-status', '1', '1', 'x', 'nominal', value);
  return [built, Message.parse(built.toBytes())];
}

function sameAsCodec(value: Buffer): void {
  for (const msg of informs(value)) {
    for (const [codec, values] of CODECS) {
      for (const ctx of CTX) {
        const want = outcome(() => codec.decode(msg.argBytes(4)!, ctx));
        assert.deepEqual(outcome(() => decodeArgument(msg, 4, codec, ctx, values)), want, `${codec.name} of ${JSON.stringify(value.toString('latin1'))}`);
      }
    }
    for (const type of ['integer', 'float', 'boolean', 'timestamp', 'string', 'discrete', 'lru', 'address', 'mystery']) {
      const want = outcome(() => decodeSensorValue({ type }, msg.argBytes(4)!, { protocolMajor: 5 }));
      assert.deepEqual(outcome(() => decodeSensorValueAt({ type }, msg, 4, { protocolMajor: 5 })), want, `${type} of ${JSON.stringify(value.toString('latin1'))}`);
    }
  }
}

test('decode in place - every codec gives what it gives for the bytes, value or error, for typical values', () => {
  for (const s of SAMPLES) sameAsCodec(Buffer.from(s, 'utf8'));
});

test('decode in place - non-UTF-8 bytes, escapes and a real U+FFFD decode as the codec decodes them (a string sensor keeps its bytes)', () => {
  sameAsCodec(Buffer.from([0x67, 0x72, 0xfc, 0x6e]));
  sameAsCodec(Buffer.from([0xef, 0xbf, 0xbd]));
  sameAsCodec(Buffer.from([0xed, 0xa0, 0x80]));
  sameAsCodec(Buffer.from('a b\tc\\d\0', 'latin1'));
  const bytes = Buffer.from([0x61, 0x20, 0xff]);
  const [, parsed] = informs(bytes);
  assert.deepEqual(decodeSensorValueAt({ type: 'string' }, parsed!, 4, {}), bytes);
});

test('decode in place - any bytes decode as the codec decodes them', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 12 }), (a) => sameAsCodec(Buffer.from(a))),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.constantFrom('0', '1', '-', '+', '.', 'e', '9', 'x', ' ', '_', '\\'), fc.array(fc.constantFrom('0', '5', '.', 'e', '-', '1'), { maxLength: 8 }), (a, rest) =>
      sameAsCodec(Buffer.from(a + rest.join(''), 'latin1')),
    ),
    { numRuns: 500 },
  );
});

test('raw reading - its value is the bytes of its argument; detached, it holds a copy and not the inform', () => {
  const [, msg] = informs(Buffer.from('12.5'));
  const r = new RawReading(3, 'warn', msg!, 4);
  assert.equal(r.value.toString(), '12.5');
  const d = r.detached();
  assert.deepEqual([d.timestamp, d.status, d.value.toString()], [3, 'warn', '12.5']);
  assert.notEqual(d.message, msg);
  msg!.argBytes(4)![0] = 0x39;
  assert.equal(r.value.toString(), '92.5', 'a view of the bytes the inform was parsed from');
  assert.equal(d.value.toString(), '12.5', 'a copy of them');
  assert.equal(decodeArgument(d.message, d.index, getType('float'), {}), 12.5);
});
