import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { KatcpTypeError } from '../../lib/errors.js';
import { ProtocolFlags } from '../../lib/codec/protocol-flags.js';

describe('ProtocolFlags', () => {
  it('parses 5.1-MIB (what aiokatcp sends)', () => {
    const f = ProtocolFlags.parse('5.1-MIB');
    assert.equal(f.major, 5);
    assert.equal(f.minor, 1);
    assert.deepEqual([...f.flags], ['M', 'I', 'B']);
    assert.equal(f.multiClient, true);
    assert.equal(f.messageIds, true);
    assert.equal(f.bulkSetSensorSampling, true);
    assert.equal(f.requestTimeoutHints, false);
    assert.equal(f.toString(), '5.1-MIB');
  });

  it('parses 5.0-IM, 4.9-M and 5.0 without flags', () => {
    const a = ProtocolFlags.parse('5.0-IM');
    assert.equal(a.messageIds && a.multiClient, true);
    assert.equal(a.toString(), '5.0-IM');
    const b = ProtocolFlags.parse(Buffer.from('4.9-M'));
    assert.equal(b.major, 4);
    assert.equal(b.minor, 9);
    assert.equal(b.messageIds, false);
    assert.equal(b.multiClient, true);
    const c = ProtocolFlags.parse('5.0');
    assert.equal(c.flags.size, 0);
    assert.equal(c.multiClient, false);
    assert.equal(c.toString(), '5.0');
  });

  it('keeps unknown flag characters and the T flag', () => {
    const f = ProtocolFlags.parse('5.1-MIBTXz');
    assert.equal(f.requestTimeoutHints, true);
    assert.equal(f.has('X'), true);
    assert.equal(f.has('z'), true);
    assert.equal(f.toString(), '5.1-MIBTXz');
  });

  it('refuses malformed text with a KatcpTypeError naming the bytes', () => {
    for (const bad of ['', '5', '5.', '.1', '5.1-', 'v5.1', '5.1 MIB', '5.1-M I', '5.1--M', 'a.b', '5.1.2', '-5.1', '5.1-MI\n']) {
      assert.throws(() => ProtocolFlags.parse(bad), (e: unknown) => e instanceof KatcpTypeError && e.raw !== undefined && e.raw.equals(Buffer.from(bad)), JSON.stringify(bad));
    }
    assert.throws(() => ProtocolFlags.parse('5.x'), { message: "b'5.x' is not a KATCP protocol version (major.minor[-FLAGS])" });
  });

  it('constructor takes a flag string or iterable and validates', () => {
    assert.equal(new ProtocolFlags(5, 0, 'MI').toString(), '5.0-MI');
    assert.equal(new ProtocolFlags(5, 0, new Set(['I', 'M'])).toString(), '5.0-IM');
    assert.equal(new ProtocolFlags(4, 0).toString(), '4.0');
    assert.equal(new ProtocolFlags(5, 0, 'MMI').toString(), '5.0-MI');
    assert.throws(() => new ProtocolFlags(5, 0, ['MI']), KatcpTypeError);
    assert.throws(() => new ProtocolFlags(5, 0, 'M I'), KatcpTypeError);
    assert.throws(() => new ProtocolFlags(5.5, 0), KatcpTypeError);
    assert.throws(() => new ProtocolFlags(-1, 0), KatcpTypeError);
  });

  it('equals ignores flag order', () => {
    assert.ok(ProtocolFlags.parse('5.0-MI').equals(ProtocolFlags.parse('5.0-IM')));
    assert.ok(!ProtocolFlags.parse('5.0-MI').equals(ProtocolFlags.parse('5.1-MI')));
    assert.ok(!ProtocolFlags.parse('5.0-MI').equals(ProtocolFlags.parse('5.0-M')));
    assert.ok(!ProtocolFlags.parse('5.0').equals('5.0'));
  });
});

interface FlagsVector {
  text: string;
  major?: number;
  minor?: number;
  flags?: string;
  canonical?: string;
  multiClient?: boolean;
  messageIds?: boolean;
  bulkSetSensorSampling?: boolean;
  requestTimeoutHints?: boolean;
  error?: string;
}

describe('ProtocolFlags - golden vectors (fixtures/codec/protocol-flags.json)', () => {
  const file = new URL('../../fixtures/codec/protocol-flags.json', import.meta.url);
  const vectors = (JSON.parse(readFileSync(file, 'utf8')) as { cases: FlagsVector[] }).cases;

  it('golden - the fixture holds valid and invalid cases', () => {
    assert.ok(vectors.filter((v) => v.error === undefined).length >= 10);
    assert.ok(vectors.filter((v) => v.error !== undefined).length >= 10);
  });

  for (const v of vectors) {
    if (v.error !== undefined) {
      it(`golden - ${JSON.stringify(v.text)} is refused`, () => {
        assert.throws(() => ProtocolFlags.parse(Buffer.from(v.text, 'latin1')), (e: unknown) => e instanceof KatcpTypeError && e.message === v.error);
      });
      continue;
    }
    it(`golden - ${JSON.stringify(v.text)} parses and formats back`, () => {
      const f = ProtocolFlags.parse(v.text);
      assert.deepEqual(
        [f.major, f.minor, [...f.flags].join(''), f.multiClient, f.messageIds, f.bulkSetSensorSampling, f.requestTimeoutHints],
        [v.major, v.minor, v.flags, v.multiClient, v.messageIds, v.bulkSetSensorSampling, v.requestTimeoutHints],
      );
      assert.equal(f.toString(), v.canonical ?? v.text);
      assert.ok(ProtocolFlags.parse(f.toString()).equals(f));
    });
  }
});
