import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KatcpError } from '../../lib/errors.js';
import { Sensor } from '../../lib/sensor/sensor.js';
import { formatStrategy, parseStrategy } from '../../lib/sensor/parse-strategy.js';

const float = Sensor.float({ name: 'type.float' });
const integer = Sensor.integer({ name: 'type.integer' });
const discrete = Sensor.discrete({ name: 'type.discrete', values: ['idle', 'observing'] });
const timestamp = Sensor.timestamp({ name: 'type.timestamp' });

/** Asserts that parsing fails with a KatcpError whose message (the reply's reason) matches. */
function rejects(sensor: Sensor, args: (string | Uint8Array)[], reason: RegExp | string): void {
  assert.throws(
    () => parseStrategy(sensor, args),
    (err: unknown) => {
      assert.ok(err instanceof KatcpError, String(err));
      assert.equal(err.code, 'KATCP_ERR_INVALID_STRATEGY');
      if (typeof reason === 'string') assert.equal(err.message, reason);
      else assert.match(err.message, reason);
      return true;
    },
    args.join(' '),
  );
}

describe('parseStrategy', () => {
  it('parses every strategy from strings or bytes, frozen', () => {
    assert.deepEqual(parseStrategy(float, ['none']), { strategy: 'none' });
    assert.deepEqual(parseStrategy(float, ['auto']), { strategy: 'auto' });
    assert.deepEqual(parseStrategy(float, ['event']), { strategy: 'event' });
    assert.deepEqual(parseStrategy(float, ['period', '2.5']), { strategy: 'period', period: 2.5 });
    assert.deepEqual(parseStrategy(float, ['differential', '0.5']), { strategy: 'differential', difference: 0.5 });
    assert.deepEqual(parseStrategy(float, ['event-rate', '1', 'inf']), { strategy: 'event-rate', shortest: 1, longest: Infinity });
    assert.deepEqual(parseStrategy(float, [Buffer.from('differential-rate'), Buffer.from('0.5'), Buffer.from('1'), Buffer.from('10')]), {
      strategy: 'differential-rate', difference: 0.5, shortest: 1, longest: 10,
    });
    assert.deepEqual(parseStrategy(float, [new Uint8Array(Buffer.from('period')), new Uint8Array(Buffer.from('1e-3'))]), { strategy: 'period', period: 0.001 });
    assert.ok(Object.isFrozen(parseStrategy(float, ['period', '1'])));
  });

  it('takes a difference of the sensor type: an integer for integer sensors', () => {
    assert.deepEqual(parseStrategy(integer, ['differential', '2']), { strategy: 'differential', difference: 2 });
    rejects(integer, ['differential', '1.5'], "invalid literal for int() with base 10: b'1.5'");
    assert.deepEqual(parseStrategy(timestamp, ['differential', '0.25']), { strategy: 'differential', difference: 0.25 });
  });

  it('rejects differential strategies on non-numeric sensors (timestamp allowed, as in katcp-python)', () => {
    rejects(discrete, ['differential', '1'], 'differential strategies only valid for integer, float and timestamp sensors');
    rejects(Sensor.string({ name: 's' }), ['differential-rate', '1', '1', '2'], /only valid for integer, float and timestamp/);
  });

  it('rejects unknown strategies and wrong parameter counts with the aiokatcp wording', () => {
    rejects(float, ['carrot'], "b'carrot' is not a valid value for Strategy");
    rejects(float, ['EVENT'], "b'EVENT' is not a valid value for Strategy");
    rejects(float, [Buffer.from([0xff, 0x27])], 'b"\\xff\'" is not a valid value for Strategy');
    rejects(float, [], 'no sampling strategy given');
    rejects(float, ['none', '4'], 'expected 0 strategy arguments, found 1');
    rejects(float, ['event-rate', '4'], 'expected 2 strategy arguments, found 1');
    rejects(float, ['differential-rate', '1', '2'], 'expected 3 strategy arguments, found 2');
    rejects(float, ['period'], 'expected 1 strategy arguments, found 0');
  });

  it('rejects parameters to auto (aiokatcp silently ignores them)', () => {
    rejects(float, ['auto', '5'], 'expected 0 strategy arguments, found 1');
  });

  it('rejects bad periods and differences with a reason', () => {
    rejects(float, ['period', '0'], 'period must be positive');
    rejects(float, ['period', '-1'], 'period must be positive');
    rejects(float, ['period', 'x'], "could not convert string to float: b'x'");
    rejects(float, ['event-rate', '1', 'y'], "could not convert string to float: b'y'");
    rejects(float, ['period', 'nan'], 'period must be a finite number');
    rejects(float, ['period', 'inf'], 'period must be finite');
    rejects(float, ['event-rate', '0.5', '0'], 'period must be positive');
    rejects(float, ['event-rate', '-1', '5'], 'shortest period must not be negative');
    rejects(float, ['event-rate', 'inf', 'inf'], 'shortest period must be a finite number');
    rejects(float, ['event-rate', '1', 'nan'], 'longest period must be a number');
    rejects(float, ['differential', '-0.5'], 'difference must not be negative');
    rejects(float, ['differential', 'nan'], 'difference must be a finite number');
  });

  it('rejects shortest > longest (aiokatcp accepts it; the spec leaves it undefined)', () => {
    rejects(float, ['event-rate', '2', '1'], 'shortest period must not be longer than the longest period');
    rejects(float, ['differential-rate', '1', '10', '5'], 'shortest period must not be longer than the longest period');
    assert.deepEqual(parseStrategy(float, ['event-rate', '2', '2']), { strategy: 'event-rate', shortest: 2, longest: 2 });
  });

  it('accepts Python float spellings', () => {
    assert.deepEqual(parseStrategy(float, ['period', '+1_000']), { strategy: 'period', period: 1000 });
    assert.deepEqual(parseStrategy(float, ['event-rate', '0', 'Infinity']), { strategy: 'event-rate', shortest: 0, longest: Infinity });
  });
});

