import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { KatcpTypeError } from '../../lib/errors.js';
import {
  decodeValue,
  discreteType,
  encodeArgument,
  encodeValue,
  getType,
  hasType,
  registerType,
  typeNames,
} from '../../lib/codec/types.js';
import type { TypeCodec } from '../../lib/codec/types.js';
import { Address } from '../../lib/codec/address.js';

interface Vector {
  type: string;
  wire: string;
  value?: unknown;
  canonical?: string;
  error?: string;
  ctx?: { protocolMajor?: number };
}
const vectors = (JSON.parse(readFileSync(new URL('../../fixtures/codec/types.json', import.meta.url), 'utf8')) as { cases: Vector[] }).cases;

const wire = (s: string): Buffer => Buffer.from(s, 'latin1');

function expected(v: unknown): unknown {
  if (v !== null && typeof v === 'object') {
    const tagged = v as Record<string, string>;
    if ('$float' in tagged) return { nan: NaN, inf: Infinity, '-inf': -Infinity, '-0.0': -0 }[tagged.$float];
    if ('$bigint' in tagged) return BigInt(tagged.$bigint);
    if ('$bytes' in tagged) return Buffer.from(tagged.$bytes, 'hex');
    if ('$address' in tagged) return Address.parse(tagged.$address);
  }
  return v;
}

function assertSame(actual: unknown, want: unknown, what: string): void {
  if (want instanceof Address) assert.ok(want.equals(actual), `${what}: ${String(actual)} != ${want.toString()}`);
  else if (Buffer.isBuffer(want)) assert.ok(Buffer.isBuffer(actual) && actual.equals(want), what);
  else assert.ok(Object.is(actual, want), `${what}: got ${String(actual)} (${typeof actual}), want ${String(want)}`);
}

describe('type codecs - golden vectors (fixtures/codec/types.json)', () => {
  it('has vectors for every built-in type', () => {
    const covered = new Set(vectors.map((v) => v.type));
    for (const name of ['integer', 'float', 'boolean', 'discrete', 'lru', 'string', 'bytes', 'timestamp', 'timestamp-or-now', 'address', 'log-level', 'device-status', 'sensor-status']) {
      assert.ok(covered.has(name), name);
    }
  });
  for (const v of vectors) {
    const label = `${v.type} ${JSON.stringify(v.wire)}${v.ctx ? ' v' + String(v.ctx.protocolMajor) : ''}`;
    if (v.error !== undefined) {
      it(`decode ${label} fails: ${v.error}`, () => {
        assert.throws(() => decodeValue(v.type, wire(v.wire), v.ctx), (err: unknown) => {
          assert.ok(err instanceof KatcpTypeError);
          assert.equal(err.message, v.error);
          assert.equal(err.typeName, v.type);
          assert.deepEqual(err.raw, wire(v.wire));
          return true;
        });
      });
    } else {
      it(`decode ${label} and encode back`, () => {
        const want = expected(v.value);
        const got = decodeValue(v.type, wire(v.wire), v.ctx);
        assertSame(got, want, 'decoded');
        assert.equal(encodeValue(v.type, got, v.ctx).toString('latin1'), v.canonical ?? v.wire);
      });
    }
  }
});

