import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ESCAPE_LETTER,
  UNESCAPE,
  UNESCAPE_INVALID,
  UNESCAPE_NOTHING,
  describeByte,
  escapeArgument,
  escapedLength,
  unescapeArgument,
} from '../../lib/codec/escape.js';
import { KatcpSyntaxError } from '../../lib/errors.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const s = (x: Buffer): string => x.toString('latin1');
const kind = (k: string, position: number) => (err: unknown): boolean => {
  assert.ok(err instanceof KatcpSyntaxError, String(err));
  assert.equal(err.kind, k);
  assert.equal(err.position, position);
  assert.match(err.message, new RegExp(`at byte ${position}$`));
  return true;
};

const PAIRS: [string, string][] = [
  ['\\', '\\\\'],
  [' ', '\\_'],
  ['\x00', '\\0'],
  ['\n', '\\n'],
  ['\r', '\\r'],
  ['\x1b', '\\e'],
  ['\t', '\\t'],
];

describe('escape', () => {
  it('escape - each special byte has its escape', () => {
    for (const [raw, esc] of PAIRS) {
      assert.equal(s(escapeArgument(b(raw))), esc);
      assert.equal(s(escapeArgument(b(`x${raw}y`))), `x${esc}y`);
      assert.equal(s(unescapeArgument(b(esc))), raw);
    }
  });

  it('escape - an empty argument is \\@', () => {
    assert.equal(s(escapeArgument(Buffer.alloc(0))), '\\@');
    assert.equal(escapedLength(Buffer.alloc(0)), 2);
    assert.equal(s(unescapeArgument(b('\\@'))), '');
  });

  it('escape - other bytes, including 0x80-0xFF and form feed, are left alone', () => {
    const raw = b('abc\x01\x0c\x0b\x7f\x80\xff[]?!#@_');
    assert.ok(escapeArgument(raw).equals(raw));
    assert.ok(unescapeArgument(raw).equals(raw));
  });

  it('escape - \\@ is accepted anywhere and contributes nothing', () => {
    assert.equal(s(unescapeArgument(b('a\\@b'))), 'ab');
    assert.equal(s(unescapeArgument(b('\\@a\\@\\@b\\@'))), 'ab');
  });

  it('escape - unescape rejects unknown escapes, a trailing backslash and raw special bytes', () => {
    assert.throws(() => unescapeArgument(b('ab\\q')), kind('invalid-escape', 3));
    assert.throws(() => unescapeArgument(b('\\N')), kind('invalid-escape', 1));
    assert.throws(() => unescapeArgument(b('a\\ b')), kind('invalid-escape', 2));
    assert.throws(() => unescapeArgument(b('ab\\')), kind('trailing-backslash', 3));
    assert.throws(() => unescapeArgument(b('a b')), kind('unescaped-special', 2));
    assert.throws(() => unescapeArgument(b('a\x00')), kind('unescaped-special', 2));
    assert.throws(() => unescapeArgument(b('\x1b')), kind('unescaped-special', 1));
    assert.throws(() => unescapeArgument(b('a\tb')), kind('unescaped-special', 2));
  });

  it('escape - lenient unescape passes unknown escapes through and accepts raw NUL/ESC', () => {
    assert.equal(s(unescapeArgument(b('\\x\\q\\_'), { lenient: true })), 'xq ');
    assert.equal(s(unescapeArgument(b('a\x00\x1b'), { lenient: true })), 'a\x00\x1b');
    assert.throws(() => unescapeArgument(b('a\\'), { lenient: true }), kind('trailing-backslash', 2));
    assert.throws(() => unescapeArgument(b('a b'), { lenient: true }), kind('unescaped-special', 2));
  });

  it('escape - escaping long arguments copies runs and matches a byte-by-byte reference', () => {
    const raw = Buffer.alloc(5000);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919) % 256;
    const reference = [...raw]
      .map((x) => PAIRS.find(([r]) => r.charCodeAt(0) === x)?.[1] ?? String.fromCharCode(x))
      .join('');
    const esc = escapeArgument(raw);
    assert.equal(s(esc), reference);
    assert.equal(escapedLength(raw), esc.length);
    assert.ok(unescapeArgument(esc).equals(raw));
  });

  it('escape - the lookup tables agree with each other', () => {
    let escaped = 0;
    for (let x = 0; x < 256; x++) {
      const letter = ESCAPE_LETTER[x]!;
      if (letter !== 0) {
        escaped++;
        assert.equal(UNESCAPE[letter], x);
      }
    }
    assert.equal(escaped, 7);
    assert.equal(UNESCAPE[0x40], UNESCAPE_NOTHING);
    const valid = [...UNESCAPE].filter((v) => v !== UNESCAPE_INVALID).length;
    assert.equal(valid, 8, 'eight escapes');
  });

  it('escape - describeByte names bytes readably for messages', () => {
    assert.equal(describeByte(0x71), 'q');
    assert.equal(describeByte(0x20), 'space');
    assert.equal(describeByte(0x00), '\\x00');
    assert.equal(describeByte(0xff), '\\xff');
  });
});