describe('formatStrategy', () => {
  it('echoes times as Python floats and differences in the sensor type', () => {
    assert.deepEqual(formatStrategy({ strategy: 'none' }), ['none']);
    assert.deepEqual(formatStrategy({ strategy: 'auto' }), ['auto']);
    assert.deepEqual(formatStrategy({ strategy: 'event' }), ['event']);
    assert.deepEqual(formatStrategy({ strategy: 'period', period: 2 }), ['period', '2.0']);
    assert.deepEqual(formatStrategy({ strategy: 'event-rate', shortest: 2, longest: 1 }), ['event-rate', '2.0', '1.0']);
    assert.deepEqual(formatStrategy({ strategy: 'event-rate', shortest: 1, longest: Infinity }), ['event-rate', '1.0', 'inf']);
    assert.deepEqual(formatStrategy({ strategy: 'differential-rate', difference: 0.5, shortest: 1, longest: 10 }), ['differential-rate', '0.5', '1.0', '10.0']);
    assert.deepEqual(formatStrategy({ strategy: 'differential', difference: 2 }, integer), ['differential', '2']);
    assert.deepEqual(formatStrategy({ strategy: 'differential', difference: 2 }, float), ['differential', '2.0']);
    assert.deepEqual(formatStrategy({ strategy: 'differential', difference: 2 }), ['differential', '2.0']);
    assert.deepEqual(formatStrategy({ strategy: 'differential-rate', difference: 3, shortest: 0.1, longest: 1e-5 }, integer), ['differential-rate', '3', '0.1', '1e-05']);
  });

  it('round-trips through parseStrategy', () => {
    const time = fc.double({ min: 1e-6, max: 1e9, noNaN: true });
    fc.assert(
      fc.property(time, time, fc.double({ min: 0, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 1e9 }), (a, b, d, n) => {
        const [shortest, longest] = a <= b ? [a, b] : [b, a];
        for (const [sensor, s] of [
          [float, { strategy: 'period', period: a }],
          [float, { strategy: 'event-rate', shortest, longest }],
          [float, { strategy: 'differential-rate', difference: d, shortest, longest }],
          [integer, { strategy: 'differential', difference: n }],
          [float, { strategy: 'event-rate', shortest, longest: Infinity }],
        ] as const) {
          assert.deepEqual(parseStrategy(sensor, formatStrategy(s, sensor)), s);
        }
      }),
    );
  });
});
