import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DeadlineQueue } from '../../lib/client/deadline-queue.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { VirtualClock } from '../helpers/virtual-clock.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Entry {
  id: number;
  deadline: number;
  queued: boolean;
}

type Op = { op: 'add'; timeout: number } | { op: 'remove'; pick: number } | { op: 'advance'; ms: number };

test('deadline queue - model: each entry expires exactly at its deadline unless removed, in deadline order, on at most one timer', async () => {
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
          assert.equal(clock.pending, live.length === 0 ? 0 : 1, 'one timer while anything waits, none after');
        }
      },
    ),
    { numRuns: 300 },
  );
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
