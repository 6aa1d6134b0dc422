import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Message } from '../../lib/codec/message.js';
import { LineParser } from '../../lib/codec/parser.js';
import { getType } from '../../lib/codec/types.js';
import { KatcpTypeError } from '../../lib/errors.js';

const STATUSES = ['unknown', 'nominal', 'warn', 'error', 'failure', 'unreachable', 'inactive'];

/** The same message parsed (lazy) and built from Buffers (eager). */
function both(line: string): [Message, Message] {
  const parsed = new LineParser().feed(Buffer.from(`${line}\n`))[0];
  assert.ok(parsed instanceof Message);
  const built = new Message(parsed.mtype, parsed.name, parsed.arguments.map((a) => Buffer.from(a)), parsed.mid);
  return [new LineParser().feed(Buffer.from(`${line}\n`))[0] as Message, built];
}

const noArgument = (err: unknown): boolean => err instanceof KatcpTypeError && /no argument/.test(err.message);

describe('message accessors', () => {
  it('accessors - a parsed message builds arguments once, on first use, and keeps the same array', () => {
    const msg = Message.parse('#sensor-status 1700000000.5 1 a.b nominal 3');
    assert.equal(msg.argCount, 5);
    const first = msg.arguments;
    assert.equal(msg.arguments, first, 'the same array each time');
    assert.deepEqual(first.map(String), ['1700000000.5', '1', 'a.b', 'nominal', '3']);
    assert.equal(msg.argBytes(2), first[2], 'argBytes hands out the built Buffers once they exist');
  });

  it('accessors - a parsed message keeps its type, name, id and count once its arguments are built', () => {
    const [msg] = new LineParser().feed(Buffer.from('!sensor-value[12] ok 3\n#other x\n'));
    assert.ok(msg instanceof Message);
    const before = [msg.mtype, msg.name, msg.mid, msg.argCount];
    assert.deepEqual(before, ['!', 'sensor-value', 12, 2]);
    assert.equal(msg.arguments.length, 2);
    new LineParser().feed(Buffer.from('?another-store[3] a b c\n'));
    assert.deepEqual([msg.mtype, msg.name, msg.mid, msg.argCount, msg.arg(1)], [...before, '3']);
  });

  it('accessors - read the same values from a parsed (lazy) and a built (eager) message', () => {
    for (const line of ['#sensor-status 1700000000.123 1 foo.bar nominal -3.14', '!x[7] ok 12 \\@ a\\_b 1e-05 -0', '?y']) {
      for (const msg of both(line)) {
        const args = msg.arguments;
        assert.equal(msg.argCount, args.length, line);
        for (let i = 0; i <= args.length; i++) {
          assert.equal(msg.arg(i), args[i] === undefined ? '' : args[i]!.toString(), `${line} arg ${i}`);
          assert.deepEqual(msg.argBytes(i), args[i]);
        }
      }
    }
  });

  it('accessors - argIs compares bytes exactly, escapes decoded, UTF-8 beyond ASCII', () => {
    const [lazy, eager] = both('!r ok a\\_b caf\xc3\xa9 \\@ okay');
    for (const msg of [lazy, eager]) {
      assert.equal(msg.argIs(0, 'ok'), true);
      assert.equal(msg.argIs(0, 'o'), false, 'a prefix is not equal');
      assert.equal(msg.argIs(4, 'ok'), false, 'nor is a longer argument');
      assert.equal(msg.argIs(1, 'a b'), true, 'escapes are decoded first');
      assert.equal(msg.argIs(3, ''), true, '\\@ is the empty argument');
      assert.equal(msg.argIs(5, ''), false, 'an absent argument equals nothing');
    }
    const utf8 = Message.parse(Buffer.from('#x café', 'utf8'));
    assert.equal(utf8.argIs(0, 'café'), true);
    assert.equal(Message.parse(Buffer.from('#x caf\xe9', 'latin1')).argIs(0, 'café'), false, 'latin1 bytes are not the UTF-8 text');
    assert.equal(Message.parse(Buffer.from('#x caf\xc3\xa9s', 'latin1')).argIs(0, 'café'), false);
  });

  it('accessors - argOneOf gives the index of the matching choice or -1', () => {
    const [lazy, eager] = both('#s nominal warn\\@ bogus');
    for (const msg of [lazy, eager]) {
      assert.equal(msg.argOneOf(0, STATUSES), 1);
      assert.equal(msg.argOneOf(1, STATUSES), 2, 'escaped argument');
      assert.equal(msg.argOneOf(2, STATUSES), -1);
      assert.equal(msg.argOneOf(3, STATUSES), -1, 'absent');
      assert.equal(msg.argOneOf(0, []), -1);
    }
  });

  it('accessors - argFloat and argInteger follow the float and integer codecs, fast path or not', () => {
    const [lazy, eager] = both('#n 1700000000.25 -3 1_000 \\@7 12345678901234567890 inf 0x10 \\@');
    for (const msg of [lazy, eager]) {
      assert.equal(msg.argFloat(0), 1700000000.25);
      assert.equal(msg.argInteger(1), -3);
      assert.equal(msg.argFloat(1), -3);
      assert.equal(msg.argInteger(2), 1000, 'underscores as Python int()');
      assert.equal(msg.argInteger(3), 7, 'an escaped argument is decoded, not read as 0');
      assert.equal(msg.argFloat(3), 7);
      assert.equal(msg.argInteger(4), 12345678901234567890n);
      assert.equal(msg.argFloat(5), Infinity);
      assert.throws(() => msg.argFloat(6), /could not convert string to float: b'0x10'/);
      assert.throws(() => msg.argInteger(0), /invalid literal for int\(\) with base 10: b'1700000000.25'/);
      assert.throws(() => msg.argInteger(7), /invalid literal for int\(\) with base 10: b''/, 'the empty argument');
      assert.throws(() => msg.argFloat(8), noArgument);
      assert.throws(() => msg.argInteger(8), noArgument);
    }
  });

  it('accessors - argDecode uses any type codec and names the type when the argument is absent', () => {
    const [lazy, eager] = both('#b 1 0 2');
    for (const msg of [lazy, eager]) {
      const boolean = getType('boolean');
      assert.equal(msg.argDecode(0, boolean), true);
      assert.equal(msg.argDecode(1, boolean), false);
      assert.throws(() => msg.argDecode(2, boolean), KatcpTypeError);
      assert.throws(
        () => msg.argDecode(3, boolean),
        (err: unknown) => err instanceof KatcpTypeError && err.typeName === 'boolean' && /no argument 3: the message has 3/.test(err.message),
      );
      assert.equal(getType('timestamp').decode(msg.argBytes(0)!, { protocolMajor: 4 }), 0.001);
      assert.equal(msg.argDecode(0, getType('timestamp'), { protocolMajor: 4 }), 0.001, 'the context reaches the codec');
    }
  });

  it('accessors - indexes that are negative, fractional or out of range find nothing', () => {
    for (const msg of both('#a x y')) {
      for (const i of [-1, 0.5, 2, NaN, Infinity, 2 ** 32]) {
        assert.equal(msg.argBytes(i), undefined, String(i));
        assert.equal(msg.arg(i), '');
        assert.equal(msg.argIs(i, ''), false);
        assert.equal(msg.argOneOf(i, ['x']), -1);
        assert.throws(() => msg.argFloat(i), noArgument);
      }
    }
  });

  it('accessors - withMid keeps a parsed message lazy and equal', () => {
    const msg = Message.parse('!x[3] ok a\\_b');
    const other = msg.withMid(9);
    assert.equal(other.toString(), '!x[9] ok a\\_b');
    assert.ok(other.withMid(3).equals(msg));
    assert.equal(other.argIs(1, 'a b'), true);
  });

  it('accessors - property: on any parsed message every accessor agrees with the built arguments', () => {
    const argArb = fc.oneof(
      fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a)),
      fc.double().map((x) => Buffer.from(String(x))),
      fc.integer().map((x) => Buffer.from(String(x))),
      fc.constantFrom(...STATUSES).map((s) => Buffer.from(s)),
    );
    fc.assert(
      fc.property(fc.array(argArb, { maxLength: 8 }), fc.boolean(), (args, viaParser) => {
        const wire = new Message('#', 'x', args).toBytes();
        const msg = viaParser ? (new LineParser().feed(wire)[0] as Message) : Message.parse(wire);
        // Read through the accessors first (lazy), then compare with a copy built from arguments.
        const lazy = args.map((_, i) => [msg.arg(i), msg.argIs(i, args[i]!.toString()), msg.argOneOf(i, STATUSES), tryNumber(() => msg.argFloat(i)), tryNumber(() => msg.argInteger(i))]);
        const eager = new Message('#', 'x', msg.arguments.map((a) => Buffer.from(a)));
        assert.equal(msg.argCount, args.length);
        args.forEach((a, i) => {
          assert.ok(msg.arguments[i]!.equals(a));
          const text = a.toString();
          // Ground truth for argIs: the argument is the UTF-8 encoding of its own decoding.
          const expect = [text, a.equals(Buffer.from(text)), STATUSES.indexOf(text), tryNumber(() => eager.argFloat(i)), tryNumber(() => eager.argInteger(i))];
          assert.deepEqual(lazy[i], expect);
        });
      }),
      { numRuns: 300 },
    );
  });
});

function tryNumber(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (err) {
    return err instanceof KatcpTypeError ? `error ${err.message}` : err;
  }
}
