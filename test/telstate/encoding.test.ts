import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Complex,
  DecodeError,
  EncodeError,
  Float64,
  NdArray,
  NumpyScalar,
  PickledValueError,
  Tuple,
  decodeValue,
  encodeValue,
  equalEncodedValues,
} from '../../lib/telstate/index.js';
import type { TelstateValue } from '../../lib/telstate/index.js';
import { hex, loadFixture, revive, unhex } from './fixture-values.js';

interface EncodingFixture {
  values: { python: string; value: unknown; hex: string }[];
  pickles: { python: string; hex: string }[];
}
const fixture = loadFixture<EncodingFixture>('encoding.json');

/** What decodeValue returns by default: Float64 becomes a plain number. */
function plain(v: unknown): unknown {
  if (v instanceof Float64) return v.value;
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Tuple) return new Tuple(v.items.map(plain));
  if (v instanceof Map) return new Map([...(v as Map<unknown, unknown>)].map(([k, x]) => [plain(k), plain(x)]));
  return v;
}

describe('telstate encoding - golden vectors from katsdptelstate', () => {
  for (const { python, value, hex: expected } of fixture.values) {
    it(`encodes ${python} exactly as Python does`, () => {
      assert.equal(hex(encodeValue(revive(value))), expected);
    });
    it(`decodes ${python} and re-encodes the same bytes`, () => {
      assert.deepEqual(decodeValue(unhex(expected)), plain(revive(value)));
      const exact = decodeValue(unhex(expected), { wrapFloats: true });
      assert.equal(hex(encodeValue(exact)), expected);
    });
  }

  for (const { python, hex: bytes } of fixture.pickles) {
    it(`refuses the ${python} with a clear PickledValueError, never running it`, () => {
      assert.throws(() => decodeValue(unhex(bytes)), (err: unknown) => {
        assert.ok(err instanceof PickledValueError);
        assert.ok(err instanceof DecodeError);
        assert.match(err.message, /pickled values.*security risk.*March 2019/s);
        return true;
      });
    });
  }
});

