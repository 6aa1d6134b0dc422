import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KatcpError } from '../../lib/errors.js';
import { STRATEGY_PARAM_COUNT, StrategyName, isStrategyName, supportsDifferential, validateStrategy } from '../../lib/sensor/strategy.js';
import type { SamplingStrategy } from '../../lib/sensor/strategy.js';

describe('validateStrategy', () => {
  it('accepts well-formed strategies, including longest = Infinity', () => {
    const ok: SamplingStrategy[] = [
      { strategy: 'none' }, { strategy: 'auto' }, { strategy: 'event' }, { strategy: 'period', period: 0.001 },
      { strategy: 'differential', difference: 0 }, { strategy: 'event-rate', shortest: 0, longest: Infinity },
      { strategy: 'differential-rate', difference: 2, shortest: 1, longest: 1 },
    ];
    for (const s of ok) validateStrategy(s, 'integer');
  });

  it('rejects malformed objects with a KatcpError carrying a reason', () => {
    const bad: [unknown, string, RegExp][] = [
      [null, 'float', /must be an object/],
      [{ strategy: 'sometimes' }, 'float', /unknown sampling strategy "sometimes"/],
      [{ strategy: 'period' }, 'float', /period must be a finite number/],
      [{ strategy: 'event-rate', shortest: 1 }, 'float', /longest period must be a number/],
      [{ strategy: 'differential', difference: 1.5 }, 'integer', /must be an integer for an integer sensor/],
      [{ strategy: 'differential', difference: 1 }, 'boolean', /only valid for integer, float and timestamp/],
      [{ strategy: 'differential-rate', difference: 1, shortest: 3, longest: 2 }, 'float', /not be longer than the longest/],
    ];
    for (const [s, type, reason] of bad) {
      assert.throws(() => validateStrategy(s as SamplingStrategy, type), (err: unknown) => {
        return err instanceof KatcpError && err.code === 'KATCP_ERR_INVALID_STRATEGY' && reason.test(err.message);
      }, JSON.stringify(s));
    }
  });

  it('knows the seven names, their parameter counts and the differential types', () => {
    assert.deepEqual(Object.values(StrategyName), ['none', 'auto', 'period', 'event', 'differential', 'event-rate', 'differential-rate']);
    assert.deepEqual(Object.values(StrategyName).map((n) => STRATEGY_PARAM_COUNT[n]), [0, 0, 1, 0, 1, 2, 3]);
    assert.ok(isStrategyName('event-rate'));
    assert.ok(!isStrategyName('toString'));
    assert.deepEqual(['integer', 'float', 'timestamp', 'discrete', 'string'].map(supportsDifferential), [true, true, true, false, false]);
  });
});