describe('type codecs - registry', () => {
  it('getType - unknown name is a KatcpTypeError', () => {
    assert.throws(() => getType('complex'), (e: unknown) => e instanceof KatcpTypeError && /unknown KATCP type "complex"/.test(e.message));
    assert.equal(hasType('complex'), false);
    assert.ok(typeNames().includes('timestamp-or-now'));
  });

  it('wire names follow #sensor-list type names', () => {
    const wires: Record<string, string> = {
      integer: 'integer', float: 'float', boolean: 'boolean', discrete: 'discrete', lru: 'lru', string: 'string', bytes: 'string',
      timestamp: 'timestamp', 'timestamp-or-now': 'timestamp', address: 'address', 'log-level': 'discrete', 'device-status': 'discrete', 'sensor-status': 'discrete',
    };
    for (const [name, wireName] of Object.entries(wires)) assert.equal(getType(name).wireName, wireName, name);
  });

  it('defaults match aiokatcp', () => {
    const d = (n: string): unknown => getType(n).defaultValue();
    assert.equal(d('integer'), 0);
    assert.equal(d('float'), 0);
    assert.equal(d('boolean'), false);
    assert.equal(d('string'), '');
    assert.deepEqual(d('bytes'), Buffer.alloc(0));
    assert.equal(d('timestamp'), 0);
    assert.equal(String(d('address')), '0.0.0.0');
    assert.equal(d('lru'), 'nominal');
    assert.equal(d('device-status'), 'ok');
    assert.equal(d('sensor-status'), 'unknown');
  });

  it('registerType - a user JSON type round-trips; a duplicate name is refused', () => {
    const json: TypeCodec<unknown> = {
      name: 'test-json',
      wireName: 'string',
      encode: (v) => Buffer.from(JSON.stringify(v)),
      decode(raw) {
        try {
          return JSON.parse(Buffer.from(raw).toString('utf8')) as unknown;
        } catch (err) {
          throw new KatcpTypeError('test-json', 'bad JSON', raw, { cause: err });
        }
      },
      coerce: (v) => v,
      defaultValue: () => ({}),
    };
    registerType(json);
    assert.equal(encodeValue('test-json', { a: [1, 2] }).toString(), '{"a":[1,2]}');
    assert.deepEqual(decodeValue('test-json', Buffer.from('{"a":[1,2]}')), { a: [1, 2] });
    assert.throws(() => decodeValue('test-json', Buffer.from('{')), KatcpTypeError);
    assert.throws(() => registerType(json), /already registered/);
    assert.throws(() => registerType({ ...json, name: 'float' }), /already registered/);
  });

  it('registerType - a malformed codec is refused', () => {
    assert.throws(() => registerType({ name: '', wireName: 'x' } as unknown as TypeCodec<unknown>), KatcpTypeError);
    assert.throws(() => registerType({ name: 'test-broken', wireName: 'x', encode: () => Buffer.alloc(0) } as unknown as TypeCodec<unknown>), /no decode\(\)/);
    assert.equal(hasType('test-broken'), false);
  });

  it('encodeValue / decodeValue accept a codec object and a string', () => {
    const codec = discreteType(['a', 'b']);
    assert.equal(encodeValue(codec, 'b').toString(), 'b');
    assert.equal(decodeValue(codec, 'a'), 'a');
    assert.equal(decodeValue('float', '2.5'), 2.5);
  });
});

describe('type codecs - coerce and encode validation', () => {
  it('integer - rejects 1.5, strings and NaN; normalises bigint and -0', () => {
    const t = getType('integer');
    for (const bad of [1.5, '5', NaN, Infinity, null, true]) assert.throws(() => t.coerce(bad), KatcpTypeError, String(bad));
    assert.equal(t.coerce(5n), 5);
    assert.equal(t.coerce(2n ** 64n), 2n ** 64n);
    assert.equal(t.coerce(1e20), 10n ** 20n);
    assert.ok(Object.is(t.coerce(-0), 0));
    assert.throws(() => encodeValue('integer', 1.5), /1.5 is not an integer/);
    assert.equal(encodeValue('integer', 2n ** 64n).toString(), '18446744073709551616');
  });

  it('float - accepts any number including NaN and infinities, and bigint', () => {
    const t = getType('float');
    assert.ok(Number.isNaN(t.coerce(NaN)));
    assert.equal(t.coerce(-Infinity), -Infinity);
    assert.equal(t.coerce(3n), 3);
    assert.throws(() => t.coerce('1.5'), KatcpTypeError);
    assert.equal(encodeValue('float', 5).toString(), '5.0');
    assert.equal(encodeValue('float', -0).toString(), '-0.0');
  });

  it('boolean - only true/false', () => {
    assert.equal(encodeValue('boolean', true).toString(), '1');
    assert.equal(encodeValue('boolean', false).toString(), '0');
    assert.throws(() => encodeValue('boolean', 1), KatcpTypeError);
  });

  it('bytes - accepts Buffer, Uint8Array and string', () => {
    const t = getType('bytes');
    assert.deepEqual(t.coerce(new Uint8Array([1, 255])), Buffer.from([1, 255]));
    assert.deepEqual(t.coerce('café'), Buffer.from('café'));
    assert.throws(() => t.coerce(5), KatcpTypeError);
    const decoded = t.decode(Buffer.from('abc')) as Buffer;
    assert.ok(Buffer.isBuffer(decoded));
  });

  it('string - refuses lone surrogates instead of writing U+FFFD', () => {
    assert.throws(() => encodeValue('string', 'a\ud800b'), /lone UTF-16 surrogate/);
    assert.equal(encodeValue('string', '😀').toString('hex'), 'f09f9880');
    assert.equal(getType('string').coerce(Buffer.from('café')), 'café');
  });

  it('discreteType - values outside the list are refused; first value is the default', () => {
    const t = discreteType(['idle', 'observing', 'maintenance-mode']);
    assert.equal(t.defaultValue(), 'idle');
    assert.deepEqual(t.values, ['idle', 'observing', 'maintenance-mode']);
    assert.equal(t.coerce('observing'), 'observing');
    assert.throws(() => t.coerce('Observing'), /is not a valid value for discrete \(idle, observing, maintenance-mode\)/);
    assert.throws(() => t.decode(Buffer.from('parked')), (e: unknown) => e instanceof KatcpTypeError && e.message === "b'parked' is not a valid value for discrete (idle, observing, maintenance-mode)");
    assert.throws(() => discreteType([]), KatcpTypeError);
    assert.throws(() => discreteType(['a', 'a']), /listed twice/);
  });

  it('timestamp - accepts a Date; v4 encodes integer milliseconds', () => {
    const t = getType('timestamp');
    assert.equal(t.coerce(new Date(1500)), 1.5);
    assert.equal(encodeValue('timestamp', 1700000000.123).toString(), '1700000000.123');
    assert.equal(encodeValue('timestamp', 1700000000.123, { protocolMajor: 4 }).toString(), '1700000000123');
    assert.equal(encodeValue('timestamp', 1700000000.123, { protocolMajor: 5 }).toString(), '1700000000.123');
    assert.throws(() => t.coerce('now'), KatcpTypeError);
  });

  it('timestamp-or-now - now or a number', () => {
    assert.equal(encodeValue('timestamp-or-now', 'now').toString(), 'now');
    assert.equal(encodeValue('timestamp-or-now', 123.5).toString(), '123.5');
    assert.throws(() => encodeValue('timestamp-or-now', 'later'), KatcpTypeError);
  });

  it('address - coerce parses text; refuses other values', () => {
    const t = getType('address');
    assert.equal(String(t.coerce('[00:00::1]:7148')), '[::1]:7148');
    assert.throws(() => t.coerce(7148), KatcpTypeError);
    assert.throws(() => t.coerce('localhost'), KatcpTypeError);
  });

  it('log-level - coerce ignores case, encode is lower case', () => {
    assert.equal(encodeValue('log-level', 'WARN').toString(), 'warn');
    assert.throws(() => encodeValue('log-level', 3), KatcpTypeError);
  });

  it('decode errors keep the offending bytes and name the type', () => {
    for (const [type, raw] of [['float', ''], ['integer', '123.0'], ['boolean', '2'], ['string', 'caf\xc3e'], ['address', '[127.0.0.1]'], ['lru', 'bad']] as const) {
      assert.throws(() => decodeValue(type, wire(raw)), (e: unknown) => e instanceof KatcpTypeError && e.typeName === type && e.raw !== undefined && e.raw.equals(wire(raw)) && e.code === 'KATCP_ERR_TYPE');
    }
  });
});