describe('telstate encoding - TypeScript values', () => {
  it('encodes integral numbers as ints, others (and -0) as float64, Float64 always as float64', () => {
    assert.equal(hex(encodeValue(1)), 'ff01');
    assert.equal(hex(encodeValue(new Float64(1))), 'ffcb3ff0000000000000');
    assert.equal(hex(encodeValue(-0)), 'ffcb8000000000000000');
    assert.equal(hex(encodeValue(2 ** 60)), 'ffcb43b0000000000000', 'unsafe integers are taken as floats');
    assert.equal(hex(encodeValue(-Infinity)), 'ffcbfff0000000000000');
  });

  it('decodes floats as numbers by default and as Float64 with wrapFloats', () => {
    assert.equal(decodeValue(unhex('ffcb3ff0000000000000')), 1);
    assert.deepEqual(decodeValue(unhex('ffcb3ff0000000000000'), { wrapFloats: true }), new Float64(1));
    assert.ok(Object.is(decodeValue(unhex('ffcb8000000000000000')), -0));
    assert.equal(decodeValue(unhex('ffca40b00000')), 5.5, 'float32 is accepted');
  });

  it('uses bigint only beyond 2^53 and rejects integers beyond 64 bits', () => {
    assert.equal(decodeValue(unhex('ffcf0000000000000005')), 5);
    assert.equal(decodeValue(unhex('ffcfffffffffffffffff')), 2n ** 64n - 1n);
    assert.equal(hex(encodeValue(5n)), 'ff05');
    assert.throws(() => encodeValue(2n ** 64n), EncodeError);
    assert.throws(() => encodeValue(-(2n ** 63n) - 1n), EncodeError);
  });

  it('keeps map insertion order, including integer-like string keys, and bytes keys', () => {
    const m = new Map<TelstateValue, TelstateValue>([['b', 1], ['1', 2], [new Uint8Array([0xff]), 3]]);
    const enc = encodeValue(m);
    assert.equal(hex(enc), 'ff83a16201a13102c401ff03');
    assert.deepEqual([...(decodeValue(enc) as Map<unknown, unknown>).keys()], ['b', '1', new Uint8Array([0xff])]);
    assert.equal(hex(encodeValue({ b: 1, a: [true] })), 'ff82a16201a16191c3', 'plain objects are maps');
  });

  it('refuses map keys Python cannot decode, in both directions', () => {
    assert.throws(() => encodeValue(new Map([[1, 'x']])), /only str and bytes keys/);
    assert.throws(() => decodeValue(unhex('ff8101a178')), (e: unknown) => e instanceof DecodeError && /not allowed for map key/.test(e.message));
  });

  it('refuses what has no telstate encoding with EncodeError', () => {
    for (const bad of [undefined, new Set([1]), () => 1, Symbol('x'), new Float32Array(2), new Date(0), { a: undefined }, '\ud800']) {
      assert.throws(() => encodeValue(bad), EncodeError, String(typeof bad));
    }
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    assert.throws(() => encodeValue(cyclic), /nested too deeply/);
  });

  it('encodes ext headers with the smallest form (fixext, ext8, ext16)', () => {
    assert.equal(hex(encodeValue(new Complex(0, 0))).slice(0, 6), 'ffd802');
    const big = NdArray.from(new Int32Array(100));
    assert.equal(hex(encodeValue(big)).slice(0, 8), 'ffc80210', 'ext16 with a 528-byte body');
  });

  it('round-trips numpy scalars and arrays of many dtypes byte for byte', () => {
    const values: unknown[] = [
      NumpyScalar.from('>f8', 1.25),
      NumpyScalar.from('<u2', 65535),
      NumpyScalar.from('|i1', -128),
      NumpyScalar.from('<f2', 0.333251953125),
      NumpyScalar.from('<c8', new Complex(1.5, -2)),
      NumpyScalar.from('<M8[ns]', 1_700_000_000_000_000_000n),
      NumpyScalar.from([['x', '<f8'], ['y', '<i2', [2]]], { x: 1.5, y: [1, -1] }),
      NdArray.from([[1.5, 2.5], [3.5, 4.5]]),
      NdArray.from([true, false, true]),
      NdArray.from(['a', 'bcd']),
      NdArray.from([{ x: 1, y: [2, 3] }, { x: 4, y: [5, 6] }], { dtype: [['x', '<f8'], ['y', '<i8', [2]]] }),
      new Tuple([NdArray.from(new Float64Array([1, 2])), NumpyScalar.bool(true), new Complex(NaN, Infinity)]),
    ];
    for (const v of values) {
      const enc = encodeValue(v);
      const dec = decodeValue(enc);
      assert.deepEqual(dec, v);
      assert.equal(hex(encodeValue(dec)), hex(enc));
    }
  });

  it('writes a structured-array scalar descr as a msgpack list of tuples, as numpy.descr gives it', () => {
    const s = NumpyScalar.from([['a', '<i4']], { a: 7 });
    // ext 4 body: msgpack([('a', '<i4')]) (a list holding one tuple ext), then the raw item
    const body = encodeValue(s).subarray(3);
    assert.equal(hex(body), '04' + '91c70701' + '92a161a33c6934' + '07000000');
  });
});

describe('telstate encoding - the immutable "same value" rule', () => {
  it('accepts identical bytes and str/bytes with the same UTF-8, nothing else', () => {
    assert.ok(equalEncodedValues(encodeValue('café'), encodeValue(Buffer.from('café'))));
    assert.ok(equalEncodedValues(encodeValue(new Uint8Array([0, 0xff])), encodeValue(new Uint8Array([0, 0xff]))));
    assert.ok(!equalEncodedValues(encodeValue('cafe'), encodeValue('café')));
    assert.ok(!equalEncodedValues(encodeValue(1), encodeValue(new Float64(1))));
    assert.ok(!equalEncodedValues(encodeValue(Tuple.of(1)), encodeValue([1])));
  });
});

