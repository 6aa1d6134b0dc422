import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KatcpTypeError } from '../../lib/errors.js';
import { Address } from '../../lib/codec/address.js';

describe('Address', () => {
  it('getters: host, port, family', () => {
    const a = new Address('127.0.0.1');
    assert.equal(a.host, '127.0.0.1');
    assert.equal(a.port, undefined);
    assert.equal(a.family, 4);
    const b = new Address('127.0.0.1', 7148);
    assert.equal(b.port, 7148);
    const c = new Address('0:0::1', 80);
    assert.equal(c.host, '::1');
    assert.equal(c.family, 6);
  });

  it('equality compares canonical host and port', () => {
    assert.ok(Address.parse('[::1]:7148').equals(Address.parse('[00:00::1]:7148')));
    assert.ok(!Address.parse('127.0.0.1').equals(Address.parse('127.0.0.1:7148')));
    assert.ok(!Address.parse('[::ffff:127.0.0.1]').equals(Address.parse('127.0.0.1')));
    assert.ok(!Address.parse('127.0.0.1').equals('127.0.0.1'));
    assert.ok(!Address.parse('[fe80::1%eth0]').equals(Address.parse('[fe80::1%eth1]')));
  });

  it('toString gives the wire form for all four shapes', () => {
    for (const s of ['127.0.0.1', '127.0.0.1:7148', '[::1]', '[::1]:7148']) {
      assert.equal(Address.parse(s).toString(), s);
      assert.equal(String(Address.parse(Buffer.from(s))), s);
    }
  });

  it('prints IPv6 in Python ipaddress compressed form', () => {
    const cases: [string, string][] = [
      ['[2001:DB8:0:0:0:0:0:1]', '[2001:db8::1]'],
      ['[2001:db8:0:0:1:0:0:1]', '[2001:db8::1:0:0:1]'],
      ['[1:0:0:2:0:0:0:3]', '[1:0:0:2::3]'],
      ['[0:1:2:3:4:5:6:7]', '[0:1:2:3:4:5:6:7]'],
      ['[::ffff:1.2.3.4]', '[::ffff:102:304]'],
      ['[fe80::0001%eth0]:22', '[fe80::1%eth0]:22'],
      ['[0000:0000:0000:0000:0000:0000:0000:0000]', '[::]'],
    ];
    for (const [input, want] of cases) assert.equal(Address.parse(input).toString(), want);
  });

  it('parse refuses empty, bracketed IPv4, unbracketed IPv6, hostnames and leading zeros', () => {
    for (const bad of ['', '[127.0.0.1]', '::1', 'localhost', 'localhost:80', '01.2.3.4', '1.2.3.4:', '[::1]:', '1.2.3.256', '[1::2::3]', '[::1%]']) {
      assert.throws(() => Address.parse(bad), (e: unknown) => e instanceof KatcpTypeError && e.typeName === 'address', bad);
    }
  });

  it('port is any digit string, not range-checked (like aiokatcp)', () => {
    assert.equal(Address.parse('1.2.3.4:99999999').port, 99999999);
    assert.equal(Address.parse('1.2.3.4:007').toString(), '1.2.3.4:7');
    assert.throws(() => Address.parse('1.2.3.4:99999999999999999999'), KatcpTypeError);
  });

  it('constructor refuses hostnames, brackets and bad ports', () => {
    assert.throws(() => new Address('localhost'), KatcpTypeError);
    assert.throws(() => new Address('[::1]'), KatcpTypeError);
    assert.throws(() => new Address('127.0.0.1', -1), KatcpTypeError);
    assert.throws(() => new Address('127.0.0.1', 1.5), KatcpTypeError);
    assert.throws(() => new Address(42 as unknown as string), KatcpTypeError);
  });

  it('is immutable; withPort makes a new one', () => {
    const a = Address.parse('10.0.0.1:1');
    assert.throws(() => {
      (a as { port: number | undefined }).port = 2;
    }, TypeError);
    assert.equal(a.withPort(2).toString(), '10.0.0.1:2');
    assert.equal(a.withPort(undefined).toString(), '10.0.0.1');
  });

  it('property: any IPv4 address and port round-trips', () => {
    fc.assert(fc.property(fc.ipV4(), fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }), (ip, port) => {
      const a = new Address(ip, port);
      return Address.parse(a.toString()).equals(a) && a.toString() === (port === undefined ? ip : `${ip}:${port}`);
    }));
  });

  it('property: any IPv6 address round-trips through its canonical form', () => {
    fc.assert(fc.property(fc.ipV6(), fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }), (ip, port) => {
      const a = new Address(ip, port);
      const again = Address.parse(a.toString());
      return again.equals(a) && again.toString() === a.toString() && !a.host.includes('::::');
    }), { numRuns: 2000 });
  });
});
