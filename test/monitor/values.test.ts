import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Address } from '../../lib/codec/address.js';
import { allowedValues, jsonValue, numericValue, truncate, valueText } from '../../lib/monitor/values.js';

describe('monitor values', () => {
  it('numericValue: numbers as they are, booleans 0/1, discrete and lru as indices, nothing for unknown values', () => {
    assert.equal(numericValue('integer', 12n, []), 12);
    assert.equal(numericValue('float', -0.5, []), -0.5);
    assert.equal(numericValue('timestamp', 1700000000.25, []), 1700000000.25);
    assert.equal(numericValue('boolean', true, []), 1);
    assert.equal(numericValue('boolean', false, []), 0);
    assert.equal(numericValue('discrete', 'b', allowedValues('discrete', ['a', 'b'])), 1);
    assert.equal(numericValue('discrete', 'zz', ['a', 'b']), undefined);
    assert.equal(numericValue('lru', 'error', allowedValues('lru', [])), 1);
    assert.equal(numericValue('float', undefined, []), undefined);
    assert.ok(Number.isNaN(numericValue('float', NaN, [])));
  });

  it('jsonValue and valueText: bytes as UTF-8, addresses as text, non-finite floats as KATCP writes them, big integers exactly', () => {
    assert.equal(jsonValue(Buffer.from('héllo')), 'héllo');
    assert.equal(jsonValue(Address.parse('[::1]:7147')), '[::1]:7147');
    assert.deepEqual([jsonValue(NaN), jsonValue(Infinity), jsonValue(-Infinity)], ['nan', 'inf', '-inf']);
    assert.equal(jsonValue(2n ** 60n), '1152921504606846976');
    assert.equal(jsonValue(5n), 5);
    assert.equal(jsonValue(undefined), null);
    assert.equal(valueText(true), 'true');
    assert.equal(truncate('abcdef', 4), 'abc…');
    assert.equal(truncate('abc', 4), 'abc');
  });
});
