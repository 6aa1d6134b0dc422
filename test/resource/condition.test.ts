import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileCondition as compile, valueEquals } from '../../lib/resource/condition.js';
import { Address } from '../../lib/codec/address.js';
import type { Reading } from '../../lib/sensor/status.js';
import { KatcpError } from '../../lib/errors.js';

const r = (value: unknown, status: Reading<unknown>['status'] = 'nominal'): Reading<unknown> => ({ timestamp: 1, status, value });
const compileCondition = (cond: unknown, type: string): ((x: Reading<unknown>) => boolean) => compile(cond, type);

test('condition - a plain value compares with the reading value', () => {
  assert.equal(compileCondition(3, 'integer')(r(3)), true);
  assert.equal(compileCondition(3, 'integer')(r(3n)), true);
  assert.equal(compileCondition(3n, 'integer')(r(3)), true);
  assert.equal(compileCondition(3, 'integer')(r(4)), false);
  assert.equal(compileCondition(2.5, 'float')(r(2.5)), true);
  assert.equal(compileCondition(Buffer.from('a'), 'bytes')(r(Buffer.from('a'))), true);
  assert.equal(compileCondition(Address.parse('127.0.0.1:1'), 'address')(r(Address.parse('127.0.0.1:1'))), true);
});

test('condition - a status name tests the status, except on string-valued sensors', () => {
  assert.equal(compileCondition('nominal', 'integer')(r(5, 'nominal')), true);
  assert.equal(compileCondition('warn', 'float')(r(5, 'nominal')), false);
  assert.equal(compileCondition('nominal', 'lru')(r('nominal', 'error')), true);
  assert.equal(compileCondition('error', 'lru')(r('nominal', 'error')), false);
  assert.equal(compileCondition('nominal', 'discrete')(r('apple', 'nominal')), false);
});

test('condition - {status, value} objects and predicates', () => {
  assert.equal(compileCondition({ status: 'nominal' }, 'discrete')(r('apple', 'nominal')), true);
  assert.equal(compileCondition({ status: ['warn', 'error'] }, 'float')(r(1, 'error')), true);
  assert.equal(compileCondition({ status: 'warn', value: 3 }, 'integer')(r(3, 'warn')), true);
  assert.equal(compileCondition({ status: 'warn', value: 3 }, 'integer')(r(3, 'nominal')), false);
  assert.equal(compileCondition({ value: 'apple' }, 'discrete')(r('apple', 'unknown')), true);
  assert.equal(compileCondition((x: Reading<unknown>) => x.value === 12, 'integer')(r(12)), true);
  assert.throws(() => compileCondition({ stat: 'nominal' }, 'integer'), KatcpError);
  assert.throws(() => compileCondition({ status: 'great' }, 'integer'), KatcpError);
});

test('condition - valueEquals never equates a fraction with a bigint', () => {
  assert.equal(valueEquals(2.5, 2n), false);
  assert.equal(valueEquals(NaN, NaN), false);
  assert.equal(valueEquals('1', 1), false);
});
