import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { join, keyBytes, keyString, packQueryTimestamp, packTimestamp } from '../../lib/telstate/index.js';
import { GlobPattern } from '../../lib/telstate/glob.js';
import { packMember, splitMember } from '../../lib/telstate/timestamp.js';
import { hex, loadFixture } from './fixture-values.js';

interface Layout {
  query_bounds: { t: number | string; isEnd: boolean; includeEnd: boolean; hex: string }[];
  packed_timestamps: [number, string][];
}
const layout = loadFixture<Layout>('redis-layout.json');

describe('telstate keys - bytes and strings', () => {
  it('maps undecodable bytes to lone surrogates and back, like surrogateescape', () => {
    const raw = Buffer.from('undecodable\xff', 'latin1');
    const s = keyString(raw);
    assert.equal(s, 'undecodable\udcff');
    assert.deepEqual(keyBytes(s), raw);
    assert.equal(keyString(Buffer.from('café')), 'café');
    assert.deepEqual(keyBytes('café'), Buffer.from('café'));
    assert.throws(() => keyBytes('\ud800x'), /lone surrogate/);
  });

  it('round-trips any byte string through its string form', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (b) => Buffer.from(b).equals(keyBytes(keyString(b)))));
  });

  it('joins names with underscores', () => {
    assert.equal(join('m000', 'observer'), 'm000_observer');
  });
});

describe('telstate keys - Redis glob patterns', () => {
  const match = (pattern: string, key: string): boolean => new GlobPattern(Buffer.from(pattern, 'latin1')).matches(Buffer.from(key, 'latin1'));

  it('matches *, ? and literals over the whole key', () => {
    assert.ok(match('*', ''));
    assert.ok(match('ns_*', 'ns_key'));
    assert.ok(!match('ns_*', 'xns_key'));
    assert.ok(match('a?c', 'abc'));
    assert.ok(!match('a?c', 'ac'));
    assert.ok(match('*a*b*', 'xxaxxbxx'));
    assert.ok(!match('*a*b', 'xxaxxbxx'));
  });

  it('handles classes: negation, reversed ranges, escapes, [] and [^], unterminated classes', () => {
    assert.ok(match('[abc]', 'b'));
    assert.ok(!match('[^abc]', 'b'));
    assert.ok(match('[z-a]', 'q'), 'reversed range ends are swapped');
    assert.ok(match('[\\]]', ']'));
    assert.ok(!match('[]', ']'));
    assert.ok(!match('x[]', 'x'));
    assert.ok(match('[^]', 'q'));
    assert.ok(match('[ab', 'a'), 'an unterminated class still applies');
    assert.ok(match('\\*', '*'));
    assert.ok(!match('\\*', 'a'));
    assert.ok(match('a\\', 'a\\'), 'a trailing backslash is literal');
  });
});

describe('telstate timestamps - packing and query bounds', () => {
  it('packs timestamps big-endian so bytes sort like times', () => {
    for (const [t, h] of layout.packed_timestamps) assert.equal(hex(packTimestamp(t)), h);
    assert.equal(hex(packTimestamp(-0)), '0000000000000000');
    fc.assert(
      fc.property(fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }), fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }), (a, b) =>
        Math.sign(Buffer.compare(packTimestamp(a), packTimestamp(b))) === Math.sign(a - b),
      ),
    );
  });

  it('builds ZRANGEBYLEX bounds as katsdptelstate does', () => {
    for (const q of layout.query_bounds) {
      const t = q.t === 'inf' ? Infinity : (q.t as number);
      assert.equal(hex(packQueryTimestamp(t, q.isEnd, q.includeEnd)), q.hex, JSON.stringify(q));
    }
  });

  it('splits members into value and time', () => {
    const [v, t] = splitMember(packMember(1234567890.5, Buffer.from([0xff, 0xa1, 0x63])));
    assert.equal(hex(v), 'ffa163');
    assert.equal(t, 1234567890.5);
  });
});
