import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DeadlineQueue } from '../../lib/client/deadline-queue.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { VirtualClock } from '../helpers/virtual-clock.js';
import type { TimerHandle } from '../../lib/util/clock.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Entry {
  id: number;
  deadline: number;
  queued: boolean;
}

type Op = { op: 'add'; timeout: number } | { op: 'remove'; pick: number } | { op: 'advance'; ms: number };

for (const refs of [true, false]) {
  test(`deadline queue - model: each entry expires exactly at its deadline unless removed, in deadline order, on at most one timer (${refs ? 'a clock with' : 'a clock without'} refTimer)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('add' as const), timeout: fc.constantFrom(0, 1, 50, 100, 100, 100, 2500) }),
            fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }),
            fc.record({ op: fc.constant('advance' as const), ms: fc.constantFrom(1, 49, 50, 100, 3000) }),
          ),
          { maxLength: 80 },
        ),
        async (ops: Op[]) => {
          const clock = new VirtualClock();
          if (!refs) (clock as Partial<VirtualClock>).refTimer = undefined;
          const expired: Entry[] = [];
          const queue = new DeadlineQueue<Entry>(clock, (e) => {
            assert.ok(e.deadline <= clock.monotonic(), 'never early');
            expired.push(e);
          });
          const live: Entry[] = [];
          let id = 0;
          for (const o of ops) {
            if (o.op === 'add') {
              const e = { id: id++, deadline: clock.monotonic() + o.timeout, queued: false };
              queue.add(e);
              live.push(e);
            } else if (o.op === 'remove') {
              if (live.length === 0) continue;
              const [e] = live.splice(o.pick % live.length, 1);
              queue.remove(e!);
              assert.equal(e!.queued, false);
            } else {
              const before = expired.length;
              await clock.advance(o.ms);
              const now = clock.monotonic();
              const due = live.filter((e) => e.deadline <= now);
              const got = expired.slice(before);
              assert.deepEqual(
                got.map((e) => e.id).sort((a, b) => a - b),
                due.map((e) => e.id).sort((a, b) => a - b),
              );
              for (let i = 1; i < got.length; i++) assert.ok(got[i - 1]!.deadline <= got[i]!.deadline, 'deadline order');
              for (const e of got) {
                assert.equal(e.queued, false);
                live.splice(live.indexOf(e), 1);
              }
            }
            assert.equal(queue.size, live.length);
            assert.equal(clock.pending, live.length === 0 ? 0 : 1, 'one referenced timer while anything waits, none after');
            assert.ok(clock.scheduled <= (refs ? 1 : live.length === 0 ? 0 : 1), 'at most one timer, referenced or not');
          }
        },
      ),
      { numRuns: 300 },
    );
  });
}

/** A VirtualClock that counts the timers set and cleared. */
class CountingClock extends VirtualClock {
  sets = 0;
  clears = 0;
  override setTimer(fn: () => void, ms: number): TimerHandle {
    this.sets++;
    return super.setTimer(fn, ms);
  }
  override clearTimer(handle: TimerHandle | undefined): void {
    if (handle !== undefined) this.clears++;
    super.clearTimer(handle);
  }
}

test('deadline queue - sequential entries (each removed before the next is added) share one timer; once idle it holds nothing alive and stops when it fires', async () => {
  const clock = new CountingClock();
  const expired: Entry[] = [];
  const queue = new DeadlineQueue<Entry>(clock, (e) => expired.push(e));
  for (let i = 0; i < 1000; i++) {
    const e = { id: i, deadline: clock.monotonic() + 100, queued: false };
    queue.add(e);
    assert.equal(clock.pending, 1, 'a referenced timer while an entry waits');
    await clock.advance(0.25);
    queue.remove(e);
    assert.equal(clock.pending, 0, 'nothing referenced once idle');
  }
  // 1000 entries over 250 ms with a 100 ms timeout: the timer fired early twice and re-armed.
  assert.ok(clock.sets <= 4, `timers set: ${clock.sets}`);
  assert.equal(clock.clears, 0);
  assert.equal(clock.scheduled, 1, 'the idle timer');
  await clock.advance(100);
  assert.equal(clock.scheduled, 0, 'fired with nothing waiting: not re-armed');
  assert.deepEqual(expired, []);
  // An entry added to an idle queue with a later deadline takes the idle timer back and expires on time.
  const a = { id: -1, deadline: clock.monotonic() + 100, queued: false };
  queue.add(a);
  queue.remove(a);
  const b = { id: -2, deadline: clock.monotonic() + 150, queued: false };
  await clock.advance(10);
  queue.add(b);
  assert.equal(clock.pending, 1);
  await clock.advance(139);
  assert.deepEqual(expired, []);
  await clock.advance(1);
  assert.deepEqual(expired, [b]);
  assert.equal(clock.scheduled, 0);
  // clear() stops an idle timer.
  const c = { id: -3, deadline: clock.monotonic() + 100, queued: false };
  queue.add(c);
  queue.remove(c);
  assert.equal(clock.scheduled, 1);
  queue.clear();
  assert.equal(clock.scheduled, 0);
});

test('deadline queue - with a clock without refTimer the timer is cancelled when the last entry leaves', () => {
  const clock = new CountingClock();
  (clock as Partial<VirtualClock>).refTimer = undefined;
  const queue = new DeadlineQueue<Entry>(clock, () => undefined);
  const e = { id: 0, deadline: 100, queued: false };
  queue.add(e);
  queue.remove(e);
  assert.equal(clock.scheduled, 0);
  assert.equal(clock.clears, 1);
});

test('deadline queue - after 10,000 entries removed behind a waiting one (compaction) only it expires; an expiry callback may add', async () => {
  const clock = new VirtualClock();
  const fired: number[] = [];
  const queue = new DeadlineQueue<Entry>(clock, (e) => {
    fired.push(e.id);
    if (e.id === 0) queue.add({ id: 99, deadline: clock.monotonic() + 10, queued: false });
  });
  const slow = { id: 0, deadline: 1000, queued: false };
  queue.add(slow);
  for (let i = 1; i <= 10_000; i++) {
    const e = { id: i, deadline: 1000 + i, queued: false };
    queue.add(e);
    queue.remove(e);
  }
  assert.equal(queue.size, 1);
  await clock.advance(1000);
  assert.deepEqual(fired, [0]);
  await clock.advance(10);
  assert.deepEqual(fired, [0, 99]);
  assert.equal(clock.pending, 0);
});

test('deadline queue - an entry removed or expired is no longer referenced by the queue (it can be collected while others wait)', async () => {
  const clock = new VirtualClock();
  const queue = new DeadlineQueue<Entry>(clock, () => undefined);
  const waiting = { id: 2, deadline: 5000, queued: false };
  // Made in a closure so that no local keeps them alive.
  const [removed, expired] = ((): [WeakRef<Entry>, WeakRef<Entry>] => {
    const a = { id: 0, deadline: 100, queued: false };
    const b = { id: 1, deadline: 200, queued: false };
    queue.add(a);
    queue.add(b);
    queue.add(waiting);
    queue.remove(a);
    return [new WeakRef(a), new WeakRef(b)];
  })();
  await clock.advance(200);
  assert.equal(queue.size, 1);
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    gc();
  }
  assert.equal(removed.deref(), undefined, 'the removed entry was collected');
  assert.equal(expired.deref(), undefined, 'the expired entry was collected');
  assert.equal(waiting.queued, true);
});