describe('telstate encoding - corrupt and malicious bytes', () => {
  it('reports empty values, reserved markers and trailing bytes', () => {
    assert.throws(() => decodeValue(new Uint8Array()), /empty value/);
    assert.throws(() => decodeValue(unhex('fe00')), /unrecognised header byte b'\\xfe'/);
    assert.throws(() => decodeValue(unhex('ff0000')), /extra data/);
    assert.throws(() => decodeValue(unhex('ffc1')), DecodeError);
    assert.throws(() => decodeValue(unhex('ffd40901')), /unknown extension type 9/);
    assert.throws(() => decodeValue(unhex('ffd4ff00')), /unknown extension type -1/);
    assert.throws(() => decodeValue(unhex('ffd40101')), /incorrectly encoded tuple/);
    assert.throws(() => decodeValue(unhex('ffd60200000000')), /wrong length for COMPLEX128/);
    assert.throws(() => decodeValue(unhex('ffa2c328')), /can't decode/);
  });

  it('fails fast on lengths larger than the input instead of allocating them', () => {
    assert.throws(() => decodeValue(unhex('ffdbffffffff')), DecodeError);
    assert.throws(() => decodeValue(unhex('ffddffffffff')), DecodeError);
    assert.throws(() => decodeValue(unhex('ffdfffffffff')), DecodeError);
    assert.throws(() => decodeValue(unhex('ffc9ffffffff03')), DecodeError);
  });

  it('refuses numpy object dtypes and bad npy headers', () => {
    assert.throws(() => NumpyScalar.from('|O', 1), EncodeError);
    const scalarWithObject = unhex('ffd604a37c4f38'.padEnd(14, '0'));
    assert.throws(() => decodeValue(scalarWithObject), DecodeError);
    assert.throws(() => decodeValue(unhex('ffc70503934e554d50')), DecodeError);
  });

  it('limits nesting depth', () => {
    const deep = Buffer.concat([Buffer.of(0xff), Buffer.alloc(5000, 0x91), Buffer.of(0xc0)]);
    assert.throws(() => decodeValue(deep), /nested too deeply/);
  });

  it('changing or truncating any byte of a rich value only ever raises DecodeError', () => {
    const value = [
      Tuple.of('a', 1, [2.5, null]),
      new Complex(1, 2),
      NumpyScalar.float64(5.5),
      NdArray.from([[1, 2], [3, 4]], { dtype: '<i4' }),
      new Map([['k', new Uint8Array([1, 2])]]),
      -33,
      2 ** 40,
    ];
    const good = encodeValue(value);
    const check = (bytes: Uint8Array): void => {
      try {
        decodeValue(bytes);
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
      }
    };
    for (let i = 0; i < good.length; i++) {
      for (let b = 0; b < 256; b++) {
        const bad = Buffer.from(good);
        bad[i] = b;
        check(bad);
      }
      check(good.subarray(0, i));
    }
  });

  it('fuzz: arbitrary bytes after the msgpack marker never throw anything but DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => {
        try {
          decodeValue(Buffer.concat([Buffer.of(0xff), tail]));
        } catch (err) {
          return err instanceof DecodeError;
        }
        return true;
      }),
      { numRuns: 20000 },
    );
  });

  it('fuzz: mutated valid encodings never throw anything but DecodeError', () => {
    const leaf = fc.oneof(
      fc.integer(),
      fc.double(),
      fc.string(),
      fc.boolean(),
      fc.constant(null),
      fc.uint8Array({ maxLength: 8 }),
      fc.double().map((x) => NumpyScalar.float64(x)),
      fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 4 }).map((a) => NdArray.from(a, { dtype: '<i2' })),
    );
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 3 }), fc.array(tie('v'), { maxLength: 3 }).map((a) => new Tuple(a))),
    })).v;
    fc.assert(
      fc.property(value, fc.nat(), fc.integer({ min: 0, max: 255 }), (v, pos, byte) => {
        const enc = Buffer.from(encodeValue(v));
        assert.deepEqual(encodeValue(decodeValue(enc, { wrapFloats: true })), enc, 'valid values round-trip');
        enc[1 + (pos % (enc.length - 1))] = byte;
        try {
          decodeValue(enc);
        } catch (err) {
          return err instanceof DecodeError;
        }
        return true;
      }),
      { numRuns: 3000 },
    );
  });
});
