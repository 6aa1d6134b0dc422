import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { policyOf, retry } from '../../lib/util/retry.js';
import type { RetryPolicy } from '../../lib/util/retry.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { flushMicrotasks } from '../helpers/virtual-clock.js';

/** A policy that records its calls and waits `delays[attempt - 1]` (false past the end). */
function recording(delays: number[]): RetryPolicy & { calls: [number, string][]; resets: number } {
  const p = {
    calls: [] as [number, string][],
    resets: 0,
    nextDelay(attempt: number, error: Error): number | false {
      p.calls.push([attempt, error.message]);
      return delays[attempt - 1] ?? false;
    },
    reset(): void {
      p.resets++;
    },
  };
  return p;
}

describe('retry', () => {
  it('waits the policy delays on the injected clock between failures and resolves with the value', async () => {
    const clock = new VirtualClock();
    const policy = recording([100, 200]);
    const startedAt: number[] = [];
    let done = false;
    const run = retry(
      async ({ number }) => {
        startedAt.push(clock.monotonic());
        if (number < 3) throw new Error(`fail ${number}`);
        return 'ok';
      },
      { policy, clock },
    ).then((v) => {
      done = true;
      return v;
    });
    assert.deepEqual(startedAt, [0], 'the first attempt starts synchronously');
    await clock.advance(99);
    assert.deepEqual(startedAt, [0]);
    await clock.advance(1);
    assert.deepEqual(startedAt, [0, 100]);
    await clock.advance(199);
    assert.equal(done, false);
    await clock.advance(1);
    assert.equal(await run, 'ok');
    assert.deepEqual(startedAt, [0, 100, 300]);
    assert.deepEqual(policy.calls, [
      [1, 'fail 1'],
      [2, 'fail 2'],
    ]);
    assert.equal(policy.resets, 1, 'reset after the success');
    assert.equal(clock.pending, 0);
  });

  it('rejects with the last error when the policy gives up', async () => {
    const clock = new VirtualClock();
    const retried: number[] = [];
    const run = retry(
      ({ number }) => Promise.reject(new Error(`fail ${number}`)),
      { policy: recording([10]), clock, onRetry: (_e, n, d) => retried.push(n, d) },
    );
    const outcome = assert.rejects(run, /fail 2/);
    await clock.advance(10);
    await outcome;
    assert.deepEqual(retried, [1, 10]);
  });

  it('retries plain TypeErrors too (the policy decides, not p-retry)', async () => {
    const clock = new VirtualClock();
    let n = 0;
    const run = retry(
      () => {
        n++;
        return n < 2 ? Promise.reject(new TypeError('bad')) : Promise.resolve(n);
      },
      { policy: policyOf(() => 5), clock },
    );
    await clock.advance(5);
    assert.equal(await run, 2);
  });

  it('an abort ends a wait at once with the signal reason and leaves no timer', async () => {
    const clock = new VirtualClock();
    const ac = new AbortController();
    const run = retry(() => Promise.reject(new Error('down')), { policy: policyOf(() => 60_000), clock, signal: ac.signal });
    await flushMicrotasks();
    assert.equal(clock.pending, 1);
    const reason = new Error('stop');
    ac.abort(reason);
    await assert.rejects(run, (e) => e === reason);
    assert.equal(clock.pending, 0);
  });

  it('an abort during an attempt stops the run when that attempt fails, without asking the policy', async () => {
    const clock = new VirtualClock();
    const ac = new AbortController();
    const policy = recording([1]);
    let fail!: (e: Error) => void;
    const run = retry(() => new Promise<never>((_, reject) => (fail = reject)), { policy, clock, signal: ac.signal });
    ac.abort(new Error('stop'));
    fail(new Error('lost'));
    await assert.rejects(run, /stop/);
    assert.deepEqual(policy.calls, []);
  });

  it('succeeded() restarts failure numbers at 1 and resets the policy while the attempt runs on', async () => {
    const clock = new VirtualClock();
    const policy = recording([1, 1, 1]);
    let calls = 0;
    const run = retry(
      async (a) => {
        calls++;
        if (calls === 2) a.succeeded();
        if (calls < 4) throw new Error(`e${calls}`);
        return calls;
      },
      { policy, clock },
    );
    for (let i = 0; i < 3; i++) await clock.advance(1);
    assert.equal(await run, 4);
    assert.deepEqual(
      policy.calls.map(([n]) => n),
      [1, 1, 2],
    );
  });
});
