import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SamplingLock } from '../../lib/server/sampling-lock.js';
import { flushMicrotasks } from '../helpers/virtual-clock.js';

describe('server sampling lock', () => {
  it('sampling lock - a free lock runs a synchronous request at once; a failure releases the lock for the next', async () => {
    const lock = new SamplingLock();
    assert.equal(lock.run(() => 7), 7, 'no promise when nothing waits');
    assert.equal(lock.active, false);
    assert.throws(() => lock.run(() => {
      throw new Error('boom');
    }), /boom/);
    const order: string[] = [];
    const slow = lock.run(async () => {
      await flushMicrotasks();
      order.push('slow');
      throw new Error('late');
    });
    const third = lock.run(() => order.push('third'));
    const fourth = lock.run(() => order.push('fourth'));
    await assert.rejects(Promise.resolve(slow), /late/);
    await Promise.all([third, fourth]);
    assert.deepEqual(order, ['slow', 'third', 'fourth']);
    assert.equal(lock.run(() => 'free again'), 'free again');
  });

  it('sampling lock - active only while a holder runs', async () => {
    const lock = new SamplingLock();
    const seen: boolean[] = [];
    const first = lock.run(async () => {
      seen.push(lock.active);
      await flushMicrotasks();
    });
    const second = lock.run(() => seen.push(lock.active));
    await Promise.all([first, second]);
    assert.deepEqual(seen, [true, true]);
    assert.equal(lock.active, false);
  });
});
