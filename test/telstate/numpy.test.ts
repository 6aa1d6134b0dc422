import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Complex, DType, DecodeError, EncodeError, NdArray, NumpyScalar, TelstateError, decodeValue, encodeValue } from '../../lib/telstate/index.js';
import { decodeNpy, encodeNpy } from '../../lib/telstate/npy.js';
import { halfToNumber, numberToHalf } from '../../lib/telstate/elements.js';

const npyHeader = (npy: Uint8Array): string => Buffer.from(npy).subarray(10, 10 + Buffer.from(npy).readUInt16LE(8)).toString('latin1');

describe('telstate numpy - dtypes', () => {
  it('parses and prints simple dtypes as numpy writes them', () => {
    assert.equal(DType.from('<f8').str, '<f8');
    assert.equal(DType.from('f8').str, '<f8');
    assert.equal(DType.from('=i4').str, '<i4');
    assert.equal(DType.from('<i1').str, '|i1', 'single bytes have no byte order');
    assert.equal(DType.from('<U3').itemsize, 12, 'U counts characters of 4 bytes');
    assert.equal(DType.from('>c16').byteOrder, '>');
    assert.equal(DType.from('<M8[ns]').descrRepr(), "'<M8[ns]'");
  });

  it('refuses object dtypes and invalid sizes', () => {
    assert.throws(() => DType.from('|O'), /contains objects/);
    assert.throws(() => DType.from('<i3'), EncodeError);
    assert.throws(() => DType.from('<b2'), EncodeError);
    assert.throws(() => DType.from('nonsense'), EncodeError);
    assert.throws(() => DType.from([['a', '<i4'], ['a', '<f8']]), /duplicate field/);
  });

  it('prints structured descrs like Python, with sub-arrays, titles and nesting', () => {
    const dt = DType.from([['x', '<f8'], [['T', 'y'], '<i2', [3, 3]], ['p', [['a', '|u1']]]]);
    assert.equal(dt.descrRepr(), "[('x', '<f8'), (('T', 'y'), '<i2', (3, 3)), ('p', [('a', '|u1')])]");
    assert.equal(dt.itemsize, 8 + 18 + 1);
    assert.deepEqual(dt.fields?.map((f) => f.offset), [0, 8, 26]);
  });
});

describe('telstate numpy - .npy files', () => {
  it("writes numpy 1.24's header: fixed key order, growth-axis spaces, 64-byte alignment", () => {
    const npy = encodeNpy(NdArray.from([1, 2, 3], { dtype: '<i4' }));
    const header = npyHeader(npy);
    assert.equal(header.trimEnd(), "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }");
    assert.equal((10 + header.length) % 64, 0);
    assert.equal(header.length, 0x76);
    const scalar0d = npyHeader(encodeNpy(new NdArray('<f8', [], new Uint8Array(8))));
    assert.match(scalar0d, /'shape': \(\), \} +\n$/);
    assert.match(npyHeader(encodeNpy(NdArray.from([[1, 2]], { dtype: '|u1' }))), /'shape': \(1, 2\), \}/);
  });

  it("encodes the upstream tests' 2x3 structured array with a sub-array field as a 260-byte ext16 body", () => {
    const dtype = [['a', '<i4'], ['b', '<i2', [3, 3]]];
    const zeros = new NdArray(dtype, [2, 3], new Uint8Array(6 * 22));
    const enc = encodeValue(zeros);
    assert.equal(Buffer.from(enc).subarray(0, 5).toString('hex'), 'ffc8010403', 'ext16, 0x0104 = 260 bytes, type 3');
    assert.equal(npyHeader(enc.subarray(5)).trimEnd(), "{'descr': [('a', '<i4'), ('b', '<i2', (3, 3))], 'fortran_order': False, 'shape': (2, 3), }");
    assert.ok((decodeValue(enc) as NdArray).equals(zeros));
  });

  it('reads versions 2 and 3 and any padding', () => {
    const body = Buffer.from("{'descr': '<u2', 'fortran_order': False, 'shape': (2,)}\n");
    for (const [major, size] of [[2, 4], [3, 4], [1, 2]] as const) {
      const len = Buffer.alloc(size);
      if (size === 2) len.writeUInt16LE(body.length);
      else len.writeUInt32LE(body.length);
      const npy = Buffer.concat([Buffer.from('\x93NUMPY', 'latin1'), Buffer.of(major, 0), len, body, Buffer.of(1, 0, 2, 0)]);
      assert.deepEqual(decodeNpy(npy).toArray(), [1, 2]);
    }
  });

  it('reports truncated data, bad magic, bad headers and unsupported versions', () => {
    const good = encodeNpy(NdArray.from([1, 2, 3], { dtype: '<i4' }));
    assert.throws(() => decodeNpy(good.subarray(0, good.length - 1)), /EOF: reading array data/);
    assert.throws(() => decodeNpy(Buffer.from('hello world!')), /magic string/);
    const v9 = Buffer.from(good);
    v9[6] = 9;
    assert.throws(() => decodeNpy(v9), /format version/);
    const badHeader = Buffer.from(good);
    badHeader.write("{'descr': __import__('os')", 10, 'latin1');
    assert.throws(() => decodeNpy(badHeader), DecodeError);
    const huge = Buffer.from(good);
    huge.write("{'descr': '<i4', 'fortran_order': False, 'shape': (99999999999,), }", 10, 'latin1');
    assert.throws(() => decodeNpy(huge), /EOF/);
  });

  it('keeps Fortran order and reads it in logical order', () => {
    // A 2x3 array [[1,2,3],[4,5,6]] stored column-major.
    const data = new Uint8Array([1, 4, 2, 5, 3, 6]);
    const a = new NdArray('|u1', [2, 3], data, { fortranOrder: true });
    assert.deepEqual(a.toArray(), [[1, 2, 3], [4, 5, 6]]);
    assert.match(npyHeader(encodeNpy(a)), /'fortran_order': True, 'shape': \(2, 3\), \} {20}/, 'growth axis is the last for Fortran order');
    assert.ok((decodeValue(encodeValue(a)) as NdArray).equals(a));
  });
});

