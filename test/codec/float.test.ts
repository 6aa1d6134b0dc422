import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { KatcpTypeError } from '../../lib/errors.js';
import { decodeFloat, decodeSimpleDecimal, formatFloat } from '../../lib/codec/float.js';

const table = (JSON.parse(readFileSync(new URL('../../fixtures/codec/float-repr.json', import.meta.url), 'utf8')) as {
  cases: { bits: string; repr: string }[];
}).cases;

function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt('0x' + hex));
  return view.getFloat64(0);
}

describe('formatFloat', () => {
  it('matches Python repr(float) on the fixture table of tricky and random doubles', () => {
    assert.ok(table.length > 700);
    for (const { bits, repr } of table) assert.equal(formatFloat(fromBits(bits)), repr, `bits ${bits}`);
  });

  it('uses fixed notation for exponents -4..15 and scientific otherwise', () => {
    const cases: [number, string][] = [
      [5, '5.0'], [123456789, '123456789.0'], [1700000000.123, '1700000000.123'], [1e15, '1000000000000000.0'],
      [1e16, '1e+16'], [1e20, '1e+20'], [1.5e300, '1.5e+300'], [1e-4, '0.0001'], [1e-5, '1e-05'], [1.5e-7, '1.5e-07'],
      [5e-324, '5e-324'], [-2.5e-5, '-2.5e-05'], [0.1 + 0.2, '0.30000000000000004'],
    ];
    for (const [x, want] of cases) assert.equal(formatFloat(x), want);
  });

  it('writes specials and negative zero like Python', () => {
    assert.equal(formatFloat(NaN), 'nan');
    assert.equal(formatFloat(Infinity), 'inf');
    assert.equal(formatFloat(-Infinity), '-inf');
    assert.equal(formatFloat(0), '0.0');
    assert.equal(formatFloat(-0), '-0.0');
  });

  it('property: parse(formatFloat(x)) is x for every double, bit for bit', () => {
    fc.assert(fc.property(fc.double(), (x) => Object.is(decodeFloat(formatFloat(x)), x)), { numRuns: 20000 });
  });

  it('property: formatFloat has the same digits as JavaScript String(x)', () => {
    // Both are the shortest round-trip digits; only the layout differs.
    const digits = (s: string): string => s.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => x !== 0), (x) => digits(formatFloat(x)) === digits(String(x))), { numRuns: 5000 });
  });
});

describe('decodeFloat', () => {
  it('property: the plain-decimal fast path gives exactly Number(text), bit for bit, or steps aside', () => {
    const digits = fc.string({ unit: fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9'), minLength: 1, maxLength: 20 });
    const plain = fc.tuple(fc.boolean(), digits, fc.option(digits)).map(([neg, int, frac]) => `${neg ? '-' : ''}${int}${frac === null ? '' : '.' + frac}`);
    fc.assert(
      fc.property(plain, (text) => {
        const fast = decodeSimpleDecimal(Buffer.from(text));
        if (fast !== undefined) assert.ok(Object.is(fast, Number(text)), text);
        assert.ok(Object.is(decodeFloat(text), Number(text)), text);
      }),
      { numRuns: 20000 },
    );
    assert.ok(Object.is(decodeSimpleDecimal(Buffer.from('-0.0')), -0));
    assert.equal(decodeSimpleDecimal(Buffer.from('1700000000.25')), 1700000000.25);
    for (const other of ['', '-', '.5', '5.', '1.2.3', '+5', ' 5', '1e3', '1_0', '-.5', 'nan', '9007199254740993', '0.00000000000000000000001']) {
      assert.equal(decodeSimpleDecimal(Buffer.from(other)), undefined, other);
    }
  });

  it('accepts Python forms', () => {
    const cases: [string, number][] = [
      ['+5', 5], ['1_000.5', 1000.5], ['.5', 0.5], ['5.', 5], [' 3.25\t', 3.25], ['1e3', 1000], ['1E-2', 0.01], ['1_0e1_0', 1e11],
      ['inf', Infinity], ['-INF', -Infinity], ['infinity', Infinity], ['+Infinity', Infinity], ['1e400', Infinity],
    ];
    for (const [text, want] of cases) assert.equal(decodeFloat(text), want, text);
    assert.ok(Number.isNaN(decodeFloat('nan')));
    assert.ok(Number.isNaN(decodeFloat('-NaN')));
    assert.ok(Object.is(decodeFloat('-0'), -0));
  });

  it('accepts JavaScript forms', () => {
    assert.equal(decodeFloat('Infinity'), Infinity);
    assert.equal(decodeFloat('-Infinity'), -Infinity);
    assert.ok(Number.isNaN(decodeFloat('NaN')));
    assert.equal(decodeFloat('1e-7'), 1e-7);
    assert.equal(decodeFloat('1e+21'), 1e21);
  });

  it('refuses hex, junk and misplaced underscores with Python messages', () => {
    for (const bad of ['0x10', '', ' ', '.', 'e5', '1e', '1_', '_1', '1__0', '1_.5', '1.5.', 'infi', '1,5', '0b1', '1j', '５']) {
      assert.throws(() => decodeFloat(bad), (e: unknown) => {
        assert.ok(e instanceof KatcpTypeError);
        assert.equal(e.typeName, 'float');
        assert.match(e.message, /^could not convert string to float: b'/);
        return true;
      }, bad);
    }
    assert.throws(() => decodeFloat(Buffer.from('0x10')), { message: "could not convert string to float: b'0x10'" });
    assert.throws(() => decodeFloat(Buffer.from([0x31, 0xff])), { message: "could not convert string to float: b'1\\xff'" });
  });

  it('cuts very long offending input in the error message', () => {
    const err = (() => {
      try {
        decodeFloat('x'.repeat(100_000));
      } catch (e) {
        return e as KatcpTypeError;
      }
      return undefined;
    })();
    assert.ok(err instanceof KatcpTypeError);
    assert.ok(err.message.length < 300);
    assert.equal(err.raw?.length, 100_000);
  });
});
