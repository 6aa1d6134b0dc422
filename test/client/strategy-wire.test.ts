import { test } from 'node:test';
import assert from 'node:assert/strict';
import { strategyWireArgs } from '../../lib/client/strategy-wire.js';
import { strategyWireArgs as resourceStrategyWireArgs } from '../../lib/resource/strategy.js';

test('strategy wire - v4 devices get milliseconds for every strategy with a time (the watcher converted only period)', () => {
  assert.deepEqual(strategyWireArgs({ strategy: 'period', period: 0.5 }, 'float', 4), ['period', '500']);
  assert.deepEqual(strategyWireArgs({ strategy: 'event-rate', shortest: 0.1, longest: 2 }, 'float', 4), ['event-rate', '100', '2000']);
  assert.deepEqual(strategyWireArgs({ strategy: 'differential-rate', difference: 1, shortest: 0.1, longest: 2 }, 'integer', 4), ['differential-rate', '1', '100', '2000']);
  assert.deepEqual(strategyWireArgs({ strategy: 'event-rate', shortest: 0.1, longest: 2 }, 'float', 5), ['event-rate', '0.1', '2.0']);
  assert.deepEqual(strategyWireArgs({ strategy: 'auto' }, 'float', 4), ['auto']);
});

test('strategy wire - the resource uses the same formatter as the sensor watcher', () => {
  assert.equal(resourceStrategyWireArgs, strategyWireArgs);
});