describe('telstate numpy - values', () => {
  it('builds arrays from typed arrays and nested arrays, inferring dtypes like numpy', () => {
    assert.equal(NdArray.from(new Float32Array([1])).dtype.str, '<f4');
    assert.equal(NdArray.from(new BigInt64Array([1n])).dtype.str, '<i8');
    assert.equal(NdArray.from([1, 2]).dtype.str, '<i8');
    assert.equal(NdArray.from([1, 2.5]).dtype.str, '<f8');
    assert.equal(NdArray.from([new Complex(1, 1), 2]).dtype.str, '<c16');
    assert.equal(NdArray.from(['a', 'héllo']).dtype.str, '<U5');
    assert.deepEqual(NdArray.from([[1, 2], [3, 4]]).shape, [2, 2]);
    assert.throws(() => NdArray.from([[1, 2], [3]]), /rectangular/);
    assert.throws(() => NdArray.from([1, 2, 3], { shape: [2, 2] }), /does not match/);
    assert.throws(() => NdArray.from([{}]), /infer/);
  });

  it('gives typed arrays in native byte order whatever the stored order', () => {
    const be = NdArray.from([1, -2], { dtype: '>i4' });
    assert.deepEqual(Buffer.from(be.data).toString('hex'), '00000001fffffffe');
    assert.deepEqual(be.typed(), new Int32Array([1, -2]));
    assert.deepEqual(NdArray.from([new Complex(1, 2)]).typed(), new Float64Array([1, 2]));
    assert.throws(() => NdArray.from(['x']).typed(), TelstateError);
  });

  it('reads strings with trailing NULs stripped, as numpy does', () => {
    assert.equal(NumpyScalar.from('<U4', 'ab').value, 'ab');
    assert.deepEqual(NumpyScalar.from('|S4', new Uint8Array([0x61, 0])).value, new Uint8Array([0x61]));
    assert.throws(() => NumpyScalar.from('<U1', 'ab'), /does not fit/);
  });

  it('checks integer ranges and value types', () => {
    assert.throws(() => NumpyScalar.from('|u1', 256), /out of range/);
    assert.throws(() => NumpyScalar.from('<i8', 2n ** 63n), /out of range/);
    assert.throws(() => NumpyScalar.from('<f8', 'x'), EncodeError);
    assert.equal(NumpyScalar.int64(2n ** 62n).value, 2n ** 62n);
    assert.equal(+NumpyScalar.float32(0.5), 0.5);
  });

  it('converts half floats exactly, rounding to nearest even', () => {
    for (const [x, bits] of [[1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [65520, 0x7c00], [2 ** -24, 0x0001], [0.1, 0x2e66], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [-0, 0x8000]] as const) {
      assert.equal(numberToHalf(x), bits, String(x));
    }
    for (let h = 0; h < 0x7c00; h += 7) assert.equal(numberToHalf(halfToNumber(h)), h);
    assert.ok(Number.isNaN(halfToNumber(numberToHalf(NaN))));
  });
});
