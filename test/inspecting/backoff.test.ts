import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ExponentialRandomBackoff } from '../../lib/inspecting/backoff.js';
import { KatcpError } from '../../lib/errors.js';

const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-9, `${a} != ${b}`);

test('backoff - delays follow katcp-python formula (upstream test_delays)', () => {
  const [di, dm, ex, r, u] = [1500, 12_000, 2, 0.7, 0.4];
  const b = new ExponentialRandomBackoff({ delayInitial: di, delayMax: dm, expFac: ex, randomicity: r, random: () => u });
  const first = (1 - r) * di + r * di * u;
  close(b.delay, first);
  for (let i = 1; i <= 3; i++) {
    b.failed();
    close(b.delay, first * 2 ** i);
  }
  for (let i = 0; i < 5; i++) b.failed();
  close(b.delay, (1 - r) * dm + r * dm * u);
  b.success();
  close(b.delay, first);
});

test('backoff - success() after failures restarts from the initial delay (katcp-python never resets)', () => {
  const b = new ExponentialRandomBackoff({ delayInitial: 5000, delayMax: 90_000, random: () => 0.999 });
  const start = b.delay;
  b.failed();
  b.failed();
  assert.ok(b.delay > start * 5);
  b.success();
  close(b.delay, start);
});

test('backoff - the inspecting client defaults give katcp-python retry windows', () => {
  const lo = new ExponentialRandomBackoff({ delayInitial: 5000, delayMax: 90_000, random: () => 0 });
  const windows = [250, 750, 2250, 4500];
  for (const w of windows) {
    close(lo.delay, w);
    lo.failed();
  }
});

test('backoff - rejects out-of-range parameters with a typed error', () => {
  assert.throws(() => new ExponentialRandomBackoff({ delayInitial: 10, delayMax: 5 }), KatcpError);
  assert.throws(() => new ExponentialRandomBackoff({ delayInitial: -1 }), KatcpError);
  assert.throws(() => new ExponentialRandomBackoff({ randomicity: 1.5 }), KatcpError);
  assert.throws(() => new ExponentialRandomBackoff({ expFac: 1 }), KatcpError);
});

test('backoff - every delay stays within [(1 - r) * base, base] and under the maximum', () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0, max: 10_000, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 1.01, max: 10, noNaN: true }),
      fc.array(fc.boolean(), { maxLength: 30 }),
      (di, r, ex, steps) => {
        const dm = di * 20;
        const b = new ExponentialRandomBackoff({ delayInitial: di, delayMax: dm, expFac: ex, randomicity: r });
        let base = di;
        for (const fail of steps) {
          if (fail) {
            b.failed();
            base = Math.min(base * ex, dm);
          } else {
            b.success();
            base = di;
          }
          assert.ok(b.delay <= dm + 1e-9);
          assert.ok(b.delay >= (1 - r) * base - 1e-9 && b.delay <= base + 1e-9);
        }
      },
    ),
  );
});
