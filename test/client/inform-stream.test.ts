import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InformRouter } from '../../lib/client/inform-router.js';
import { InformStream } from '../../lib/client/inform-stream.js';
import { KatcpAbortError, KatcpError } from '../../lib/errors.js';

test('inform stream - delivers queued items in order, then waits for more', async () => {
  const s = new InformStream<number>();
  s.push(1);
  s.push(2);
  assert.deepEqual(await s.next(), { value: 1, done: false });
  assert.deepEqual(await s.next(), { value: 2, done: false });
  const pending = s.next();
  s.push(3);
  assert.deepEqual(await pending, { value: 3, done: false });
});

test('inform stream - end() delivers what is queued, then finishes', async () => {
  let closed = 0;
  const s = new InformStream<number>({}, () => closed++);
  s.push(1);
  s.end();
  s.push(2);
  const got: number[] = [];
  for await (const x of s) got.push(x);
  assert.deepEqual(got, [1]);
  assert.equal(closed, 1);
});

test('inform stream - a slow consumer gets an overflow error after the queued items', async () => {
  let closed = 0;
  const s = new InformStream<number>({ highWaterMark: 3 }, () => closed++);
  for (let i = 0; i < 10; i++) s.push(i);
  assert.equal(closed, 1, 'the producer is unsubscribed at once');
  const got: number[] = [];
  await assert.rejects(
    (async () => {
      for await (const x of s) got.push(x);
    })(),
    (e: unknown) => e instanceof KatcpError && e.code === 'KATCP_ERR_QUEUE_OVERFLOW',
  );
  assert.deepEqual(got, [0, 1, 2]);
  assert.deepEqual(await s.next(), { value: undefined, done: true });
});

test('inform stream - drop-oldest keeps the newest items and counts the dropped ones', async () => {
  const s = new InformStream<number>({ highWaterMark: 3, overflow: 'drop-oldest' });
  for (let i = 0; i < 10; i++) s.push(i);
  s.end();
  const got: number[] = [];
  for await (const x of s) got.push(x);
  assert.deepEqual(got, [7, 8, 9]);
  assert.equal(s.dropped, 7);
});

test('inform stream - aborting rejects a pending next() and unsubscribes', async () => {
  const ac = new AbortController();
  let closed = 0;
  const s = new InformStream<number>({ signal: ac.signal }, () => closed++);
  const pending = s.next();
  ac.abort();
  await assert.rejects(pending, KatcpAbortError);
  assert.equal(closed, 1);
  assert.deepEqual(await s.next(), { value: undefined, done: true });
});

test('inform stream - an already aborted signal fails the first next()', async () => {
  const s = new InformStream<number>({ signal: AbortSignal.abort() });
  await assert.rejects(s.next(), KatcpAbortError);
});

test('inform stream - break in for-await unsubscribes', async () => {
  let closed = 0;
  const s = new InformStream<number>({}, () => closed++);
  s.push(1);
  s.push(2);
  for await (const x of s) {
    assert.equal(x, 1);
    break;
  }
  assert.equal(closed, 1);
  assert.equal(s.length, 0);
});

test('inform stream - a large backlog drains in order (queue compaction)', async () => {
  const s = new InformStream<number>({ highWaterMark: 100_000 });
  for (let i = 0; i < 5000; i++) s.push(i);
  for (let i = 0; i < 5000; i++) {
    assert.equal((await s.next()).value, i);
    if (i % 7 === 0) s.push(5000 + i);
  }
  assert.equal(s.length, Math.ceil(5000 / 7));
});

test('inform stream - a stream asked for with an already aborted signal fails its first next() and is not subscribed', async () => {
  // Before the shared queue, the router's close callback read the stream before it existed.
  const router = new InformRouter();
  const s = router.stream('x', { signal: AbortSignal.abort() }, false);
  assert.equal(router.handlers.has('x'), false);
  await assert.rejects(s.next(), KatcpAbortError);
});
