import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSensorFilter, parseStrategyWords } from '../../lib/cli/sensor-args.js';

describe('cli/sensor-args', () => {
  it('parseSensorFilter - substring kept local, /regex/ also sent to the device', () => {
    const sub = parseSensorFilter('type.');
    assert.equal(sub.deviceArg, undefined);
    assert.equal(sub.test('a.type.b'), true);
    assert.equal(sub.test('typeX'), false);
    const re = parseSensorFilter('/^fast\\./');
    assert.equal(re.deviceArg, '/^fast\\./');
    assert.equal(re.test('fast.counter'), true);
    assert.equal(re.test('xfast.counter'), false);
    assert.throws(() => parseSensorFilter('/(/'), /invalid regular expression/);
  });

  it('parseStrategyWords - words or colon form, parameter counts checked', () => {
    assert.deepEqual(parseStrategyWords(['auto']), { strategy: 'auto' });
    assert.deepEqual(parseStrategyWords(['period', '0.5']), { strategy: 'period', period: 0.5 });
    assert.deepEqual(parseStrategyWords(['period:0.5']), { strategy: 'period', period: 0.5 });
    assert.deepEqual(parseStrategyWords(['event-rate', '1', '10']), { strategy: 'event-rate', shortest: 1, longest: 10 });
    assert.throws(() => parseStrategyWords(['period']), /takes 1 parameter/);
    assert.throws(() => parseStrategyWords(['period', 'x']), /not a number/);
    assert.throws(() => parseStrategyWords(['sometimes']), /unknown strategy/);
  });
});
