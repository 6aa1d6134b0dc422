import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KatcpTypeError } from '../../lib/errors.js';
import { decodeInteger, formatInteger, isIntegerValue } from '../../lib/codec/integer.js';

describe('decodeInteger', () => {
  it('gives a number for safe integers and a bigint beyond 2^53', () => {
    assert.equal(decodeInteger('9007199254740991'), Number.MAX_SAFE_INTEGER);
    assert.equal(decodeInteger('-9007199254740991'), -Number.MAX_SAFE_INTEGER);
    assert.equal(decodeInteger('9007199254740992'), 9007199254740992n);
    assert.equal(decodeInteger('18446744073709551615'), 2n ** 64n - 1n);
    assert.equal(decodeInteger('000000000000000000000042'), 42);
  });

  it('is lenient like Python int(): sign, underscores, whitespace; -0 is 0', () => {
    assert.equal(decodeInteger('+5'), 5);
    assert.equal(decodeInteger('1_000_000'), 1_000_000);
    assert.equal(decodeInteger(' \t42\r\n'), 42);
    assert.ok(Object.is(decodeInteger('-0'), 0));
    assert.equal(decodeInteger('-1_000_000_000_000_000_000'), -(10n ** 18n));
  });

  it('refuses 1.5, 1e3, 0x10 with the Python message', () => {
    for (const bad of ['1.5', '1e3', '0x10', '123.0', '', '+', '1_', '_1', '1__0', '--1', 'nan', '1 2', '٣']) {
      assert.throws(() => decodeInteger(bad), (e: unknown) => {
        assert.ok(e instanceof KatcpTypeError);
        assert.equal(e.typeName, 'integer');
        assert.match(e.message, /^invalid literal for int\(\) with base 10: b/);
        return true;
      }, bad);
    }
    assert.throws(() => decodeInteger(Buffer.from('1.5')), { message: "invalid literal for int() with base 10: b'1.5'" });
  });

  it('refuses more than 4300 digits like Python, so a peer cannot stall the parser', () => {
    assert.equal(decodeInteger('9'.repeat(4300)), 10n ** 4300n - 1n);
    assert.equal(decodeInteger('-' + '1_'.repeat(4299) + '1'), -BigInt('1'.repeat(4300)));
    assert.throws(() => decodeInteger('1'.repeat(4301)), {
      message: 'Exceeds the limit (4300 digits) for integer string conversion: value has 4301 digits',
    });
  });

  it('property: plain digit strings (the fast path up to 15 digits, the full parser beyond) decode exactly', () => {
    const digits = fc.string({ unit: fc.constantFrom('0', '1', '2', '5', '9'), minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(fc.boolean(), digits, (neg, d) => {
        const text = `${neg ? '-' : ''}${d}`;
        const big = BigInt(text);
        const want = big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
        const got = decodeInteger(Buffer.from(text));
        assert.ok(Object.is(got, want === 0 ? 0 : want), text);
      }),
      { numRuns: 5000 },
    );
  });

  it('property: decode(format(n)) is n for any bigint, normalised to number when safe', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }), (n) => {
      const v = decodeInteger(formatInteger(n));
      return typeof v === 'number' ? Number.isSafeInteger(v) && BigInt(v) === n : v === n && (n > 2n ** 53n - 1n || n < -(2n ** 53n - 1n));
    }), { numRuns: 3000 });
  });
});

describe('formatInteger', () => {
  it('writes integers, -0 as 0, and numbers beyond 2^53 with all digits', () => {
    assert.equal(formatInteger(0), '0');
    assert.equal(formatInteger(-0), '0');
    assert.equal(formatInteger(-546), '-546');
    assert.equal(formatInteger(1e20), '100000000000000000000');
    assert.equal(formatInteger(2n ** 64n), '18446744073709551616');
  });

  it('refuses non-integers', () => {
    for (const bad of [1.5, NaN, Infinity, -Infinity]) assert.throws(() => formatInteger(bad), KatcpTypeError);
    assert.throws(() => formatInteger('5' as unknown as number), KatcpTypeError);
  });

  it('isIntegerValue', () => {
    assert.equal(isIntegerValue(5), true);
    assert.equal(isIntegerValue(5n), true);
    assert.equal(isIntegerValue(5.5), false);
    assert.equal(isIntegerValue('5'), false);
  });
});
