import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Waiters, scoped } from '../../lib/inspecting/waiters.js';
import { ConnectionClosedError, KatcpAbortError, KatcpTimeoutError } from '../../lib/errors.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

test('waiters - resolves at once when the current value already matches', async () => {
  const w = new Waiters<number>();
  assert.equal(await w.wait(3, (v) => v === 3), 3);
  assert.equal(w.size, 0);
});

test('waiters - a value that is only passed through still releases its waiters', async () => {
  const w = new Waiters<string>();
  const p = w.wait('a', (v) => v === 'b');
  w.update('b');
  w.update('c');
  assert.equal(await p, 'b');
  assert.equal(w.size, 0);
});

test('waiters - timeout on a virtual clock rejects and removes the waiter', async () => {
  const clock = new VirtualClock();
  const w = new Waiters<number>(clock);
  const p = w.wait(0, (v) => v === 1, { timeout: 100 });
  const check = assert.rejects(p, KatcpTimeoutError);
  await clock.advance(99);
  assert.equal(w.size, 1);
  await clock.advance(1);
  await check;
  assert.equal(w.size, 0);
});

test('waiters - abort rejects with KatcpAbortError and removes the waiter', async () => {
  const w = new Waiters<number>();
  const ctl = new AbortController();
  const p = w.wait(0, (v) => v === 1, { signal: ctl.signal });
  ctl.abort();
  await assert.rejects(p, KatcpAbortError);
  assert.equal(w.size, 0);
});

test('waiters - close rejects pending and later waits until reopened', async () => {
  const w = new Waiters<number>();
  const p = w.wait(0, (v) => v === 1);
  w.close();
  await assert.rejects(p, ConnectionClosedError);
  await assert.rejects(w.wait(0, (v) => v === 1), ConnectionClosedError);
  w.reopen();
  const q = w.wait(0, (v) => v === 1);
  w.update(1);
  assert.equal(await q, 1);
});

test('waiters - a predicate that throws rejects only its own waiter', async () => {
  const w = new Waiters<number>();
  const bad = w.wait(0, (v) => {
    if (v === 1) throw new Error('boom');
    return false;
  });
  const good = w.wait(0, (v) => v === 1);
  w.update(1);
  await assert.rejects(bad, /boom/);
  assert.equal(await good, 1);
});

test('scoped - inner waits are cancelled when the outer call times out', async () => {
  const clock = new VirtualClock();
  const w = new Waiters<number>(clock);
  const p = scoped({ timeout: 50 }, clock, 'outer', (signal) => w.wait(0, (v) => v === 1, { signal }));
  const check = assert.rejects(p, KatcpTimeoutError);
  await clock.advance(50);
  await check;
  assert.equal(w.size, 0);
});