describe('encodeArgument', () => {
  const enc = (v: unknown): string => encodeArgument(v).toString('latin1');

  it('encodes by runtime type like aiokatcp Message arguments', () => {
    assert.equal(encodeArgument('café').toString('hex'), '636166c3a9');
    assert.equal(enc(123), '123');
    assert.equal(enc(234.5), '234.5');
    assert.equal(enc(true), '1');
    assert.equal(enc(false), '0');
    assert.equal(enc(''), '');
    assert.equal(enc(5), '5');
    assert.equal(enc(-0), '0');
    assert.equal(enc(5.5), '5.5');
    assert.equal(enc(1e-5), '1e-05');
    assert.equal(enc(1e21), '1000000000000000000000');
    assert.equal(enc(Infinity), 'inf');
    assert.equal(enc(-Infinity), '-inf');
    assert.equal(enc(NaN), 'nan');
    assert.equal(enc(2n ** 70n), '1180591620717411303424');
    assert.equal(enc(Address.parse('[::1]:7148')), '[::1]:7148');
  });

  it('passes a Buffer through and views a Uint8Array without copying', () => {
    const b = Buffer.from([0, 255, 10]);
    assert.equal(encodeArgument(b), b);
    const u = new Uint8Array([1, 2, 3, 4]).subarray(1, 3);
    const out = encodeArgument(u);
    assert.ok(Buffer.isBuffer(out));
    assert.deepEqual([...out], [2, 3]);
  });

  it('refuses null, undefined, objects, arrays, functions, symbols and lone surrogates', () => {
    for (const bad of [null, undefined, {}, [1], () => 1, Symbol('x'), new Date(0), 'x\udc00']) {
      assert.throws(() => encodeArgument(bad), (e: unknown) => e instanceof KatcpTypeError && e.typeName === 'argument');
    }
  });

  it('property: integers and doubles decode back to the same value', () => {
    fc.assert(fc.property(fc.oneof(fc.double(), fc.integer(), fc.bigInt()), (x) => {
      const text = encodeArgument(x);
      if (typeof x === 'bigint') return BigInt(String(decodeValue('integer', text))) === x;
      if (Number.isInteger(x)) return Number(decodeValue('integer', text)) === x + 0;
      return Object.is(decodeValue('float', text), x);
    }), { numRuns: 2000 });
  });
});
