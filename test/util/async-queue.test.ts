import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AsyncQueue } from '../../lib/util/async-queue.js';
import { KatcpAbortError, KatcpError, KatcpErrorCode } from '../../lib/errors.js';

const LABELS = { what: 'test queue', items: 'things', misuseCode: KatcpErrorCode.State };

async function drain<T>(q: AsyncQueue<T>): Promise<T[]> {
  const got: T[] = [];
  for await (const x of q) got.push(x);
  return got;
}

test('async queue - delivers queued items in order, then hands a pushed item to the waiting next()', async () => {
  const q = new AsyncQueue<number>();
  q.push(1);
  q.push(2);
  assert.equal(q.length, 2);
  assert.deepEqual(await q.next(), { value: 1, done: false });
  assert.deepEqual(await q.next(), { value: 2, done: false });
  const pending = q.next();
  q.push(3);
  assert.deepEqual(await pending, { value: 3, done: false });
  assert.equal(q.length, 0);
});

test('async queue - end() delivers what is queued, ignores later pushes, and calls onClose once with the queue', async () => {
  const closed: AsyncQueue<number>[] = [];
  const q = new AsyncQueue<number>({}, (x) => closed.push(x));
  q.push(1);
  q.end();
  q.end();
  q.push(2);
  assert.equal(q.isClosed, true);
  assert.deepEqual(await drain(q), [1]);
  assert.deepEqual(closed, [q]);
});

test('async queue - end() finishes a pending next()', async () => {
  const q = new AsyncQueue<number>();
  const pending = q.next();
  q.end();
  assert.deepEqual(await pending, { value: undefined, done: true });
});

test('async queue - overflow with the error policy: the queued items, then an error naming the queue, then the end', async () => {
  let closed = 0;
  const q = new AsyncQueue<number>({ highWaterMark: 3 }, () => closed++, LABELS);
  for (let i = 0; i < 10; i++) q.push(i);
  assert.equal(closed, 1, 'the producer is released at once');
  assert.equal(q.isClosed, true);
  const got: number[] = [];
  await assert.rejects(
    (async () => {
      for await (const x of q) got.push(x);
    })(),
    (e: unknown) => e instanceof KatcpError && e.code === 'KATCP_ERR_QUEUE_OVERFLOW' && e.message === 'test queue overflow: the consumer fell 3 things behind',
  );
  assert.deepEqual(got, [0, 1, 2]);
  assert.deepEqual(await q.next(), { value: undefined, done: true });
});

test('async queue - drop-oldest keeps the newest items and counts the dropped ones', async () => {
  const q = new AsyncQueue<number>({ highWaterMark: 3, overflow: 'drop-oldest' });
  for (let i = 0; i < 10; i++) q.push(i);
  assert.equal(q.isClosed, false);
  q.end();
  assert.deepEqual(await drain(q), [7, 8, 9]);
  assert.equal(q.dropped, 7);
});

test('async queue - a high-water mark below 1 still holds one item', async () => {
  const q = new AsyncQueue<number>({ highWaterMark: 0 });
  q.push(1);
  q.end();
  assert.deepEqual(await drain(q), [1]);
});

test('async queue - aborting rejects a pending next(), discards the queue and releases the producer', async () => {
  const ac = new AbortController();
  let closed = 0;
  const q = new AsyncQueue<number>({ signal: ac.signal }, () => closed++, LABELS);
  const pending = q.next();
  ac.abort(new Error('stop'));
  await assert.rejects(pending, (e: unknown) => e instanceof KatcpAbortError && e.message === 'test queue aborted' && (e.cause as Error).message === 'stop');
  assert.equal(closed, 1);
  assert.deepEqual(await q.next(), { value: undefined, done: true });
});

test('async queue - aborting with items queued fails the next next() instead of delivering them', async () => {
  const ac = new AbortController();
  const q = new AsyncQueue<number>({ signal: ac.signal });
  q.push(1);
  ac.abort();
  assert.equal(q.length, 0);
  await assert.rejects(q.next(), KatcpAbortError);
  assert.deepEqual(await q.next(), { value: undefined, done: true });
});

test('async queue - an already aborted signal fails the first next() and releases the producer during construction', async () => {
  const closed: AsyncQueue<number>[] = [];
  const q = new AsyncQueue<number>({ signal: AbortSignal.abort() }, (x) => closed.push(x));
  assert.equal(closed.length, 1);
  assert.equal(q.isClosed, true);
  await assert.rejects(q.next(), KatcpAbortError);
});

test('async queue - an abort after the end changes nothing', async () => {
  const ac = new AbortController();
  let closed = 0;
  const q = new AsyncQueue<number>({ signal: ac.signal }, () => closed++);
  q.push(1);
  q.end();
  ac.abort();
  assert.deepEqual(await drain(q), [1]);
  assert.equal(closed, 1);
});

test('async queue - break in for-await discards the queue and releases the producer', async () => {
  let closed = 0;
  const q = new AsyncQueue<number>({}, () => closed++);
  q.push(1);
  q.push(2);
  for await (const x of q) {
    assert.equal(x, 1);
    break;
  }
  assert.equal(closed, 1);
  assert.equal(q.length, 0);
  assert.deepEqual(await q.next(), { value: undefined, done: true });
});

test('async queue - a second next() while one is pending is refused with the configured code', async () => {
  const q = new AsyncQueue<number>({}, undefined, LABELS);
  const first = q.next();
  await assert.rejects(q.next(), (e: unknown) => e instanceof KatcpError && e.code === 'KATCP_ERR_STATE' && /^test queue: next\(\) called while/.test(e.message));
  q.push(1);
  assert.deepEqual(await first, { value: 1, done: false });
  const plain = new AsyncQueue<number>();
  const pending = plain.next();
  await assert.rejects(plain.next(), (e: unknown) => e instanceof KatcpError && e.code === 'KATCP_ERR');
  plain.end();
  assert.deepEqual(await pending, { value: undefined, done: true });
});

test('async queue - any mix of pushes and reads delivers every item once, in order (with compaction)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.nat(3000), fc.nat(3000)), { minLength: 1, maxLength: 8 }), async (rounds) => {
      const q = new AsyncQueue<number>({ highWaterMark: 100_000 });
      let pushed = 0;
      const got: number[] = [];
      for (const [pushes, reads] of rounds) {
        for (let i = 0; i < pushes; i++) q.push(pushed++);
        for (let i = 0; i < reads && q.length > 0; i++) got.push((await q.next()).value as number);
      }
      q.end();
      got.push(...(await drain(q)));
      assert.deepEqual(got, Array.from({ length: pushed }, (_, i) => i));
    }),
    { numRuns: 30 },
  );
});
