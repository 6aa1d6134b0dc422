import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Message } from '../../lib/codec/message.js';
import { LineParser } from '../../lib/codec/parser.js';

/** `line`'s message parsed by a LineParser (entries in the shared arena) and by Message.parse. */
function parsedTwice(line: Buffer, lenient = false): Message[] {
  const fed = new LineParser({ lenient }).feed(Buffer.concat([line, Buffer.from('\n')]))[0];
  assert.ok(fed instanceof Message);
  return [fed, Message.parse(line, { lenient })];
}

/** Check argument 0 of `line` reads as `expected` (UTF-8 bytes decoded leniently by Buffer). */
function expectArg(line: Buffer, expected: Buffer, lenient = false): void {
  const text = expected.toString();
  for (const msg of parsedTwice(line, lenient)) {
    assert.equal(msg.arg(0), text, JSON.stringify(line.toString('latin1')));
    assert.deepEqual(msg.argBytes(0), expected, 'the bytes agree with the string');
  }
}

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('escaped argument strings', () => {
  it('arg - decodes escapes at the start, at the end and in the middle', () => {
    expectArg(latin1('#x \\_rack'), latin1(' rack'));
    expectArg(latin1('#x rack\\_'), latin1('rack '));
    expectArg(latin1('#x A\\_sensor\\_of\\_the\\_rack'), latin1('A sensor of the rack'));
  });

  it('arg - decodes an argument made only of escapes, each escape to its byte', () => {
    expectArg(latin1('#x \\0\\n\\t\\@\\_\\\\\\e\\r'), latin1('\0\n\t \\\x1b\r'));
    expectArg(latin1('#x \\@'), Buffer.alloc(0));
    expectArg(latin1('#x \\\\'), latin1('\\'));
  });

  it('arg - replaces invalid UTF-8 around an escape with U+FFFD, as Buffer.toString', () => {
    // A lead byte cut short by an escaped space.
    expectArg(latin1('#x caf\xc3\\_ok'), latin1('caf\xc3 ok'));
    assert.equal(Message.parse(latin1('#x caf\xc3\\_ok')).arg(0), 'caf\ufffd ok');
    // A lone continuation byte after an escape, and one at the very end.
    expectArg(latin1('#x \\_\xa9x\xa9'), latin1(' \xa9x\xa9'));
    // A two-byte character joined again once `\@` between its bytes decodes to nothing.
    expectArg(latin1('#x \xc3\\@\xa9'), latin1('\xc3\xa9'));
    assert.equal(Message.parse(latin1('#x \xc3\\@\xa9')).arg(0), 'é');
  });

  it('arg - passes an unknown escape through in lenient mode', () => {
    expectArg(latin1('#x a\\xb'), latin1('axb'), true);
  });

  it('arg - decodes a long escaped argument (beyond any scratch space) exactly', () => {
    const raw = Buffer.from('é_'.repeat(3000), 'utf8');
    const wire = Buffer.from('é\\_'.repeat(3000), 'utf8');
    expectArg(Buffer.concat([latin1('#x '), wire]), latin1(raw.toString('latin1').replace(/_/g, ' ')));
  });

  it('arg - each escaped argument of a line keeps its own text when several are read in turn', () => {
    for (const msg of parsedTwice(latin1('#x a\\_b c\\_d\\_e \\t'))) {
      const first = msg.arg(0);
      assert.deepEqual([msg.arg(1), msg.arg(2), first, msg.arg(0)], ['c d e', '\t', 'a b', 'a b']);
    }
  });

  it('arg - of any bytes sent as an argument reads as those bytes decoded as UTF-8', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ maxLength: 8 }), (a, b) => {
        const args = [Buffer.from(a), Buffer.from(b)];
        const wire = new Message('#', 'x', args).toBytes();
        const fed = new LineParser().feed(wire)[0] as Message;
        for (const msg of [fed, Message.parse(wire)]) {
          assert.equal(msg.arg(0), args[0]!.toString());
          assert.equal(msg.arg(1), args[1]!.toString());
        }
      }),
      { numRuns: 300 },
    );
  });
});
