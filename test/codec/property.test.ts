import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Message } from '../../lib/codec/message.js';
import type { MessageType } from '../../lib/codec/message.js';
import { LineParser } from '../../lib/codec/parser.js';
import { escapeArgument, unescapeArgument } from '../../lib/codec/escape.js';
import { formatMessages } from '../../lib/codec/format.js';
import { KatcpSyntaxError } from '../../lib/errors.js';

type Item = Message | KatcpSyntaxError;

// Bytes biased towards the ones the grammar cares about.
const interesting = [0x00, 0x09, 0x0a, 0x0d, 0x1b, 0x20, 0x5c, 0x40, 0x5f, 0x5b, 0x5d, 0x3f, 0x21, 0x23, 0x30, 0x31, 0x61, 0xff];
const byteArb = fc.oneof(fc.constantFrom(...interesting), fc.integer({ min: 0, max: 255 }));
const bytesArb = (maxLength: number): fc.Arbitrary<Buffer> =>
  fc.array(byteArb, { maxLength }).map((a) => Buffer.from(a));

const messageArb: fc.Arbitrary<Message> = fc
  .record({
    mtype: fc.constantFrom<MessageType>('?', '!', '#'),
    name: fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/),
    mid: fc.option(fc.integer({ min: 1, max: 2 ** 31 - 1 }), { nil: undefined }),
    args: fc.array(bytesArb(24), { maxLength: 8 }),
  })
  .map(({ mtype, name, mid, args }) => new Message(mtype, name, args, mid));

/** A stream of lines: valid messages, junk, blank lines, mixed line ends. */
const streamArb: fc.Arbitrary<Buffer> = fc
  .array(
    fc.oneof(
      messageArb.map((m) => m.toBytes()),
      messageArb.map((m) => Buffer.concat([m.toBytes().subarray(0, -1), Buffer.from('\r\n')])),
      bytesArb(40),
      fc.constantFrom(Buffer.from('\n'), Buffer.from(' \t\r'), Buffer.from('\r\n')),
    ),
    { maxLength: 12 },
  )
  .map((parts) => Buffer.concat(parts));

/** A comparable description of parser output. */
function describeItems(items: Item[]): string[] {
  return items.map((x) =>
    x instanceof Message ? `msg ${x.toBytes().toString('hex')}` : `err ${x.kind} ${x.position} ${x.raw.toString('hex')}`,
  );
}

function feedSplit(parser: LineParser, data: Buffer, cuts: number[]): Item[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Item[] = [];
  let prev = 0;
  for (const p of [...points, data.length]) {
    out.push(...parser.feed(data.subarray(prev, p)));
    prev = p;
  }
  return out;
}

describe('codec properties', () => {
  it('property - format then parse gives back any message', () => {
    fc.assert(
      fc.property(messageArb, (msg) => {
        const wire = msg.toBytes();
        const parsed = Message.parse(wire);
        assert.ok(parsed.equals(msg));
        assert.ok(parsed.toBytes().equals(wire), 'formatting is stable');
        const items = new LineParser().feed(wire);
        assert.equal(items.length, 1);
        assert.ok(items[0] instanceof Message && items[0].equals(msg));
        assert.ok(Message.parse(wire, { lenient: true }).equals(msg), 'lenient mode parses valid messages identically');
      }),
      { numRuns: 500 },
    );
  });

  it('property - a batch formatted together parses back to the same messages', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { maxLength: 10 }), (msgs) => {
        const items = new LineParser().feed(formatMessages(msgs));
        assert.equal(items.length, msgs.length);
        items.forEach((item, i) => assert.ok(item instanceof Message && item.equals(msgs[i]!)));
      }),
      { numRuns: 200 },
    );
  });

  it('property - escape then unescape gives back any bytes', () => {
    fc.assert(
      fc.property(bytesArb(64), (raw) => {
        const esc = escapeArgument(raw);
        assert.ok(unescapeArgument(esc).equals(raw));
        assert.ok(unescapeArgument(esc, { lenient: true }).equals(raw));
        for (const x of esc) assert.ok(![0x00, 0x09, 0x0a, 0x0d, 0x1b, 0x20].includes(x));
      }),
      { numRuns: 500 },
    );
  });

  for (const lenient of [false, true]) {
    const mode = lenient ? 'lenient' : 'strict';

    it(`property (${mode}) - the parser never throws on random bytes, and what it returns is sound`, () => {
      fc.assert(
        fc.property(bytesArb(300), fc.integer({ min: 2, max: 64 }), (data, max) => {
          const parser = new LineParser({ lenient, maxLineLength: max });
          const items = [...parser.feed(data)];
          const tail = parser.end();
          if (tail !== undefined) items.push(tail);
          for (const item of items) {
            if (item instanceof KatcpSyntaxError) {
              assert.ok(item.position >= 1);
              continue;
            }
            assert.ok(item instanceof Message);
            const wire = item.toBytes();
            assert.ok(wire.length <= max || lenient, 'a strict message re-formats no longer than its line');
            assert.ok(Message.parse(wire, { lenient }).equals(item), 'what was parsed formats and re-parses');
          }
          assert.equal(parser.buffered, 0);
        }),
        { numRuns: 1000 },
      );
    });

    it(`property (${mode}) - Message.parse never throws anything but KatcpSyntaxError`, () => {
      fc.assert(
        fc.property(bytesArb(80), (data) => {
          try {
            Message.parse(data, { lenient });
          } catch (err) {
            assert.ok(err instanceof KatcpSyntaxError, String(err));
          }
        }),
        { numRuns: 1000 },
      );
    });

    it(`property (${mode}) - chunking a stream anywhere gives the same output as one feed`, () => {
      fc.assert(
        fc.property(
          streamArb,
          fc.array(fc.nat(), { maxLength: 20 }),
          fc.constantFrom(16 * 1024 * 1024, 64, 20, 8),
          (data, cuts, max) => {
            const whole = new LineParser({ lenient, maxLineLength: max });
            const expected = describeItems(whole.feed(data));
            const expectedEnd = whole.end();
            const split = new LineParser({ lenient, maxLineLength: max });
            assert.deepEqual(describeItems(feedSplit(split, data, cuts)), expected);
            const end = split.end();
            assert.equal(end?.kind, expectedEnd?.kind);
            assert.equal(end?.raw.toString('hex'), expectedEnd?.raw.toString('hex'));
          },
        ),
        { numRuns: 1000 },
      );
    });

    it(`property (${mode}) - byte-by-byte feeding matches one feed`, () => {
      fc.assert(
        fc.property(streamArb, (data) => {
          const expected = describeItems(new LineParser({ lenient, maxLineLength: 32 }).feed(data));
          const p = new LineParser({ lenient, maxLineLength: 32 });
          const got: Item[] = [];
          for (let i = 0; i < data.length; i++) got.push(...p.feed(data.subarray(i, i + 1)));
          assert.deepEqual(describeItems(got), expected);
        }),
        { numRuns: 300 },
      );
    });
  }
});
