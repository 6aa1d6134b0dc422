import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeStrategy, strategyWireArgs, sameStrategy, formatStrategyText } from '../../lib/resource/strategy.js';
import { KatcpError } from '../../lib/errors.js';

test('strategy - every call style gives the same strategy object (upstream test_set_strategy)', () => {
  assert.deepEqual(normalizeStrategy('none', 'integer'), { strategy: 'none' });
  assert.deepEqual(normalizeStrategy('period', 'integer', 0.5), { strategy: 'period', period: 0.5 });
  assert.deepEqual(normalizeStrategy('event-rate', 'integer', '1.1 1.2'), { strategy: 'event-rate', shortest: 1.1, longest: 1.2 });
  assert.deepEqual(normalizeStrategy('event-rate', 'integer', [2.1, 2.2]), { strategy: 'event-rate', shortest: 2.1, longest: 2.2 });
  assert.deepEqual(normalizeStrategy('period 2.5', 'float'), { strategy: 'period', period: 2.5 });
  assert.deepEqual(normalizeStrategy(['event-rate', 1, Infinity], 'float'), { strategy: 'event-rate', shortest: 1, longest: Infinity });
  assert.deepEqual(normalizeStrategy({ strategy: 'differential', difference: 2 }, 'integer'), { strategy: 'differential', difference: 2 });
});

test('strategy - invalid strategies are refused before anything is sent', () => {
  assert.throws(() => normalizeStrategy('bogus 1', 'integer'), KatcpError);
  assert.throws(() => normalizeStrategy('period', 'integer'), /expected 1/);
  assert.throws(() => normalizeStrategy('period -1', 'integer'), KatcpError);
  assert.throws(() => normalizeStrategy('differential 1', 'discrete'), /differential/);
  assert.throws(() => normalizeStrategy({ strategy: 'event' }, 'integer', 1), KatcpError);
});

test('strategy - wire arguments are seconds for v5 and integer milliseconds for v4 (katcp-python sends seconds to v4 devices)', () => {
  const p = normalizeStrategy('period 0.5', 'float');
  assert.deepEqual(strategyWireArgs(p, 'float', 5), ['period', '0.5']);
  assert.deepEqual(strategyWireArgs(p, 'float', 4), ['period', '500']);
  assert.deepEqual(strategyWireArgs(normalizeStrategy('differential 2', 'integer'), 'integer', 5), ['differential', '2']);
  assert.deepEqual(strategyWireArgs(normalizeStrategy('event-rate 1 inf', 'float'), 'float', 5), ['event-rate', '1.0', 'inf']);
  assert.deepEqual(strategyWireArgs(normalizeStrategy('event', 'float'), 'float', 4), ['event']);
  assert.equal(formatStrategyText(p), 'period 0.5');
  assert.ok(sameStrategy(p, normalizeStrategy(['period', 0.5], 'float')));
  assert.ok(!sameStrategy(p, normalizeStrategy('period 1', 'float')));
});

test('strategy - a whole number given as a number suits an integer sensor: setStrategy("differential", 5) is differential 5, not a refused "5.0"', () => {
  assert.deepEqual(normalizeStrategy('differential', 'integer', 5), { strategy: 'differential', difference: 5 });
  assert.deepEqual(normalizeStrategy(['differential', [5]], 'integer'), { strategy: 'differential', difference: 5 });
  assert.deepEqual(normalizeStrategy(['differential-rate', 3, 1, 10], 'integer'), { strategy: 'differential-rate', difference: 3, shortest: 1, longest: 10 });
  assert.deepEqual(strategyWireArgs(normalizeStrategy('differential', 'integer', 5), 'integer', 5), ['differential', '5']);
  assert.deepEqual(normalizeStrategy('differential', 'float', 5), { strategy: 'differential', difference: 5 });
  assert.deepEqual(normalizeStrategy('period', 'float', 2), { strategy: 'period', period: 2 });
  assert.throws(() => normalizeStrategy('differential', 'integer', 1.5), KatcpError);
});
