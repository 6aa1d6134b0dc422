import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { defaultReconnectPolicy, exponentialBackoff, sensorSyncRetryDelay } from '../../lib/client/backoff.js';

test('backoff - aiokatcp ranges: [0.5,1], [1,2], [2,4] ... capped at [30,60] s', () => {
  const low = exponentialBackoff({ random: () => 0 });
  const high = exponentialBackoff({ random: () => 0.999999 });
  const expected = [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000];
  expected.forEach((b, i) => {
    assert.equal(low(i + 1, new Error('x')), b / 2);
    assert.ok(Math.abs((high(i + 1, new Error('x')) as number) - b) < 1);
  });
});

test('backoff - every wait lies in [b/2, b] for random draws', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 100 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
      const wait = exponentialBackoff({ random: () => r })(attempt, new Error('x')) as number;
      const b = Math.min(500 * 2 ** attempt, 60_000);
      return wait >= b / 2 && wait <= b;
    }),
  );
});

test('backoff - the default policy never gives up and stays within 60 s', () => {
  for (let attempt = 1; attempt < 200; attempt++) {
    const w = defaultReconnectPolicy(attempt, new Error('x'));
    assert.equal(typeof w, 'number');
    assert.ok((w as number) >= 500 && (w as number) <= 60_000);
  }
});

test('backoff - maxAttempts makes the policy give up', () => {
  const p = exponentialBackoff({ maxAttempts: 2, random: () => 0 });
  assert.equal(p(1, new Error('x')), 500);
  assert.equal(p(2, new Error('x')), 1000);
  assert.equal(p(3, new Error('x')), false);
});

test('backoff - invalid parameters are refused', () => {
  assert.throws(() => exponentialBackoff({ initial: 0 }), RangeError);
  assert.throws(() => exponentialBackoff({ initial: 100, max: 10 }), RangeError);
  assert.throws(() => exponentialBackoff({ factor: 0.5 }), RangeError);
});

test('sensorSyncRetryDelay: a failed sensor-sync round waits 500 ms, doubling to at most 30 s', () => {
  assert.deepEqual([1, 2, 3, 6, 7, 20].map(sensorSyncRetryDelay), [500, 1000, 2000, 16_000, 30_000, 30_000]);
});
